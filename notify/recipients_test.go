package notify_test

import (
	"errors"
	"mime"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

type mimeDecoder = mime.WordDecoder

// seedDirectory makes a unit with three offices (the importer's tables, written directly).
func seedDirectory(t testing.TB, st *store.Store) (unitID int64, offices map[string]int64) {
	t.Helper()
	if err := st.Pool.QueryRow(ctx, `INSERT INTO units (name) VALUES ('某某县财政局') RETURNING id`).Scan(&unitID); err != nil {
		t.Fatal(err)
	}
	offices = map[string]int64{}
	for _, o := range []string{"办公室", "预算股", "国库股"} {
		var id int64
		if err := st.Pool.QueryRow(ctx, `INSERT INTO offices (unit_id, name, aliases) VALUES ($1, $2, $3) RETURNING id`,
			unitID, o, []string{strings.TrimSuffix(o, "股") + "科"}).Scan(&id); err != nil {
			t.Fatal(err)
		}
		offices[o] = id
	}
	return unitID, offices
}

// seedItem adds an item of the unit with a lead and co offices.
func seedItem(t testing.TB, st *store.Store, unitID int64, lead int64, co ...int64) int64 {
	t.Helper()
	var list, item int64
	if err := st.Pool.QueryRow(ctx, `INSERT INTO lists (unit_id, year) VALUES ($1, 2024)
		ON CONFLICT (unit_id, year) DO UPDATE SET title = '' RETURNING id`, unitID).Scan(&list); err != nil {
		t.Fatal(err)
	}
	if err := st.Pool.QueryRow(ctx, `INSERT INTO items (list_id, key, seq, title, rule, workflow_id)
		VALUES ($1, substr(md5(random()::text), 1, 16), 1, '部门预算公开', '{"kind":"deadline","due":"2024-06-28"}', md5(random()::text)) RETURNING id`,
		list).Scan(&item); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `INSERT INTO item_offices (item_id, office_id, role) VALUES ($1, $2, 'lead')`, item, lead); err != nil {
		t.Fatal(err)
	}
	for _, o := range co {
		if _, err := st.Pool.Exec(ctx, `INSERT INTO item_offices (item_id, office_id, role) VALUES ($1, $2, 'co')`, item, o); err != nil {
			t.Fatal(err)
		}
	}
	return item
}

func keys(rs []store.Recipient) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Name)
	}
	return strings.Join(s, ",")
}

