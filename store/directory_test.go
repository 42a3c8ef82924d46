package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestUpdateOfficeAndGroups(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	a := store.Audit{Actor: "test"}
	u, _ := st.CreateUnit(ctx, "甲局")
	v, _ := st.CreateUnit(ctx, "乙局")
	o1, _ := st.CreateOffice(ctx, u.ID, "办公室", []string{"辦公室"})
	o2, _ := st.CreateOffice(ctx, u.ID, "法规科", nil)
	ov, _ := st.CreateOffice(ctx, v.ID, "财务科", nil)

	// Another office's name or alias in the same unit is taken; another unit's is not.
	if _, _, err := st.UpdateOffice(ctx, o2.ID, "法规科", []string{"辦公室"}, a); !errors.Is(err, store.ErrExists) {
		t.Fatalf("alias of another office: %v", err)
	}
	before, after, err := st.UpdateOffice(ctx, o2.ID, "法制科", []string{"法规科", "财务科", "法制科", " "}, a)
	if err != nil || before.Name != "法规科" || after.Name != "法制科" || !slices.Equal(after.Aliases, []string{"法规科", "财务科"}) {
		t.Fatalf("rename: %+v → %+v, %v", before, after, err)
	}
	if _, _, err := st.UpdateOffice(ctx, 999999, "x", nil, a); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown office: %v", err)
	}

	// Group members are replaced as a whole, or not at all.
	if _, err := st.SetGroupMembers(ctx, u.ID, "各相关科室", []int64{o1.ID, o2.ID}, a); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetGroupMembers(ctx, u.ID, "各相关科室", []int64{o1.ID, ov.ID}, a); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another unit's office: %v", err)
	}
	gs, _ := st.Groups(ctx, u.ID)
	if len(gs) != 1 || !slices.Equal(gs[0].OfficeIDs, []int64{o1.ID, o2.ID}) {
		t.Fatalf("groups after a refused change: %+v", gs)
	}
	prev, err := st.SetGroupMembers(ctx, u.ID, "各相关科室", nil, a)
	if err != nil || len(prev) != 2 {
		t.Fatalf("clearing: %v %v", prev, err)
	}
	if gs, _ := st.Groups(ctx, u.ID); len(gs) != 0 {
		t.Fatalf("a cleared group remains: %+v", gs)
	}
	log, _ := st.AuditLog(ctx, store.AuditFilter{})
	if len(log) != 3 || log[0].Action != "group.set" || log[2].Action != "office.update" {
		t.Fatalf("audit: only the changes that happened, got %+v", log)
	}
}

// TestPlanRosterMatchesImport checks the preview against the import it predicts, on the same
// entries: the counts agree, and the plan itself wrote nothing.
func TestPlanRosterMatchesImport(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	u, _ := st.CreateUnit(ctx, "甲局")
	o, _ := st.CreateOffice(ctx, u.ID, "办公室", nil)
	old, err := st.AddPerson(ctx, store.Person{Name: "张三", Mobile: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	entries := []store.RosterEntry{
		{Row: 2, Person: store.Person{Name: "张三", Email: "zs@a.gov.cn", Mobile: "13800138000"}, OfficeID: o.ID, Role: store.RoleContact},
		{Row: 3, Person: store.Person{Name: "张三", Email: "zs@a.gov.cn"}, OfficeID: o.ID, Role: store.RoleHead},
		{Row: 4, Person: store.Person{Name: "李四", Email: "ls@a.gov.cn"}, UnitID: u.ID, Level: 3, SupRole: store.RoleLeader},
		{Row: 5, Person: store.Person{Name: "李四", Email: "ls@a.gov.cn"}, UnitID: u.ID, Level: 3, SupRole: store.RoleGKB},
	}
	plan, err := st.PlanRoster(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := st.Person(ctx, old); p.Email != "" || len(p.Offices) != 0 {
		t.Fatalf("the plan wrote: %+v", p)
	}
	if ps, _ := st.People(ctx, store.PeopleFilter{}); len(ps) != 1 {
		t.Fatalf("the plan created people: %+v", ps)
	}
	acts := []string{}
	for _, c := range plan.Changes {
		acts = append(acts, c.Action+"/"+c.RoleIs)
	}
	if !slices.Equal(acts, []string{"update/new", "again/new", "create/new", "again/changed"}) || plan.New != 1 || plan.Updated != 1 || plan.NewRoles != 4 {
		t.Fatalf("plan %v %+v", acts, plan)
	}
	res, err := st.ImportRoster(ctx, entries, store.Audit{Actor: "test", ObjectID: "roster.xlsx"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != plan.New || res.Attached != plan.NewRoles+plan.KeptRoles {
		t.Fatalf("import %+v, plan %+v", res, plan)
	}
	ls, _ := st.PersonByAddress(ctx, "ls@a.gov.cn")
	if len(ls.Units) != 1 || ls.Units[0].Role != store.RoleGKB {
		t.Fatalf("the later row's role: %+v", ls.Units)
	}
	// A row that claims two people is an error naming the row, and the plan writes nothing.
	_, err = st.PlanRoster(ctx, []store.RosterEntry{{Row: 7, Person: store.Person{Name: "混淆", Email: "ls@a.gov.cn", Mobile: "13800138000"}}})
	if !errors.Is(err, store.ErrDuplicatePerson) {
		t.Fatalf("clash: %v", err)
	}
}
