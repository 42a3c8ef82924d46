package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// The unit page names the offices whose reminders reach no contact person: none listed, or
// only ones deactivated or without the address of the channels they take. Each comes with the
// active items it holds and the way to add a contact; a group robot or a head does not count.
func TestUnitPageNamesOfficesWithoutContact(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")
	page := fmt.Sprintf("/admin/units/%d", f.unitA)
	untold := func() map[string]store.UntoldOffice {
		t.Helper()
		resp, body := admin.json("GET", fmt.Sprintf("/api/units/%d", f.unitA), nil)
		wantStatus(t, resp, body, http.StatusOK)
		var d struct {
			Untold []store.UntoldOffice `json:"untold_offices"`
		}
		if err := json.Unmarshal([]byte(body), &d); err != nil {
			t.Fatal(err)
		}
		out := map[string]store.UntoldOffice{}
		for _, o := range d.Untold {
			out[o.Name] = o
		}
		return out
	}

	// the fixture has no people at all: both offices of 甲局, with their items, and no other unit's
	got := untold()
	if len(got) != 2 || got["办公室"].Items != 3 || got["法规科"].Items != 2 {
		t.Fatalf("untold offices of a unit without people: %+v", got)
	}
	resp, body := admin.get(page)
	wantStatus(t, resp, body, http.StatusOK)
	text := pageText(body)
	for _, want := range []string{"2 个科室没有能收到提醒的联系人", "办公室：3 项跟踪中的事项", "法规科：2 项跟踪中的事项"} {
		if !strings.Contains(strings.Join(strings.Fields(text), ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("the unit page lacks %q: %s", want, text)
		}
	}
	for _, o := range []int64{f.officeA1, f.officeA2} {
		if !strings.Contains(body, fmt.Sprintf(`href="/admin/offices/%d#attach" class="add-contact"`, o)) {
			t.Errorf("no link to add a contact to office %d", o)
		}
	}
	if strings.Contains(body, "综合科") {
		t.Error("the unit page names an office of another unit")
	}

	person := func(name, email, mobile, channels string, active bool) int64 {
		t.Helper()
		var id int64
		if err := f.st.Pool.QueryRow(ctx, `INSERT INTO people (name, email, mobile, channels, active) VALUES ($1, $2, $3, $4::text[], $5) RETURNING id`,
			name, email, mobile, channels, active).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	attach := func(office, p int64, role string) {
		t.Helper()
		if err := f.st.AttachOfficePerson(ctx, office, p, role); err != nil {
			t.Fatal(err)
		}
	}
	// 办公室 gets a contact who can receive: it is no longer named
	attach(f.officeA1, person("王联络", "wang@example.gov.cn", "", "{email}", true), store.RoleContact)
	// 法规科 gets contacts who cannot (SMS only but no mobile; deactivated), a head and a robot
	li := person("李联络", "", "13800138001", "{email}", true)
	attach(f.officeA2, li, store.RoleContact)
	attach(f.officeA2, person("张停用", "zhang@example.gov.cn", "", "{email}", false), store.RoleContact)
	attach(f.officeA2, person("赵科长", "zhao@example.gov.cn", "", "{email}", true), store.RoleHead)
	if _, err := f.st.Pool.Exec(ctx, `INSERT INTO office_robots (office_id, kind, name, webhook) VALUES ($1, 'dingtalk', '法规科群', 'https://oapi.dingtalk.com/robot/send?access_token=x')`, f.officeA2); err != nil {
		t.Fatal(err)
	}
	got = untold()
	if _, ok := got["办公室"]; ok || len(got) != 1 || got["法规科"] != (store.UntoldOffice{ID: f.officeA2, Name: "法规科", Items: 2, Contacts: 2, Robots: 1}) {
		t.Fatalf("untold offices after adding contacts: %+v", got)
	}
	resp, body = admin.get(page)
	wantStatus(t, resp, body, http.StatusOK)
	text = strings.Join(strings.Fields(pageText(body)), "")
	if !strings.Contains(text, "1个科室没有能收到提醒的联系人") || !strings.Contains(text, "2名联系人无法接收") ||
		!strings.Contains(text, "只有工作群机器人接收") || strings.Contains(text, "办公室：3") {
		t.Errorf("the unit page after adding contacts: %s", text)
	}

	// 李 takes SMS: 法规科 can be told, and the page names no office
	if _, err := f.st.Pool.Exec(ctx, `UPDATE people SET channels = '{sms}' WHERE id = $1`, li); err != nil {
		t.Fatal(err)
	}
	if got = untold(); len(got) != 0 {
		t.Fatalf("untold offices when every office has a contact who can receive: %+v", got)
	}
	resp, body = admin.get(page)
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, `id="untold-offices"`) {
		t.Error("the unit page still warns when every office has a contact who can receive")
	}
}