func TestRecipientsFor(t *testing.T) {
	st := testenv.Store(t)
	unit, off := seedDirectory(t, st)
	// co office 国库股 sorts before lead office 预算股 by name: the lead must still come first
	item := seedItem(t, st, unit, off["预算股"], off["国库股"])
	person := func(name, email string) int64 {
		id, err := st.AddPerson(ctx, store.Person{Name: name, Email: email})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	zhao, qian, sun, li, zhou, wu := person("赵", "zhao@x.cn"), person("钱", "qian@x.cn"), person("孙", "sun@x.cn"),
		person("李", "li@x.cn"), person("周", "zhou@x.cn"), person("吴", "wu@x.cn")
	attach := func(office, p int64, role string) {
		if err := st.AttachOfficePerson(ctx, office, p, role); err != nil {
			t.Fatal(err)
		}
	}
	attach(off["预算股"], zhao, store.RoleContact)
	attach(off["国库股"], qian, store.RoleContact)
	attach(off["国库股"], zhao, store.RoleContact) // reached twice: listed once
	attach(off["办公室"], sun, store.RoleContact)  // not this item's office
	attach(off["预算股"], li, store.RoleHead)
	attach(off["国库股"], zhou, store.RoleHead)
	attach(off["预算股"], zhao, store.RoleContact) // attaching again is a no-op
	if _, err := st.AddRobot(ctx, store.Robot{OfficeID: off["国库股"], Kind: "dingtalk", Webhook: "https://oapi.dingtalk.com/robot/send?access_token=t", Secret: "SEC1"}); err != nil {
		t.Fatal(err)
	}
	if err := st.AttachSupervisor(ctx, unit, wu, 1, store.RoleLeader); err != nil {
		t.Fatal(err)
	}
	if err := st.AttachSupervisor(ctx, unit, sun, 3, store.RoleGKB); err != nil {
		t.Fatal(err)
	}

	got, err := st.RecipientsFor(ctx, item, store.TargetContact, 0)
	if err != nil {
		t.Fatal(err)
	}
	if keys(got) != "赵,钱,国库股工作群" || got[2].Kind != "robot" || got[2].Secret != "SEC1" || got[2].Channels[0] != "dingtalk" {
		t.Errorf("contacts %s %+v", keys(got), got)
	}
	if got, err := st.RecipientsFor(ctx, item, store.TargetHead, 0); err != nil || keys(got) != "李,周" {
		t.Errorf("heads %s %v", keys(got), err)
	}
	for level, want := range map[int]string{1: "吴", 2: "吴", 3: "孙", 5: "孙"} {
		got, err := st.RecipientsFor(ctx, item, store.TargetSupervisor, level)
		if err != nil || keys(got) != want {
			t.Errorf("supervisors at level %d: %s %v, want %s", level, keys(got), err, want)
		}
	}
	// deactivated people drop out; nobody left is an error, not silence
	qp, _ := st.Person(ctx, qian)
	qp.Active = false
	if err := st.UpdatePerson(ctx, qp); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.RecipientsFor(ctx, item, store.TargetContact, 0); keys(got) != "赵,国库股工作群" {
		t.Errorf("after deactivation %s", keys(got))
	}
	other := seedItem(t, st, unit, off["办公室"])
	if err := st.DetachOfficePerson(ctx, off["办公室"], sun, store.RoleContact); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecipientsFor(ctx, other, store.TargetContact, 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no contact: %v, want ErrNotFound", err)
	}
	if _, err := st.RecipientsFor(ctx, item, "mayor", 0); err == nil {
		t.Error("unknown target accepted")
	}
	// many items at once (a peak window): the same lists in the same order, nobody is absence
	third := seedItem(t, st, unit, off["国库股"])
	for _, target := range []string{store.TargetContact, store.TargetHead} {
		batch, err := st.RecipientsForItems(ctx, []int64{item, other, third, item}, target)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{item, other, third} {
			one, err := st.RecipientsFor(ctx, id, target, 0)
			got, ok := batch[id]
			if errors.Is(err, store.ErrNotFound) != !ok || keys(got) != keys(one) || len(got) != len(one) {
				t.Errorf("%s of item %d: batch %s (present %v), one by one %s (%v)", target, id, keys(got), ok, keys(one), err)
			}
		}
	}

	r, err := st.Recipient(ctx, store.PersonKey(zhao))
	if err != nil || r.Email != "zhao@x.cn" || r.Channels[0] != "email" {
		t.Errorf("recipient %+v %v", r, err)
	}
	if _, err := st.Recipient(ctx, "person:99999"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing recipient: %v", err)
	}

	people, err := st.People(ctx, store.PeopleFilter{UnitID: unit})
	if err != nil {
		t.Fatal(err)
	}
	var z store.Person
	for _, p := range people {
		if p.ID == zhao {
			z = p
		}
	}
	if len(z.Offices) != 2 || z.Offices[0].Unit != "某某县财政局" {
		t.Errorf("zhao's offices %+v", z.Offices)
	}
	if o, err := st.FindOffice(ctx, unit, "预算科"); err != nil || o.ID != off["预算股"] {
		t.Errorf("office by alias: %+v %v", o, err)
	}
}

func TestUpsertPerson(t *testing.T) {
	st := testenv.Store(t)
	id, created, err := st.UpsertPerson(ctx, store.Person{Name: "张三", Email: "ZhangSan@x.cn"})
	if err != nil || !created {
		t.Fatal(err)
	}
	id2, created, err := st.UpsertPerson(ctx, store.Person{Name: "张三", Email: "zhangsan@x.cn", Mobile: "138 0013 8000"})
	if err != nil || created || id2 != id {
		t.Fatalf("update by email: %d %v %v", id2, created, err)
	}
	p, _ := st.Person(ctx, id)
	if p.Mobile != "13800138000" {
		t.Errorf("mobile %q", p.Mobile)
	}
	if _, err := st.AddPerson(ctx, store.Person{Name: "李四", Email: "zhangsan@X.cn"}); !errors.Is(err, store.ErrDuplicatePerson) {
		t.Errorf("duplicate email: %v", err)
	}
	other, _, _ := st.UpsertPerson(ctx, store.Person{Name: "王五", Mobile: "13900139000"})
	if _, _, err := st.UpsertPerson(ctx, store.Person{Name: "混合", Email: "zhangsan@x.cn", Mobile: "13900139000"}); !errors.Is(err, store.ErrDuplicatePerson) {
		t.Errorf("email of one, mobile of another (%d): %v", other, err)
	}
	if _, err := st.AddPerson(ctx, store.Person{Name: "无地址"}); err == nil {
		t.Error("person without an address accepted")
	}
	if _, err := st.AddPerson(ctx, store.Person{Name: "x", Email: "x@x.cn", Channels: []string{"fax"}}); err == nil {
		t.Error("channel fax accepted")
	}
}

func TestOfficeRecipients(t *testing.T) {
	st := testenv.Store(t)
	_, off := seedDirectory(t, st)
	id, err := st.AddPerson(ctx, store.Person{Name: "赵", Email: "zhao@x.cn"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AttachOfficePerson(ctx, off["办公室"], id, store.RoleContact); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddRobot(ctx, store.Robot{OfficeID: off["办公室"], Kind: "wecom", Name: "办公室群", Webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}); err != nil {
		t.Fatal(err)
	}
	got, err := st.OfficeRecipients(ctx, off["办公室"], store.TargetContact)
	if err != nil || keys(got) != "赵,办公室群" {
		t.Errorf("contacts of an office: %s %v", keys(got), err)
	}
	if _, err := st.OfficeRecipients(ctx, off["办公室"], store.TargetHead); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no head: %v", err)
	}
	if _, err := st.OfficeRecipients(ctx, off["预算股"], store.TargetContact); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another office's robot leaked in: %v", err)
	}
}
