package workflows_test

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
)

// expectUpdate checks an update sent at when: accepted and completed, or, with reject, rejected
// with a message containing it.
func expectUpdate(t testing.TB, name string, when time.Time, reject string) *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() {
			if reject != "" {
				t.Errorf("%s at %s accepted, want rejected with %q", name, when, reject)
			}
		},
		OnReject: func(err error) {
			if reject == "" || !strings.Contains(err.Error(), reject) {
				t.Errorf("%s at %s rejected: %v (want %q)", name, when, err, reject)
			}
		},
		OnComplete: func(_ any, err error) {
			if err != nil && reject == "" {
				t.Errorf("%s at %s failed: %v", name, when, err)
			}
		},
	}
}
