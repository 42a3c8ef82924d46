package main

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// Issue 6: a burst of 1,000 digests with the worker killed (SIGKILL) and restarted in the
// middle, every recipient getting exactly one message, counted at the SMTP server. The worker is
// the real `zwgk worker` in a process of its own (this test binary re-executed, see TestMain);
// PostgreSQL is real, the Temporal server lives in this process and outlives the worker, and the
// SMTP server on loopback is slowed a little so that the burst lasts long enough to be cut.
//
// "no kill" runs the same burst with one worker throughout: it gives the reference figures and
// must show no duplicate at all, so that the duplicates of the crash runs can only come from the
// crash. "dispatcher run lost with the worker" also terminates the dispatcher's run, so that the
// dispatch the dead worker held is never retried and the next run must finish it.
func TestCrashDigestBurst(t *testing.T) {
	const (
		recipients = 1000
		// Delay of the SMTP server between the final dot and its answer: 8 parallel
		// conversations at 40 ms make the burst last about 5 s, long enough to be cut at 30%.
		smtpDelay = 40 * time.Millisecond
		killAt    = recipients * 3 / 10
	)
	var baseline time.Duration
	t.Run("no kill", func(t *testing.T) {
		b := newBurst(t, recipients, smtpDelay)
		w := b.startWorker("worker-1")
		b.fire()
		took := b.waitAll(w)
		baseline = took
		r := b.check()
		if r.rawDuplicates != 0 {
			t.Errorf("%d duplicate messages without any crash", r.rawDuplicates)
		}
		t.Logf("burst of %d digests, one worker: %s from the window to the last message (%.0f messages/s; the first "+
			"came %s after the window), %s to every notice settled", recipients, took.Round(time.Millisecond),
			float64(recipients)/took.Seconds(), b.arrivals.FirstAfter(b.start).Sub(b.start).Round(time.Millisecond),
			b.settled.Sub(b.start).Round(time.Millisecond))
	})
	t.Run("SIGKILL mid-burst", func(t *testing.T) {
		b := newBurst(t, recipients, smtpDelay)
		before, killedAt := b.killMidBurst(killAt)
		after := b.smtp.Count()
		t.Logf("SIGKILL after %s: %d messages at the server before the kill, %d when the process was gone",
			killedAt.Sub(b.start).Round(time.Millisecond), before, after)
		if before <= 0 || before >= recipients {
			t.Fatalf("the kill did not happen mid-burst: %d of %d messages before it", before, recipients)
		}
		w2 := b.startWorker("worker-2")
		took := b.waitAll(w2)
		r := b.check()
		// Only a conversation in flight when the worker died can be repeated: at most one per
		// concurrent delivery. More would mean the delivery log failed to stop a resend.
		if r.rawDuplicates > b.parallel {
			t.Errorf("%d duplicates; at most %d conversations were in flight at the kill", r.rawDuplicates, b.parallel)
		}
		resumed := b.arrivals.FirstAfter(w2.readyAt)
		one := "not run"
		if baseline > 0 {
			one = baseline.Round(time.Millisecond).String()
		}
		t.Logf("burst of %d digests, worker-1 killed at %d messages, worker-2 ready %s later: %s from the window to the "+
			"last message (one worker: %s), %s to every notice settled; the first message after the kill came %s after it; "+
			"%d raw duplicates with the same Message-ID",
			recipients, before, w2.readyAt.Sub(killedAt).Round(time.Millisecond), took.Round(time.Millisecond),
			one, b.settled.Sub(b.start).Round(time.Millisecond),
			resumed.Sub(killedAt).Round(time.Millisecond), r.rawDuplicates)
	})
	// The worse loss: the worker dies and the dispatcher's run is gone with it (terminated by
	// an operator, or its Temporal database lost and rebuilt) while its dispatch holds the
	// window's notices. No retry of that dispatch will ever come; the next run must finish it
	// under its key and window: the same digests, so that what the lost run sent is not sent
	// again under another Message-ID, and nothing stays claimed.
	t.Run("dispatcher run lost with the worker", func(t *testing.T) {
		b := newBurst(t, recipients, smtpDelay)
		before, lostAt := b.killMidBurst(killAt)
		if err := b.c.TerminateWorkflow(b.ctx, activities.DispatcherID(b.tq), "", "crash test: the run is lost"); err != nil {
			t.Fatal(err)
		}
		if before <= 0 || before >= recipients {
			t.Fatalf("the loss did not happen mid-burst: %d of %d messages before it", before, recipients)
		}
		w2 := b.startWorker("worker-2")
		// what the next poke, or `zwgk worker --reconcile`, does
		if err := b.wc.EnsureDispatcher(b.ctx); err != nil {
			t.Fatal(err)
		}
		took := b.waitAll(w2)
		r := b.check()
		if r.rawDuplicates > b.parallel {
			t.Errorf("%d duplicates; at most %d conversations were in flight when the run was lost", r.rawDuplicates, b.parallel)
		}
		t.Logf("burst of %d digests, worker-1 killed and the dispatcher's run terminated at %d messages, worker-2 and a new "+
			"run started: %s from the window to the last message, %s to every notice settled; the first message after the "+
			"loss came %s after it; %d raw duplicates with the same Message-ID", recipients, before, took.Round(time.Millisecond),
			b.settled.Sub(b.start).Round(time.Millisecond), b.arrivals.FirstAfter(w2.readyAt).Sub(lostAt).Round(time.Millisecond),
			r.rawDuplicates)
	})
}

