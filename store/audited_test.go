package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// refuseAudit makes PostgreSQL refuse audit entries of one action, as a full disk or a killed
// connection would refuse the second half of a change; it returns the function that lifts it.
// NOT VALID leaves the entries written before alone.
func refuseAudit(t *testing.T, st *store.Store, action string) func() {
	t.Helper()
	ctx := context.Background()
	name := "refuse_" + strings.ReplaceAll(action, ".", "_")
	if _, err := st.Pool.Exec(ctx, fmt.Sprintf(`ALTER TABLE audit_log ADD CONSTRAINT %s CHECK (action <> '%s') NOT VALID`, name, action)); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := st.Pool.Exec(ctx, `ALTER TABLE audit_log DROP CONSTRAINT `+name); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAuditedChangesCommitWithTheirEntry runs each change the web and the CLI audit through
// the store while the database refuses its audit entry, and asserts that the change is not
// there; then, with the entry allowed, that the change and exactly one entry are.
func TestAuditedChangesCommitWithTheirEntry(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	a := store.Audit{Actor: "cli:test"}
	u, err := st.CreateUnit(ctx, "甲局")
	if err != nil {
		t.Fatal(err)
	}
	o1, _ := st.CreateOffice(ctx, u.ID, "办公室", nil)
	o2, _ := st.CreateOffice(ctx, u.ID, "法规科", nil)
	if err := st.AddGroupMembers(ctx, u.ID, "各科室", o1.ID, o2.ID); err != nil {
		t.Fatal(err)
	}
	pid, err := st.AddPerson(ctx, store.Person{Name: "张三", Email: "zs@a.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}
	leaving, _ := st.AddPerson(ctx, store.Person{Name: "李四", Email: "ls@a.gov.cn"})
	if err := st.AttachOfficePerson(ctx, o2.ID, pid, store.RoleHead); err != nil {
		t.Fatal(err)
	}
	robot, err := st.AddRobot(ctx, store.Robot{OfficeID: o1.ID, Kind: "dingtalk", Webhook: "https://oapi.dingtalk.com/robot/send?access_token=old"})
	if err != nil {
		t.Fatal(err)
	}
	item := oneItem(t, st)
	policy := json.RawMessage(`{"reminders":[5,0]}`)
	rule, _ := json.Marshal(map[string]any{"kind": "deadline", "text": "6月底", "due": "2025-06-30"})
	list := store.ListCommit{UnitID: u.ID, Year: 2025, BaseRevision: -1, SourceFile: "清单.csv", SHA256: "x",
		Items: []store.ListItem{{Key: "fedcba9876543210", Seq: 1, Title: "部门预算", Rule: rule,
			Offices: []store.ItemOffice{{ID: o1.ID, Name: o1.Name, Role: "lead"}}}},
		Audit: &store.Audit{Actor: "cli:test", Detail: map[string]any{"file": "清单.csv", "added": 1}}}
	signingIn, signingOut := newUser(t, st, "signin"), newUser(t, st, "signout")
	if err := st.CreateSession(ctx, "out-token", signingOut.ID, time.Now().Add(time.Hour), "", ""); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		action string
		change func() error
		// done counts what the change leaves when it committed: 1, where before it was 0
		done string
		args []any
	}{
		{"unit.create", func() error { _, _, err := st.EnsureUnitAudited(ctx, "乙局", a); return err },
			`SELECT count(*) FROM units WHERE name = $1`, []any{"乙局"}},
		{"office.create", func() error {
			_, err := st.CreateOfficeAudited(ctx, u.ID, "宣传股", []string{"宣传科"}, a)
			return err
		},
			`SELECT count(*) FROM offices WHERE name = $1`, []any{"宣传股"}},
		{"office.update", func() error { _, err := st.AddOfficeAliasesAudited(ctx, o1.ID, []string{"综合科"}, a); return err },
			`SELECT count(*) FROM offices WHERE id = $1 AND '综合科' = ANY(aliases)`, []any{o1.ID}},
		{"group.set", func() error {
			_, err := st.ChangeGroupMembers(ctx, u.ID, "各相关科室", []int64{o2.ID}, false, a)
			return err
		},
			`SELECT count(*) FROM office_groups WHERE unit_id = $1 AND name = '各相关科室'`, []any{u.ID}},
		{"person.attach", func() error {
			_, err := st.AttachRole(ctx, store.Attachment{PersonID: pid, UnitID: u.ID, Role: store.RoleLeader, Level: 1}, a)
			return err
		}, `SELECT count(*) FROM unit_supervisors WHERE person_id = $1`, []any{pid}},
		{"person.detach", func() error {
			return st.DetachRole(ctx, store.Attachment{PersonID: pid, OfficeID: o2.ID, Role: store.RoleHead}, a)
		}, `SELECT 1 - count(*) FROM office_people WHERE person_id = $1 AND office_id = $2`, []any{pid, o2.ID}},
		{"person.delete", func() error { return st.DeletePersonAudited(ctx, leaving, a) },
			`SELECT 1 - count(*) FROM people WHERE id = $1`, []any{leaving}},
		{"roster.import", func() error {
			ra := a
			ra.ObjectID, ra.Detail = "名单.xlsx", map[string]any{"file": "名单.xlsx"}
			_, err := st.ImportRoster(ctx, []store.RosterEntry{{Row: 2, Person: store.Person{Name: "王五", Mobile: "13900139000"},
				OfficeID: o1.ID, Role: store.RoleContact}}, ra)
			return err
		}, `SELECT count(*) FROM people WHERE name = $1`, []any{"王五"}},
		{"robot.add", func() error {
			_, err := st.AddRobotAudited(ctx, store.Robot{OfficeID: o2.ID, Kind: "wecom", Webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, a)
			return err
		}, `SELECT count(*) FROM office_robots WHERE office_id = $1`, []any{o2.ID}},
		{"robot.remove", func() error { _, err := st.DeleteRobotAudited(ctx, 0, robot, a); return err },
			`SELECT 1 - count(*) FROM office_robots WHERE id = $1`, []any{robot}},
		{"item.policy", func() error { _, err := st.SetItemPolicyAudited(ctx, item.ID, policy, a); return err },
			`SELECT count(*) FROM items WHERE id = $1 AND policy IS NOT NULL`, []any{item.ID}},
		{"list.import", func() error { _, err := st.CommitList(ctx, list); return err },
			`SELECT count(*) FROM lists l JOIN items i ON i.list_id = l.id WHERE l.unit_id = $1 AND l.year = 2025 AND l.revision = 1`, []any{u.ID}},
		// the office is created for the group: refused, neither is there
		{"directory.update", func() error {
			_, err := st.FixDirectory(ctx, u.ID, store.DirectoryFix{Create: []string{"档案股"}, Groups: map[string][]string{"各股室": {"档案股"}},
				File: "清单.csv"}, a)
			return err
		}, `SELECT count(*) FROM offices WHERE unit_id = $1 AND (name = '档案股' OR id IN (SELECT office_id FROM office_groups WHERE name = '各股室'))`,
			[]any{u.ID}},
		{"session.login", func() error {
			return st.CreateSessionAudited(ctx, "in-token", signingIn.ID, time.Now().Add(time.Hour), "127.0.0.1", "test",
				store.Audit{UserID: signingIn.ID, Actor: signingIn.Login})
		}, `SELECT count(*) FROM sessions WHERE user_id = $1`, []any{signingIn.ID}},
		{"session.logout", func() error {
			return st.DeleteSessionAudited(ctx, "out-token", signingOut.ID, store.Audit{UserID: signingOut.ID, Actor: signingOut.Login})
		}, `SELECT 1 - count(*) FROM sessions WHERE user_id = $1`, []any{signingOut.ID}},
	} {
		t.Run(c.action, func(t *testing.T) {
			entries := func() int {
				return count(t, st, `SELECT count(*) FROM audit_log WHERE action = $1`, c.action)
			}
			lift := refuseAudit(t, st, c.action)
			if err := c.change(); err == nil {
				t.Fatal("the change succeeded although its audit entry was refused")
			}
			if n := count(t, st, c.done, c.args...); n != 0 {
				t.Fatalf("the change is visible without its audit entry (%s: %d)", c.done, n)
			}
			if n := entries(); n != 0 {
				t.Fatalf("%d entries for a change that did not happen", n)
			}
			lift()
			if err := c.change(); err != nil {
				t.Fatal(err)
			}
			if n := count(t, st, c.done, c.args...); n != 1 {
				t.Fatalf("the change is not there after it succeeded (%s: %d)", c.done, n)
			}
			if n := entries(); n != 1 {
				t.Fatalf("%d entries for one change", n)
			}
		})
	}
	imported := must(st.AuditLog(ctx, store.AuditFilter{ObjectType: "list"}))
	if len(imported) != 1 || detail(t, imported[0]) != `map[added:1 file:清单.csv revision:1]` {
		t.Fatalf("list.import entries %+v, want one with the caller's detail and the revision", imported)
	}
	// the webhook is the robot's credential: the audit has its host only
	if n := count(t, st, `SELECT count(*) FROM audit_log WHERE detail::text LIKE '%key=%' OR detail::text LIKE '%access_token%'`); n != 0 {
		t.Fatalf("%d audit entries hold a webhook", n)
	}
}

// An attachment the person has already, a unit that exists and a group that does not change
// are no change: nothing is audited, so the log does not claim what did not happen.
func TestAuditedNoChangeNoEntry(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	a := store.Audit{Actor: "cli:test"}
	u, _, err := st.EnsureUnitAudited(ctx, "甲局", a)
	if err != nil {
		t.Fatal(err)
	}
	if _, created, err := st.EnsureUnitAudited(ctx, "甲局", a); err != nil || created {
		t.Fatalf("again: created %v, %v", created, err)
	}
	o, _ := st.CreateOffice(ctx, u.ID, "办公室", nil)
	pid, _ := st.AddPerson(ctx, store.Person{Name: "张三", Email: "zs@a.gov.cn"})
	at := store.Attachment{PersonID: pid, OfficeID: o.ID, Role: store.RoleContact}
	for i, want := range []bool{true, false} {
		if changed, err := st.AttachRole(ctx, at, a); err != nil || changed != want {
			t.Fatalf("attach %d: changed %v, %v", i, changed, err)
		}
	}
	sup := store.Attachment{PersonID: pid, UnitID: u.ID, Role: store.RoleLeader, Level: 2}
	for i, step := range []struct {
		role string
		want bool
	}{{store.RoleLeader, true}, {store.RoleLeader, false}, {store.RoleGKB, true}} {
		sup.Role = step.role
		if changed, err := st.AttachRole(ctx, sup, a); err != nil || changed != step.want {
			t.Fatalf("supervisor %d (%s): changed %v, %v", i, step.role, changed, err)
		}
	}
	if err := st.DetachRole(ctx, store.Attachment{PersonID: pid, OfficeID: o.ID, Role: store.RoleHead}, a); err == nil {
		t.Fatal("detached a role the person does not have")
	}
	if _, err := st.DeleteRobotAudited(ctx, o.ID+1, 12345, a); err == nil {
		t.Fatal("deleted a robot that does not exist")
	}
	got := map[string]int{}
	for _, e := range must(st.AuditLog(ctx, store.AuditFilter{})) {
		got[e.Action]++
		if e.Actor != "cli:test" || e.IP != "" {
			t.Errorf("entry %+v", e)
		}
	}
	if want := map[string]int{"unit.create": 1, "person.attach": 3}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestFixDirectory: FixDirectory creates only the offices that are new, adds to groups what
// they lack, audits exactly that, and a group naming an office it does not know undoes the
// offices created before it.
func TestFixDirectory(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	a := store.Audit{Actor: "cli:test"}
	u, _ := st.CreateUnit(ctx, "甲局")
	o, _ := st.CreateOffice(ctx, u.ID, "办公室", []string{"综合科"})

	_, err := st.FixDirectory(ctx, u.ID, store.DirectoryFix{Create: []string{"档案股"},
		Groups: map[string][]string{"各股室": {"档案股", "宣传股"}}}, a)
	var unknown *store.UnknownOfficeError
	if !errors.As(err, &unknown) || unknown.Group != "各股室" || unknown.Office != "宣传股" || !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown office: %v", err)
	}
	if n := count(t, st, `SELECT count(*) FROM offices WHERE name = '档案股'`); n != 0 {
		t.Fatal("the office created for a group that failed is still there")
	}

	fix := store.DirectoryFix{Create: []string{"办公室", " 档案股 "}, Groups: map[string][]string{"各股室": {"综合科", "档案股"}}, File: "清单.csv"}
	got, err := st.FixDirectory(ctx, u.ID, fix, a)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.Created, got.Assigned) != "[档案股] map[各股室:[综合科 档案股]]" {
		t.Fatalf("fixed %+v", got)
	}
	if gs := must(st.Groups(ctx, u.ID)); len(gs) != 1 || gs[0].Name != "各股室" || len(gs[0].OfficeIDs) != 2 || gs[0].OfficeIDs[0] != o.ID {
		t.Fatalf("groups %+v", gs)
	}
	// the same fix again changes nothing
	if got, err = st.FixDirectory(ctx, u.ID, fix, a); err != nil || len(got.Created)+len(got.Assigned) != 0 {
		t.Fatalf("again: %+v, %v", got, err)
	}
	entries := must(st.AuditLog(ctx, store.AuditFilter{}))
	if len(entries) != 1 || entries[0].Action != "directory.update" ||
		detail(t, entries[0]) != `map[created_offices:[档案股] for_file:清单.csv groups:map[各股室:[综合科 档案股]]]` {
		t.Fatalf("entries %+v", entries)
	}
}

// detail is an entry's detail printed with its keys sorted, as jsonb does not keep their order.
func detail(t *testing.T, e store.AuditEntry) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(e.Detail, &m); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(m)
}
