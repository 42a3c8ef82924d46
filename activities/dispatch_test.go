package activities_test

import (
	"bytes"
	"context"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/notify/smtptest"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

type noSync struct{}

func (noSync) Sync(context.Context, store.ListChanges) error { return nil }

// dispatchFixture is PostgreSQL with one unit, office and contact (by email), one imported
// item, an SMTP server on loopback and the real activities.
type dispatchFixture struct {
	ctx  context.Context
	st   *store.Store
	smtp *smtptest.Server
	acts *activities.Activities
	item store.ItemRef
	seq  int64
}

func newDispatchFixture(t *testing.T) *dispatchFixture {
	ctx := context.Background()
	f := &dispatchFixture{ctx: ctx, st: testenv.Store(t), seq: 100}
	f.smtp = smtptest.Start(t, smtptest.Options{TLS: "none"})
	d := fixtures.Deliverer(t, ctx, f.st, f.smtp, "dispatch-test-secret-0123456789abcdef", 2)
	f.acts = &activities.Activities{Store: f.st, Deliverer: d, SendParallel: 2}
	f.item = fixtures.OneItem(t, ctx, f.st, "派发测试局", 2024, noSync{},
		store.Person{Name: "张联络", Email: "contact@example.gov.cn", Channels: []string{"email"}, Active: true})
	return f
}

// unitOffice is the fixture's unit and its office.
func (f *dispatchFixture) unitOffice(t *testing.T) (unit, office int64) {
	t.Helper()
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT unit_id, id FROM offices WHERE name = '办公室'`).Scan(&unit, &office); err != nil {
		t.Fatal(err)
	}
	return unit, office
}

// contactID is the person id of the fixture's office contact.
func (f *dispatchFixture) contactID(t *testing.T) int64 {
	t.Helper()
	var pid int64
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT id FROM people WHERE email = 'contact@example.gov.cn'`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

// plan writes notices of one cycle as the item workflow would.
func (f *dispatchFixture) plan(t *testing.T, cycle string, notices ...store.NoticePlan) {
	t.Helper()
	f.seq++
	due := calendar.D(2024, 12, 31).End()
	if _, err := f.st.SyncItem(f.ctx, store.ItemSync{WorkflowID: f.item.WorkflowID, ItemID: f.item.ID, Seq: f.seq,
		State:  store.ItemStateRow{Status: "upcoming"},
		Cycles: []store.CycleRow{{Key: cycle, Start: calendar.D(2024, 1, 1).Start(), Due: due, OriginalDue: due, Status: "open", Required: 1}},
		Plans:  []store.CyclePlan{{CycleKey: cycle, Due: due, Notices: notices}},
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *dispatchFixture) dispatch(t *testing.T, key string, cutoff time.Time) activities.DispatchResult {
	t.Helper()
	res, err := f.acts.Dispatch(f.ctx, activities.DispatchRequest{Key: key, Cutoff: cutoff})
	if err != nil {
		t.Fatalf("dispatch %s: %v", key, err)
	}
	return res
}

func (f *dispatchFixture) digestKeys(t *testing.T) []string {
	t.Helper()
	rows, err := f.st.Pool.Query(f.ctx, `SELECT key FROM deliveries ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// With send windows at 09:00 and 14:30, each window is its own digest: the key names the
// window's instant, not its date, so the 14:30 digest is not taken for the 09:00 one already
// sent; a retried dispatch sends nothing again; notices of one item and cycle due in one
// window (or in two windows a stopped dispatcher missed) are one entry of one message.
func TestDispatchSeveralWindowsADay(t *testing.T) {
	f := newDispatchFixture(t)
	morning, afternoon := time.Date(2024, 6, 3, 9, 0, 0, 0, calendar.Shanghai), time.Date(2024, 6, 3, 14, 30, 0, 0, calendar.Shanghai)
	f.plan(t, "2024-12-31",
		store.NoticePlan{Kind: "reminder", Offset: 10, Target: "contact", At: morning},
		store.NoticePlan{Kind: "reminder", Offset: 9, Target: "contact", At: morning},
		store.NoticePlan{Kind: "reminder", Offset: 5, Target: "contact", At: afternoon})

	if res := f.dispatch(t, "run/1", morning); res.Notices != 2 || res.Messages != 1 || res.Recipients != 1 {
		t.Errorf("09:00 window: %+v, want two notices in one message", res)
	}
	if n := f.smtp.Count(); n != 1 {
		t.Fatalf("%d messages after the 09:00 window", n)
	}
	f.dispatch(t, "run/1", morning) // a retry of the same dispatch
	if n := f.smtp.Count(); n != 1 {
		t.Errorf("%d messages after a retry of the 09:00 dispatch, want 1", n)
	}
	if res := f.dispatch(t, "run/2", afternoon); res.Notices != 1 || res.Messages != 1 {
		t.Errorf("14:30 window: %+v", res)
	}
	if n := f.smtp.Count(); n != 2 {
		t.Errorf("%d messages after the 14:30 window, want one per window", n)
	}
	keys := f.digestKeys(t)
	if len(keys) != 2 || !strings.HasSuffix(keys[0], "/20240603T010000Z") || !strings.HasSuffix(keys[1], "/20240603T063000Z") {
		t.Errorf("digest keys %v, want one per window instant", keys)
	}

	// The dispatcher was down through both windows of 4 June: what both planned goes out once,
	// as one message naming the item once.
	f.plan(t, "2024-12-31",
		store.NoticePlan{Kind: "reminder", Offset: 4, Target: "contact", At: morning.AddDate(0, 0, 1)},
		store.NoticePlan{Kind: "reminder", Offset: 3, Target: "contact", At: afternoon.AddDate(0, 0, 1)})
	if res := f.dispatch(t, "run/3", afternoon.AddDate(0, 0, 1).Add(20*time.Minute)); res.Notices != 2 || res.Messages != 1 {
		t.Errorf("both windows of 4 June at once: %+v, want two notices in one message", res)
	}
	if n := f.smtp.Count(); n != 3 {
		t.Fatalf("%d messages in all, want 3", n)
	}
	// a digest of one entry reads as that entry; two entries of the same item would be 您有2项
	for i, m := range f.smtp.Messages() {
		if subject := subjectOf(t, m.Data); !strings.HasPrefix(subject, "【政务公开提醒】部门预算公开") {
			t.Errorf("message %d: subject %q, want the one item once", i+1, subject)
		}
	}
}

func subjectOf(t *testing.T, data []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