// burst is one run: a database with n offices, each with one contact and one item whose
// reminder falls due in the same window, an SMTP server and worker processes.
type burst struct {
	t        *testing.T
	ctx      context.Context
	n        int
	parallel int // concurrent deliveries of the worker (newActivities)
	dbURL    string
	st       *store.Store
	smtp     *smtptest.Server
	tq       string
	c        client.Client
	wc       *workflows.Client
	hostPort string
	ns       string
	emails   map[string]bool // every recipient's address
	items    []store.ItemRef
	logDir   string

	arrivals fixtures.Arrivals // when each message and each recipient's first arrived

	window  time.Time // the instant every notice is planned for
	start   time.Time // when the burst could start: the window, or the dispatcher's start if later
	last    time.Time // the last recipient's first message
	settled time.Time // every notice marked sent
}

func newBurst(t *testing.T, n int, smtpDelay time.Duration) *burst {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	b := &burst{t: t, ctx: ctx, n: n, parallel: 8, tq: testenv.TaskQueue(t), emails: map[string]bool{}, logDir: t.TempDir()}
	b.dbURL = testenv.DatabaseURL(t)
	st, err := store.Open(ctx, b.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	b.st = st
	c := testenv.Temporal(t)
	b.hostPort, b.ns = testenv.TemporalAddress(t)
	b.c = c
	b.wc = &workflows.Client{Temporal: c, TaskQueue: b.tq}
	t.Cleanup(func() {
		// the dispatcher would otherwise wait for a worker on its queue until the server stops
		_ = c.TerminateWorkflow(context.Background(), activities.DispatcherID(b.tq), "", "test over")
	})
	b.smtp = smtptest.Start(t, smtptest.Options{TLS: "none", Data: func(m smtptest.Message) error {
		time.Sleep(smtpDelay)
		b.arrivals.Note(time.Now(), m.To)
		return nil
	}})
	seeded := time.Now()
	b.seed()
	t.Logf("seeded %d offices, contacts and items in %s", n, time.Since(seeded).Round(time.Millisecond))
	return b
}

// seed writes the directory and the list as an admin's import would leave them: n offices each
// with one contact who prefers email, each with one item. No item workflow is started: the
// notices are planned directly (fire), as the item workflows' SyncItem activity would, so that
// the dispatcher is the only workflow at work.
func (b *burst) seed() {
	b.emails, b.items = fixtures.OfficeList(b.t, b.ctx, b.st, "压力测试", b.n)
}

// fire plans one reminder per item for the same instant a few seconds ahead, as the item
// workflows would (store.SyncItem, the write behind their SyncItem activity), and starts the
// dispatcher, which sleeps until that instant and then sends the window's digests.
func (b *burst) fire() {
	t, ctx := b.t, b.ctx
	b.window = time.Now().Add(4 * time.Second).Truncate(time.Second)
	fixtures.PlanReminders(t, ctx, b.st, b.items, b.window)
	if err := b.wc.EnsureDispatcher(ctx); err != nil {
		t.Fatal(err)
	}
	b.start = b.window
	if now := time.Now(); now.After(b.start) {
		t.Logf("planning took past the window by %s", now.Sub(b.window).Round(time.Millisecond))
		b.start = now
	}
}

// waitCount is closed once the SMTP server has accepted n messages.
func (b *burst) waitCount(n int) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for b.smtp.Count() < n {
			select {
			case <-b.smtp.Accepted():
			case <-b.ctx.Done():
				return
			}
		}
		close(ch)
	}()
	return ch
}

