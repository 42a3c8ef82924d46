package devstack

import (
	"context"
	"errors"
	"strings"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// quietLogger drops the errors an embedded single-node server logs routinely: a long poll that
// ends while it writes ("context canceled"), and services that find the membership ring empty
// while the process starts or stops ("Not enough hosts"). They would bury the errors that
// matter in `zwgk dev`'s output.
type quietLogger struct{ log.Logger }

func (q quietLogger) Error(msg string, tags ...tag.Tag) {
	for _, t := range tags {
		err, ok := t.Value().(error)
		if !ok {
			continue
		}
		if errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "context canceled") ||
			strings.Contains(err.Error(), "Not enough hosts to serve the request") {
			return
		}
	}
	q.Logger.Error(msg, tags...)
}

func (q quietLogger) With(tags ...tag.Tag) log.Logger {
	return quietLogger{log.With(q.Logger, tags...)}
}
