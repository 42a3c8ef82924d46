package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// decode reads a JSON answer into v.
func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, body)
	}
}

// audits returns the audit entries of an action, newest first.
func audits(t *testing.T, st *store.Store, action string) []store.AuditEntry {
	t.Helper()
	all, err := st.AuditLog(context.Background(), store.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(all, func(e store.AuditEntry) bool { return e.Action != action })
}

func flashOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == flashCookie {
			return unescapeFlash(c.Value)
		}
	}
	return ""
}

func TestUnitsAndOffices(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")

	// A new unit, through the page: it leads to the unit's page.
	resp, body := admin.post("/admin/units", url.Values{"name": {" 丙局 "}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	u, err := f.st.UnitByName(ctx, "丙局")
	if err != nil {
		t.Fatal(err)
	}
	if loc := resp.Header.Get("Location"); loc != fmt.Sprintf("/admin/units/%d", u.ID) || !strings.Contains(flashOf(t, resp), "已新建单位“丙局”") {
		t.Fatalf("after creating a unit: %q, flash %q", loc, flashOf(t, resp))
	}
	if e := audits(t, f.st, "unit.create"); len(e) != 1 || e[0].ObjectID != fmt.Sprint(u.ID) || e[0].Actor != "root" {
		t.Fatalf("audit of unit.create: %+v", e)
	}
	// Taken and empty names: the directory page again, with the message and what was typed.
	resp, body = admin.post("/admin/units", url.Values{"name": {"丙局"}})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "单位“丙局”已存在。") || !strings.Contains(body, `id="directory-offices"`) || !strings.Contains(body, `value="丙局"`) {
		t.Fatalf("taken unit name: %s", body)
	}
	resp, body = admin.post("/admin/units", url.Values{"name": {"  "}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "请填写单位名称。") {
		t.Fatalf("empty unit name: %s", body)
	}
	resp, body = admin.json("POST", "/api/units", map[string]any{"name": "丁局"})
	wantStatus(t, resp, body, http.StatusCreated)
	resp, body = admin.json("POST", "/api/units", map[string]any{"name": "丁局"})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, `"error":"单位“丁局”已存在。"`) {
		t.Fatalf("API taken name: %s", body)
	}

	// Offices with aliases; a name that is another office's alias is refused, naming it.
	resp, body = admin.post(fmt.Sprintf("/admin/units/%d/offices", f.unitA), url.Values{"name": {"财务室"}, "aliases": {"财务科、財務室，财务室"},
		"back": {fmt.Sprintf("/admin/units/%d", f.unitA)}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	o, err := f.st.FindOffice(ctx, f.unitA, "財務室")
	if err != nil || o.Name != "财务室" || strings.Join(o.Aliases, ",") != "财务科,財務室" {
		t.Fatalf("new office %+v, %v", o, err)
	}
	resp, body = admin.post(fmt.Sprintf("/admin/units/%d/offices", f.unitA), url.Values{"name": {"辦公室"}, "back": {fmt.Sprintf("/admin/units/%d", f.unitA)}})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "“辦公室”已是本单位科室“办公室”的别名") || !strings.Contains(body, `id="unit-ladder"`) || !strings.Contains(body, `value="辦公室"`) {
		t.Fatalf("alias taken: %s", body)
	}
	// The same name in another unit is fine.
	resp, body = admin.json("POST", fmt.Sprintf("/api/units/%d/offices", f.unitB), map[string]any{"name": "办公室", "aliases": []string{"办"}})
	wantStatus(t, resp, body, http.StatusCreated)
	resp, body = admin.json("POST", fmt.Sprintf("/api/units/%d/offices", f.unitA), map[string]any{"name": "法规科"})
	wantStatus(t, resp, body, http.StatusConflict)
	resp, body = admin.json("POST", "/api/units/999999/offices", map[string]any{"name": "某科"})
	wantStatus(t, resp, body, http.StatusNotFound)
	if e := audits(t, f.st, "office.create"); len(e) != 2 {
		t.Fatalf("audit of office.create: %+v", e)
	}

	// Rename: the old name stays as an alias unless the admin says otherwise.
	resp, body = admin.post(fmt.Sprintf("/admin/offices/%d", f.officeA2), url.Values{"name": {"法制科"}, "aliases": {""}, "keep_old_name": {"1"},
		"back": {fmt.Sprintf("/admin/offices/%d", f.officeA2)}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if !strings.Contains(flashOf(t, resp), "科室“法规科”已改名为“法制科”") {
		t.Fatalf("rename flash %q", flashOf(t, resp))
	}
	o, err = f.st.FindOffice(ctx, f.unitA, "法规科")
	if err != nil || o.ID != f.officeA2 || o.Name != "法制科" {
		t.Fatalf("renamed office found by its old name: %+v, %v", o, err)
	}
	resp, body = admin.json("PUT", fmt.Sprintf("/api/offices/%d", f.officeA1), map[string]any{"name": "办公室", "aliases": []string{"综合办"}})
	wantStatus(t, resp, body, http.StatusOK)
	if o, _ := f.st.OfficeByID(ctx, f.officeA1); strings.Join(o.Aliases, ",") != "综合办" {
		t.Fatalf("aliases replaced: %+v", o)
	}
	resp, body = admin.json("PUT", fmt.Sprintf("/api/offices/%d", f.officeA1), map[string]any{"name": "财务科"})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "“财务科”已是本单位科室“财务室”的别名") {
		t.Fatalf("rename onto an alias: %s", body)
	}
	resp, body = admin.json("PUT", fmt.Sprintf("/api/offices/%d", f.officeA1), map[string]any{"name": "办公室", "nickname": "x"})
	wantStatus(t, resp, body, http.StatusBadRequest)
	e := audits(t, f.st, "office.update")
	if len(e) != 2 || !strings.Contains(string(e[1].Detail), `"before": {"name": "法规科"`) && !strings.Contains(string(e[1].Detail), `"before":{"name":"法规科"`) {
		t.Fatalf("audit of office.update: %+v", e)
	}

	// The unit page as JSON: offices with their people counts, and the escalation ladder.
	resp, body = admin.get(fmt.Sprintf("/api/units/%d", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	var ud struct {
		Offices []struct {
			Name     string `json:"name"`
			Contacts int    `json:"contacts"`
		} `json:"offices"`
		Ladder []struct {
			Level  int    `json:"level"`
			Target string `json:"target"`
			Nobody bool   `json:"nobody"`
		} `json:"ladder"`
	}
	decode(t, body, &ud)
	if len(ud.Offices) != 3 || len(ud.Ladder) != 3 || ud.Ladder[2].Target != "supervisor" || !ud.Ladder[2].Nobody {
		t.Fatalf("unit JSON: %s", body)
	}
}

func TestGroups(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")
	// The list names 各股室 on an item: the unit page shows the group as not yet set.
	if _, err := f.st.Pool.Exec(ctx, `UPDATE items SET groups = '{各股室,谁承办谁更新}' WHERE id = $1`, f.itemA2); err != nil {
		t.Fatal(err)
	}
	resp, body := admin.get(fmt.Sprintf("/admin/units/%d", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "各股室 <span class=\"tag warn\">未设置</span>") || strings.Contains(body, "谁承办谁更新") {
		t.Fatalf("group used by a list: %s", body)
	}

	path := fmt.Sprintf("/api/units/%d/groups", f.unitA)
	resp, body = admin.json("PUT", path, map[string]any{"name": "各股室", "offices": []int64{f.officeA1, f.officeA2, f.officeA1}})
	wantStatus(t, resp, body, http.StatusOK)
	members := func() []int64 {
		gs, err := f.st.Groups(ctx, f.unitA)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if g.Name == "各股室" {
				return g.OfficeIDs
			}
		}
		return nil
	}
	if m := members(); len(m) != 2 {
		t.Fatalf("members %v", m)
	}
	// The page's checkboxes replace the members.
	resp, body = admin.post(fmt.Sprintf("/admin/units/%d/groups", f.unitA), url.Values{"name": {"各股室"}, "offices": {fmt.Sprint(f.officeA2)}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if m := members(); !slices.Equal(m, []int64{f.officeA2}) {
		t.Fatalf("members after the page: %v", m)
	}
	if !strings.Contains(flashOf(t, resp), "已导入事项的责任科室不变") {
		t.Fatalf("flash %q", flashOf(t, resp))
	}
	// Another unit's office is refused and changes nothing.
	resp, body = admin.json("PUT", path, map[string]any{"name": "各股室", "offices": []int64{f.officeB}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if m := members(); !slices.Equal(m, []int64{f.officeA2}) {
		t.Fatalf("members after a refused change: %v", m)
	}
	resp, body = admin.post(fmt.Sprintf("/admin/units/%d/groups", f.unitA), url.Values{"name": {"各股室"}, "offices": {"x"}, "back": {fmt.Sprintf("/admin/units/%d", f.unitA)}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "科室编号无效：x") {
		t.Fatalf("bad office id: %s", body)
	}
	// None: the group is forgotten.
	resp, body = admin.json("PUT", path, map[string]any{"name": "各股室", "offices": []int64{}})
	wantStatus(t, resp, body, http.StatusOK)
	if m := members(); m != nil {
		t.Fatalf("members after clearing: %v", m)
	}
	if e := audits(t, f.st, "group.set"); len(e) != 3 {
		t.Fatalf("audit of group.set: %+v", e)
	}
}

func TestPeople(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")
	officePage := fmt.Sprintf("/admin/offices/%d", f.officeA1)

	// A contact made on the office page, with a mobile as people type it and SMS first.
	resp, body := admin.post("/admin/people", url.Values{"name": {"张三"}, "email": {"zs@a.gov.cn"}, "mobile": {"138 0013-8000"},
		"channel1": {"sms"}, "channel2": {"email"}, "office_id": {fmt.Sprint(f.officeA1)}, "role": {"contact"}, "back": {officePage}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if resp.Header.Get("Location") != officePage || !strings.Contains(flashOf(t, resp), "已添加张三为甲局 办公室的联系人，下一次提醒起生效。") {
		t.Fatalf("after adding: %q %q", resp.Header.Get("Location"), flashOf(t, resp))
	}
	zs, err := f.st.PersonByAddress(ctx, "13800138000")
	if err != nil || strings.Join(zs.Channels, ",") != "sms,email" || len(zs.Offices) != 1 || zs.Offices[0].Role != store.RoleContact {
		t.Fatalf("new person %+v, %v", zs, err)
	}
	// The dispatcher finds them as the office's contact: nothing else to do.
	if rs, err := f.st.OfficeRecipients(ctx, f.officeA1, store.TargetContact); err != nil || len(rs) != 1 || rs[0].ID != zs.ID {
		t.Fatalf("recipients of the office: %+v, %v", rs, err)
	}
	if e := audits(t, f.st, "person.create"); len(e) != 1 || !strings.Contains(string(e[0].Detail), "office_id") {
		t.Fatalf("audit of person.create: %+v", e)
	}

	// Refused input: the same page, the message, what was typed.
	for _, c := range []struct {
		form   url.Values
		status int
		msg    string
	}{
		{url.Values{"name": {"李四"}, "email": {"ls@"}}, 400, "邮箱“ls@”格式不正确，应如 zhangsan@example.gov.cn。"},
		{url.Values{"name": {"李四"}, "email": {"ls@localhost"}}, 400, "邮箱“ls@localhost”格式不正确"},
		{url.Values{"name": {"李四"}, "mobile": {"12345"}}, 400, "手机号“12345”格式不正确：应为 11 位手机号"},
		{url.Values{"name": {"李四"}, "mobile": {"1380013800"}}, 400, "手机号“1380013800”格式不正确"},
		{url.Values{"name": {"李四"}}, 400, "邮箱和手机号至少填写一项"},
		{url.Values{"name": {""}, "email": {"ls@a.gov.cn"}}, 400, "请填写姓名。"},
		{url.Values{"name": {"李四"}, "email": {"ls@a.gov.cn"}, "channel1": {"sms"}}, 400, "接收方式包括短信，但没有填写手机号。"},
		{url.Values{"name": {"李四"}, "email": {"ls@a.gov.cn"}, "channel1": {"email"}, "channel2": {"email"}}, 400, "接收方式“邮件”选了两次。"},
		{url.Values{"name": {"李四"}, "email": {"ZS@a.gov.cn"}}, 409, "“ZS@a.gov.cn”已是联系人张三"},
		{url.Values{"name": {"李四"}, "mobile": {"+86 138 0013 8000"}}, 409, "“13800138000”已是联系人张三"},
		{url.Values{"name": {"李四"}, "email": {"ls@a.gov.cn"}, "office_id": {"999999"}}, 400, "科室 999999 不存在。"},
	} {
		c.form.Set("back", officePage)
		resp, body = admin.post("/admin/people", c.form)
		if resp.StatusCode != c.status || !strings.Contains(html.UnescapeString(body), c.msg) {
			t.Errorf("%v: status %d, want %d and %q:\n%.3000s", c.form, resp.StatusCode, c.status, c.msg, body)
		}
		if c.form.Get("name") != "" && !strings.Contains(body, `value="`+c.form.Get("name")+`"`) {
			t.Errorf("%v: the refused form lost the name", c.form)
		}
		if !strings.Contains(body, `id="office-robots"`) {
			t.Errorf("%v: refused form not shown on the office page", c.form)
		}
	}
	if ps, _ := f.st.People(ctx, store.PeopleFilter{}); len(ps) != 1 {
		t.Fatalf("refused forms created people: %+v", ps)
	}

	// The API: a supervisor with their first role; unknown fields are refused.
	resp, body = admin.json("POST", "/api/people", map[string]any{"name": "李四", "email": "ls@a.gov.cn", "unit_id": f.unitA, "role": "leader", "level": 3})
	wantStatus(t, resp, body, http.StatusCreated)
	var ls personJSON
	decode(t, body, &ls)
	if len(ls.Units) != 1 || ls.Units[0].Level != 3 || ls.Units[0].Role != store.RoleLeader || strings.Join(ls.Channels, ",") != "email" {
		t.Fatalf("API person %+v", ls)
	}
	resp, body = admin.json("POST", "/api/people", map[string]any{"name": "王五", "email": "ww@a.gov.cn", "phone": "1"})
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = admin.json("POST", "/api/people", map[string]any{"name": "王五", "email": "ww@a.gov.cn", "role": "leader"})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "分管领导需要选择单位。") {
		t.Fatalf("a supervisor without a unit: %s", body)
	}

	// The unit's ladder now reaches 李四 at level 3.
	resp, body = admin.get(fmt.Sprintf("/admin/units/%d", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "李四（分管领导，3级）") {
		t.Fatalf("ladder without the supervisor: %s", body)
	}

	// Edit.
	resp, body = admin.json("PUT", fmt.Sprintf("/api/people/%d", ls.ID), map[string]any{"name": "李四", "email": "lisi@a.gov.cn", "mobile": "13900139000",
		"channels": []string{"email", "sms"}, "alerts": true, "note": "政务公开办"})
	wantStatus(t, resp, body, http.StatusOK)
	p, err := f.st.Person(ctx, ls.ID)
	if err != nil || p.Email != "lisi@a.gov.cn" || p.Mobile != "13900139000" || !p.Alerts || p.Note != "政务公开办" || !p.Active {
		t.Fatalf("edited person %+v, %v", p, err)
	}
	if e := audits(t, f.st, "person.update"); len(e) != 1 || !strings.Contains(string(e[0].Detail), "ls@a.gov.cn") {
		t.Fatalf("audit of person.update: %+v", e)
	}
	resp, body = admin.post(fmt.Sprintf("/admin/people/%d", ls.ID), url.Values{"name": {"李四"}, "email": {"zs@a.gov.cn"}, "back": {fmt.Sprintf("/admin/people/%d", ls.ID)}})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "已是联系人张三") || !strings.Contains(body, `id="person-roles"`) {
		t.Fatalf("edit onto another's address: %s", body)
	}
	resp, body = admin.json("PUT", "/api/people/999999", map[string]any{"name": "无人", "email": "x@a.gov.cn"})
	wantStatus(t, resp, body, http.StatusNotFound)

	// Roles: attach twice is one role and one audit entry; detach twice is a 404.
	at := map[string]any{"person_id": zs.ID, "office_id": f.officeA2, "role": "head"}
	resp, body = admin.json("POST", "/api/people/attach", at)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `"attached":true`) {
		t.Fatalf("attach: %s", body)
	}
	resp, body = admin.json("POST", "/api/people/attach", at)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `"attached":false`) || len(audits(t, f.st, "person.attach")) != 1 {
		t.Fatalf("attach again: %s", body)
	}
	if rs, err := f.st.OfficeRecipients(ctx, f.officeA2, store.TargetHead); err != nil || len(rs) != 1 || rs[0].ID != zs.ID {
		t.Fatalf("head of 法规科: %+v, %v", rs, err)
	}
	for _, c := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{"person_id": zs.ID, "unit_id": f.unitA, "role": "leader", "level": 12}, "督办级别应为 1–9：12"},
		{map[string]any{"person_id": zs.ID, "office_id": f.officeA2, "role": "boss"}, "职责“boss”无效"},
		{map[string]any{"person_id": zs.ID, "office_id": f.officeA2, "unit_id": f.unitA, "role": "contact"}, "科室职责只需科室"},
		{map[string]any{"person_id": zs.ID, "role": "head"}, "负责人需要选择科室。"},
		{map[string]any{"office_id": f.officeA2, "role": "head"}, "请选择联系人。"},
		{map[string]any{"person_id": 999999, "office_id": f.officeA2, "role": "head"}, "联系人 999999 不存在。"},
	} {
		resp, body = admin.json("POST", "/api/people/attach", c.body)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.msg) {
			t.Errorf("attach %v: %d %s, want 400 %q", c.body, resp.StatusCode, body, c.msg)
		}
	}
	resp, body = admin.post("/admin/people/detach", url.Values{"person_id": {fmt.Sprint(zs.ID)}, "office_id": {fmt.Sprint(f.officeA2)}, "role": {"head"},
		"back": {fmt.Sprintf("/admin/offices/%d", f.officeA2)}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if resp.Header.Get("Location") != fmt.Sprintf("/admin/offices/%d", f.officeA2) || !strings.Contains(flashOf(t, resp), "张三不再是甲局 法制科的负责人") &&
		!strings.Contains(flashOf(t, resp), "张三不再是甲局 法规科的负责人") {
		t.Fatalf("detach: %q %q", resp.Header.Get("Location"), flashOf(t, resp))
	}
	resp, body = admin.json("POST", "/api/people/detach", at)
	wantStatus(t, resp, body, http.StatusNotFound)
	resp, body = admin.json("POST", "/api/people/detach", map[string]any{"person_id": ls.ID, "unit_id": f.unitA, "role": "leader", "level": 3})
	wantStatus(t, resp, body, http.StatusOK)
	if e := audits(t, f.st, "person.detach"); len(e) != 2 {
		t.Fatalf("audit of person.detach: %+v", e)
	}

	// Deactivating 张三 leaves 办公室 without a contact at the next send; activating restores it.
	resp, body = admin.post(fmt.Sprintf("/admin/people/%d/active", zs.ID), url.Values{"active": {"0"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if _, err := f.st.OfficeRecipients(ctx, f.officeA1, store.TargetContact); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a deactivated contact still receives: %v", err)
	}
	resp, body = admin.get(fmt.Sprintf("/admin/people/%d", zs.ID))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `id="person-inactive"`) || !strings.Contains(body, "activate-submit") {
		t.Fatalf("person page of a deactivated person: %s", body)
	}
	resp, body = admin.json("POST", fmt.Sprintf("/api/people/%d/active", zs.ID), map[string]any{"active": true})
	wantStatus(t, resp, body, http.StatusOK)
	if rs, err := f.st.OfficeRecipients(ctx, f.officeA1, store.TargetContact); err != nil || len(rs) != 1 {
		t.Fatalf("reactivated contact: %+v, %v", rs, err)
	}
	if len(audits(t, f.st, "person.deactivate")) != 1 || len(audits(t, f.st, "person.activate")) != 1 {
		t.Fatal("activation changes not audited")
	}

	// Listing and the office page as JSON.
	resp, body = admin.get(fmt.Sprintf("/api/people?unit=%d&q=张", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	var list struct {
		People []personJSON `json:"people"`
	}
	decode(t, body, &list)
	if len(list.People) != 1 || list.People[0].Name != "张三" || list.People[0].Offices[0].Office != "办公室" {
		t.Fatalf("people list %s", body)
	}
	resp, body = admin.get(fmt.Sprintf("/api/offices/%d", f.officeA1))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `"role":"contact"`) || !strings.Contains(body, `"name":"张三"`) || strings.Contains(body, `"Values"`) {
		t.Fatalf("office JSON: %s", body)
	}
	resp, body = admin.get("/admin/people/999999")
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestRobots(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")
	const token, secret = "f00dfeedTOKEN0123456789", "SECc0ffee0123456789abcdef"
	hook := "https://oapi.dingtalk.com/robot/send?access_token=" + token
	page := fmt.Sprintf("/admin/offices/%d", f.officeA1)

	resp, body := admin.post(page+"/robots", url.Values{"kind": {"dingtalk"}, "name": {"办公室工作群"}, "webhook": {hook}, "secret": {secret}, "back": {page}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	robots, err := f.st.Robots(ctx, f.officeA1)
	if err != nil || len(robots) != 1 || robots[0].Webhook != hook || robots[0].Secret != secret {
		t.Fatalf("stored robot %+v, %v", robots, err)
	}
	// The robot gets what the contacts get.
	if rs, err := f.st.OfficeRecipients(ctx, f.officeA1, store.TargetContact); err != nil || len(rs) != 1 || rs[0].Kind != "robot" {
		t.Fatalf("robot as recipient: %+v, %v", rs, err)
	}
	resp, body = admin.json("POST", fmt.Sprintf("/api/offices/%d/robots", f.officeA2), map[string]any{"kind": "wecom",
		"webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + token})
	wantStatus(t, resp, body, http.StatusCreated)
	if !strings.Contains(body, `"host":"qyapi.weixin.qq.com"`) {
		t.Fatalf("API robot: %s", body)
	}

	// Refused robots: the message quotes neither credential, and the form does not keep them.
	for _, c := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"kind": {"dingtalk"}, "webhook": {"https://oapi.dingtalk.com/robot/send?x=" + token}}, "钉钉 Webhook 地址缺少 access_token 参数"},
		{url.Values{"kind": {"dingtalk"}, "webhook": {hook}, "secret": {"not-" + secret}}, "钉钉加签密钥应以 SEC 开头"},
		{url.Values{"kind": {"wecom"}, "webhook": {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + token}, "secret": {secret}}, "企业微信群机器人没有加签密钥"},
		{url.Values{"kind": {"wecom"}, "webhook": {"ftp://x/" + token}}, "Webhook 地址无效"},
		{url.Values{"kind": {"feishu"}, "webhook": {hook}}, "机器人类型应为 dingtalk（钉钉）或 wecom（企业微信）。"},
	} {
		c.form.Set("back", page)
		resp, body = admin.post(page+"/robots", c.form)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.msg) {
			t.Errorf("%v: %d, want 400 %q:\n%.2000s", c.form, resp.StatusCode, c.msg, body)
		}
		if strings.Contains(body, token) || strings.Contains(body, "c0ffee") {
			t.Errorf("%v: the answer echoes a credential", c.form)
		}
	}

	// Pages, the API and the audit log never show the token or the secret.
	for _, p := range []string{page, fmt.Sprintf("/api/offices/%d", f.officeA1), fmt.Sprintf("/api/offices/%d", f.officeA2), "/admin/audit", "/api/audit"} {
		resp, body = admin.get(p)
		wantStatus(t, resp, body, http.StatusOK)
		if strings.Contains(body, token) || strings.Contains(body, "c0ffee") {
			t.Errorf("%s shows a robot credential", p)
		}
	}
	resp, body = admin.get(page)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "oapi.dingtalk.com") || !strings.Contains(body, "办公室工作群") {
		t.Fatalf("office page lacks the robot: %s", body)
	}
	added := audits(t, f.st, "robot.add")
	if len(added) != 2 || !strings.Contains(string(added[1].Detail), `"signed": true`) && !strings.Contains(string(added[1].Detail), `"signed":true`) {
		t.Fatalf("audit of robot.add: %+v", added)
	}

	// Removing: only through the robot's own office.
	resp, body = admin.json("POST", fmt.Sprintf("/api/offices/%d/robots/remove", f.officeA2), map[string]any{"robot": robots[0].ID})
	wantStatus(t, resp, body, http.StatusNotFound)
	resp, body = admin.post(page+"/robots/remove", url.Values{"robot": {fmt.Sprint(robots[0].ID)}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if rs, _ := f.st.Robots(ctx, f.officeA1); len(rs) != 0 {
		t.Fatalf("robot not removed: %+v", rs)
	}
	if e := audits(t, f.st, "robot.remove"); len(e) != 1 || strings.Contains(string(e[0].Detail), token) {
		t.Fatalf("audit of robot.remove: %+v", e)
	}
}
