package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

type appFixture struct {
	st      *store.Store
	unit    store.Unit
	office  store.Office
	contact int64
	leader  int64
}

func newAppFixture(t *testing.T) appFixture {
	t.Helper()
	ctx := context.Background()
	st := testenv.Store(t)
	u, err := st.CreateUnit(ctx, "测试局")
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.CreateOffice(ctx, u.ID, "政策法规科", nil)
	if err != nil {
		t.Fatal(err)
	}
	f := appFixture{st: st, unit: u, office: o}
	if f.contact, err = st.AddPerson(ctx, store.Person{Name: "张联络", Email: "zhang@example.gov.cn", Channels: []string{"email"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.AttachOfficePerson(ctx, o.ID, f.contact, "contact"); err != nil {
		t.Fatal(err)
	}
	if f.leader, err = st.AddPerson(ctx, store.Person{Name: "王主任", Email: "wang@example.gov.cn", Channels: []string{"email"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.AttachSupervisor(ctx, u.ID, f.leader, 1, "gkb"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f appFixture) create(t *testing.T, received calendar.Date, due calendar.Date) int64 {
	t.Helper()
	id, err := f.st.CreateApplication(context.Background(), store.ApplicationNew{
		UnitID: f.unit.ID, OfficeID: f.office.ID, ApplicantType: "person", ApplicantName: "李申请",
		ApplicantContact: "13800000000", Channel: "in_person", HandedIn: received, Received: received,
		Content: "申请公开2026年某项目的环评批复", Due: due, CreatedBy: "admin",
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// The projection an application workflow writes: a stale write loses, the events are the case
// file, the register lists overdue first, and its notices go into the dispatcher's table, are
// claimed with the items' and resolve to the handling office and the unit's supervisors.
func TestApplicationRegister(t *testing.T) {
	ctx := context.Background()
	f := newAppFixture(t)
	st := f.st
	late := f.create(t, calendar.D(2026, 9, 1), calendar.D(2026, 9, 29))
	soon := f.create(t, calendar.D(2026, 11, 20), calendar.D(2026, 12, 18))
	if _, err := st.CreateApplication(ctx, store.ApplicationNew{UnitID: f.unit.ID, OfficeID: f.office.ID + 999,
		ApplicantType: "person", ApplicantName: "x", Channel: "fax", Received: calendar.D(2026, 1, 5), Content: "x"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an office of no unit: %v, want not found", err)
	}

	wf := "application-" + itoa(soon)
	due := calendar.D(2026, 12, 18)
	sync := store.ApplicationSync{ApplicationID: soon, WorkflowID: wf, Seq: 2,
		State:  store.ApplicationState{State: "open", ClockStart: calendar.D(2026, 11, 20), Due: due},
		Events: []store.EventRow{{Seq: 1, Kind: "registered", At: time.Now(), Actor: "admin"}, {Seq: 2, Kind: "extended", At: time.Now(), Actor: "admin", Detail: map[string]any{"days": 5}}},
		Plan: &store.CyclePlan{CycleKey: "reply", Due: due.End(), Replace: true, Notices: []store.NoticePlan{
			{Kind: "reminder", Offset: 5, Target: "contact", At: calendar.D(2026, 12, 11).At(9, 0)},
			{Kind: "escalation", Level: 3, Target: "supervisor", At: calendar.D(2026, 12, 25).At(9, 0)},
		}}}
	if _, err := st.SyncApplication(ctx, sync); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SyncApplication(ctx, sync); err != nil {
		t.Fatalf("retried sync: %v", err)
	}
	stale := sync
	stale.Seq, stale.State.State, stale.Events, stale.Plan = 1, "withdrawn", nil, nil
	if _, err := st.SyncApplication(ctx, stale); err != nil {
		t.Fatal(err)
	}
	a, err := st.Application(ctx, soon)
	if err != nil {
		t.Fatal(err)
	}
	if a.State != "open" || a.Due != due || a.Office != f.office.Name || a.Unit != f.unit.Name {
		t.Errorf("after a stale write: %+v", a.ApplicationState)
	}
	evs, err := st.ApplicationEvents(ctx, soon)
	if err != nil || len(evs) != 2 || evs[1].Kind != "extended" || evs[1].Detail["days"] != float64(5) {
		t.Errorf("case file %+v, %v", evs, err)
	}
	if seq, err := st.ApplicationSeq(ctx, soon); err != nil || seq != 2 {
		t.Errorf("seq %d, %v", seq, err)
	}

	list, err := st.Applications(ctx, store.ApplicationFilter{Today: calendar.D(2026, 12, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != late {
		t.Errorf("register order %v, want the overdue %d first", ids(list), late)
	}
	over, err := st.Applications(ctx, store.ApplicationFilter{Today: calendar.D(2026, 12, 1), Overdue: true})
	if err != nil || len(over) != 1 || over[0].ID != late {
		t.Errorf("overdue filter %v, %v", ids(over), err)
	}
	year, err := st.ApplicationsOfYear(ctx, f.unit.ID, 2027)
	if err != nil || len(year) != 2 {
		t.Errorf("2027 report rows %v, %v: both are still open and carried over", ids(year), err)
	}

	// claimed with everything else in the window; the item query does not see them
	n, err := st.ClaimNotices(ctx, "d1", calendar.D(2026, 12, 11).At(9, 0))
	if err != nil || n != 1 {
		t.Fatalf("claimed %d, %v", n, err)
	}
	items, err := st.ClaimedNotices(ctx, "d1")
	if err != nil || len(items) != 0 {
		t.Errorf("item notices %v, %v", items, err)
	}
	apps, err := st.ClaimedApplicationNotices(ctx, "d1")
	if err != nil || len(apps) != 1 {
		t.Fatalf("application notices %v, %v", apps, err)
	}
	if got := apps[0]; got.ApplicationID != soon || got.Kind != "reminder" || !got.CycleDue.Equal(due.End()) || got.ItemPaused || !got.ItemActive {
		t.Errorf("notice %+v", got)
	}
	rs, err := st.ApplicationRecipients(ctx, soon, store.TargetContact, 0)
	if err != nil || len(rs) != 1 || rs[0].ID != f.contact {
		t.Errorf("contacts %+v, %v", rs, err)
	}
	rs, err = st.ApplicationRecipients(ctx, soon, store.TargetSupervisor, 3)
	if err != nil || len(rs) != 1 || rs[0].ID != f.leader {
		t.Errorf("supervisors at level 3 (falling back to 1) %+v, %v", rs, err)
	}
	if _, err := st.ApplicationRecipients(ctx, soon, store.TargetHead, 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no head: %v, want not found", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ids(as []store.Application) []int64 {
	var out []int64
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}
