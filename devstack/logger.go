package devstack

import (
	"context"
	"errors"
	"strings"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// quietLogger drops the errors an embedded single-node server logs when a long poll ends
// while it writes ("context canceled"): they are routine on a laptop's SQLite and would bury
// the errors that matter in `zwgk dev`'s output.
type quietLogger struct{ log.Logger }

func (q quietLogger) Error(msg string, tags ...tag.Tag) {
	for _, t := range tags {
		if err, ok := t.Value().(error); ok && (errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "context canceled")) {
			return
		}
	}
	q.Logger.Error(msg, tags...)
}

func (q quietLogger) With(tags ...tag.Tag) log.Logger {
	return quietLogger{log.With(q.Logger, tags...)}
}
