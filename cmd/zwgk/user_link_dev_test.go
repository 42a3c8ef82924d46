//go:build !nodev

package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
)

// Under `zwgk dev` a setup link issued by `zwgk user link` is mailed by the dev process's worker
// into the outbox (its email channel) within moments, once, and the queued copy of the link is
// wiped once it is there: the web and the CLI only queue.
func TestDevMailsSetupLink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	settings, _, _ := devSettings(t, dir)
	startProc(t, "dev", dir, []string{"dev"}, settings, "zwgk dev is up")
	st, err := store.Open(ctx, settings["ZWGK_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.CreateUser(ctx, store.NewUser{Login: "zhou", Role: store.RoleAdmin, PasswordHash: "x"}, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := st.AddPerson(ctx, store.Person{Name: "周主任", Email: "zhou@x.gov.cn", Channels: []string{"email"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserPerson(ctx, u.ID, pid, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	issued := time.Now()
	code, out, errs := runUserCmd(t, settings["ZWGK_DATABASE_URL"], "", "user", "link", "zhou")
	m := regexp.MustCompile(`/setup/(\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "queued for mail to zhou@x.gov.cn") {
		t.Fatalf("user link: %d %q %q", code, out, errs)
	}
	var mail store.SetupMail
	for {
		if mail, err = st.SetupMailOf(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if mail.Status != "pending" || time.Since(issued) > 30*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if mail.Status != "sent" || mail.BodyText != "" {
		t.Fatalf("the dev worker did not send the link within 30 s: %+v", mail)
	}
	t.Logf("mailed %s after it was issued", time.Since(issued).Round(time.Millisecond))
	msgs, err := st.Outbox(ctx, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, om := range msgs {
		if om.Address == "zhou@x.gov.cn" {
			n++
			if om.Key != mail.Handle || !strings.Contains(om.BodyText, "/setup/"+m[1]) {
				t.Errorf("outbox message %+v", om)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d outbox messages to zhou@x.gov.cn, want 1", n)
	}
}
