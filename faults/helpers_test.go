package faults

import (
	"bytes"
	"context"
	"log/slog"
	"net/mail"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/email"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// mailbox is a real SMTP server on loopback that notes when each recipient's first message
// arrived, and answers 451 (try again later) while refuse says so.
type mailbox struct {
	srv     *smtptest.Server
	refused atomic.Int64
	fixtures.Arrivals
}

// newMailbox starts the server; delay slows every accepted message a little so that a burst
// lasts long enough to be cut, and now is the clock that stamps arrivals (the test's).
func newMailbox(t *testing.T, delay time.Duration, now func() time.Time, refuse func() bool) *mailbox {
	mb := &mailbox{}
	mb.srv = smtptest.Start(t, smtptest.Options{TLS: "none", Data: func(m smtptest.Message) error {
		if refuse != nil && refuse() {
			mb.refused.Add(1)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "系统繁忙，请稍后重试"}
		}
		time.Sleep(delay)
		mb.Note(now(), m.To)
		return nil
	}})
	return mb
}

// newDeliverer is the worker's deliverer with one channel, email to the mailbox.
func newDeliverer(t *testing.T, ctx context.Context, st *store.Store, mb *mailbox) *notify.Deliverer {
	t.Helper()
	r := fixtures.Renderer(t, "f4ult-t3st-9c1e7a2b5d8f0e3a6c9b2d5f8e1a4c7b")
	ch, err := email.New(email.Config{Host: mb.srv.Host, Port: mb.srv.Port, TLS: email.NoTLS,
		From: "政务公开办 <gk@example.gov.cn>", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d, err := notify.NewDeliverer(ctx, st, r, map[string]notify.Channel{"email": ch}, 8)
	if err != nil {
		t.Fatal(err)
	}
	d.Logger = quietLogger()
	t.Cleanup(d.Close)
	return d
}

// quietLogger keeps the expected failures of a fault out of the test output unless asked for
// (ZWGK_FAULT_LOG=1).
func quietLogger() *slog.Logger {
	if os.Getenv("ZWGK_FAULT_LOG") != "" {
		return slog.Default()
	}
	return slog.New(slog.NewTextHandler(discard{}, nil))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// startWorker runs zwgk's worker in this process, as `zwgk worker` wires it.
func startWorker(t *testing.T, c client.Client, tq string, st *store.Store, d *notify.Deliverer) {
	t.Helper()
	acts := &activities.Activities{Store: st, Temporal: c, TaskQueue: tq, Logger: quietLogger(), Deliverer: d, SendParallel: 8}
	w := worker.New(c, tq, worker.Options{MaxConcurrentActivityExecutionSize: 8})
	workflows.Register(w, acts)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settled reports whether every notice was sent or dropped.
func settled(t *testing.T, ctx context.Context, st *store.Store) bool {
	var open int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE status IN ('pending', 'claimed')`).Scan(&open); err != nil {
		t.Logf("count open notices: %v", err)
		return false
	}
	return open == 0
}

// tally is what the SMTP server holds, compared with who should have a message.
type tally struct {
	lost          int // recipients without a message
	twice         int // recipients with two different Message-IDs: a duplicate they see
	rawDuplicates int // extra copies under one Message-ID: mail clients show them once
}

// count checks every recipient's messages by Message-ID, and that the delivery log recorded
// each recipient's message as sent under the handle the server saw.
func count(t *testing.T, ctx context.Context, st *store.Store, mb *mailbox, emails map[string]bool) tally {
	t.Helper()
	var r tally
	ids := map[string]map[string]int{} // address → Message-ID → copies
	for i, m := range mb.srv.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		id := msg.Header.Get("Message-ID")
		if id == "" || len(m.To) != 1 || !emails[m.To[0]] {
			t.Fatalf("message %d to %v with Message-ID %q", i, m.To, id)
		}
		if ids[m.To[0]] == nil {
			ids[m.To[0]] = map[string]int{}
		}
		ids[m.To[0]][id]++
	}
	for addr := range emails {
		switch n := len(ids[addr]); {
		case n == 0:
			r.lost++
			if r.lost <= 5 {
				t.Errorf("%s got no message", addr)
			}
		case n > 1:
			r.twice++
			if r.twice <= 5 {
				t.Errorf("%s got %d different messages: %v", addr, n, ids[addr])
			}
		}
		for _, copies := range ids[addr] {
			r.rawDuplicates += copies - 1
		}
	}
	rows, err := st.Pool.Query(ctx, `SELECT key, recipient, address, status FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	logged := 0
	for rows.Next() {
		var key, recipient, addr, status string
		if err := rows.Scan(&key, &recipient, &addr, &status); err != nil {
			t.Fatal(err)
		}
		logged++
		want := "<" + notify.Handle(key, recipient) + "@example.gov.cn>"
		if status != store.DeliverySent || ids[addr][want] == 0 {
			t.Errorf("delivery %s to %s (%s) is %s; the server has %v, want %s", key, recipient, addr, status, ids[addr], want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if logged != len(emails) {
		t.Errorf("the delivery log has %d deliveries, want %d", logged, len(emails))
	}
	return r
}