// waitAll waits until every recipient has a message at the SMTP server, then until the
// dispatcher has marked every notice sent (the end of its activity), and returns the time from
// the window to the last recipient's first message. The worker must stay up meanwhile.
func (b *burst) waitAll(w *workerProc) time.Duration {
	t := b.t
	t.Helper()
	poll := func(what string, timeout time.Duration, done func() bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !done() {
			select {
			case <-w.exited:
				t.Fatalf("%s exited while waiting for %s: %v", w.name, what, w.err)
			case <-time.After(100 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				b.dump()
				t.Fatalf("timed out after %s waiting for %s", timeout, what)
			}
		}
	}
	// Generous: a dispatch cut by a dead worker is retried only when its heartbeat times out
	// (a minute, workflows/dispatch.go), then has the rest of the burst to send.
	poll("every recipient's message", 5*time.Minute, func() bool { return b.arrivals.Served() >= b.n })
	b.last = b.arrivals.Last()
	poll("every notice to be settled", 2*time.Minute, func() bool {
		var open int
		if err := b.st.Pool.QueryRow(b.ctx, `SELECT count(*) FROM notices WHERE status IN ('pending', 'claimed')`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		return open == 0
	})
	b.settled = time.Now()
	return b.last.Sub(b.start)
}

type burstResult struct {
	rawDuplicates int
}

// check counts at the SMTP server and compares with the delivery log and the notices.
func (b *burst) check() burstResult {
	t, ctx := b.t, b.ctx
	t.Helper()
	var r burstResult
	ids := map[string]map[string]int{} // recipient address → Message-ID → copies
	for i, m := range b.smtp.Messages() {
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		id := msg.Header.Get("Message-ID")
		if id == "" || len(m.To) != 1 {
			t.Fatalf("message %d to %v has Message-ID %q", i, m.To, id)
		}
		to := m.To[0]
		if !b.emails[to] {
			t.Errorf("message %d to %s, who is no recipient", i, to)
		}
		if ids[to] == nil {
			ids[to] = map[string]int{}
		}
		ids[to][id]++
	}
	missing, twice := 0, 0
	for addr := range b.emails {
		switch n := len(ids[addr]); {
		case n == 0:
			missing++
			if missing <= 5 {
				t.Errorf("%s got no message", addr)
			}
		case n > 1:
			twice++
			if twice <= 5 {
				t.Errorf("%s got %d different messages: %v", addr, n, ids[addr])
			}
		}
		for _, copies := range ids[addr] {
			r.rawDuplicates += copies - 1
		}
	}
	if missing+twice > 0 {
		t.Errorf("%d recipients got no message, %d got two different ones", missing, twice)
	}

	// The delivery log: one sent digest per recipient, all of the same window, whose handle is
	// the Message-ID the server saw.
	rows, err := b.st.Pool.Query(ctx, `SELECT key, recipient, address, status, kind FROM deliveries ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var (
		logged  int
		windows = map[string]int{}
	)
	for rows.Next() {
		var key, recipient, addr, status, kind string
		if err := rows.Scan(&key, &recipient, &addr, &status, &kind); err != nil {
			t.Fatal(err)
		}
		logged++
		if status != store.DeliverySent || kind != string(notify.Digest) {
			t.Errorf("delivery %s to %s: %s %s, want a sent digest", key, recipient, status, kind)
			continue
		}
		windows[key[strings.LastIndexByte(key, '/')+1:]]++
		want := "<" + notify.Handle(key, recipient) + "@example.gov.cn>"
		if got := ids[addr]; len(got) != 1 || got[want] == 0 {
			t.Errorf("delivery %s to %s (%s): the server has %v, want %s", key, recipient, addr, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if logged != b.n || len(windows) != 1 {
		t.Errorf("the delivery log has %d deliveries in windows %v, want %d in one window", logged, windows, b.n)
	}
	var sent, total int
	if err := b.st.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FROM notices`).Scan(&sent, &total); err != nil {
		t.Fatal(err)
	}
	if sent != b.n || total != b.n {
		t.Errorf("%d of %d notices sent, want all %d", sent, total, b.n)
	}
	// Every duplicate at the server must be an attempt the log knows it could not confirm
	// (the worker died with it open) and sent again with the same handle.
	attempts := map[string]int{}
	arows, err := b.st.Pool.Query(ctx, `SELECT status, count(*) FROM delivery_attempts GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	for arows.Next() {
		var status string
		var n int
		if err := arows.Scan(&status, &n); err != nil {
			t.Fatal(err)
		}
		attempts[status] = n
	}
	if err := arows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("SMTP server: %d messages, %d recipients, %d raw duplicates; delivery attempts by outcome %v",
		b.smtp.Count(), len(ids), r.rawDuplicates, attempts)
	if r.rawDuplicates > attempts[store.AttemptUnknown] {
		t.Errorf("%d duplicates but only %d attempts with an unknown outcome: a message went out twice although the log knew it was sent",
			r.rawDuplicates, attempts[store.AttemptUnknown])
	}
	if attempts[store.AttemptSent] != b.n {
		t.Errorf("%d attempts recorded as sent, want %d", attempts[store.AttemptSent], b.n)
	}
	return r
}

// dump logs the notices and deliveries that are not done, to diagnose a stuck burst.
func (b *burst) dump() {
	var lines []string
	rows, err := b.st.Pool.Query(b.ctx, `SELECT status, coalesce(dispatch_key, ''), count(*) FROM notices GROUP BY 1, 2 ORDER BY 1, 2`)
	if err == nil {
		for rows.Next() {
			var status, key string
			var n int
			_ = rows.Scan(&status, &key, &n)
			lines = append(lines, fmt.Sprintf("notices %s %s: %d", status, key, n))
		}
		rows.Close()
	}
	rows, err = b.st.Pool.Query(b.ctx, `SELECT status, count(*) FROM deliveries GROUP BY 1 ORDER BY 1`)
	if err == nil {
		for rows.Next() {
			var status string
			var n int
			_ = rows.Scan(&status, &n)
			lines = append(lines, fmt.Sprintf("deliveries %s: %d", status, n))
		}
		rows.Close()
	}
	b.t.Logf("state at the timeout (SMTP server has %d messages):\n%s", b.smtp.Count(), strings.Join(lines, "\n"))
}

// killMidBurst starts worker-1, fires the burst and SIGKILLs the worker once killAt messages
// have arrived; it returns how many had arrived and when the kill came.
func (b *burst) killMidBurst(killAt int) (before int, killedAt time.Time) {
	t := b.t
	t.Helper()
	w1 := b.startWorker("worker-1")
	b.fire()
	select {
	case <-b.waitCount(killAt):
	case <-w1.exited:
		t.Fatalf("worker-1 exited before the kill: %v", w1.err)
	case <-time.After(3 * time.Minute):
		t.Fatalf("only %d messages arrived in 3 minutes; the burst did not start", b.smtp.Count())
	}
	before, killedAt = b.smtp.Count(), time.Now()
	if err := w1.kill(); err != nil {
		t.Fatal(err)
	}
	return before, killedAt
}
