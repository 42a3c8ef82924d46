package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

func TestLogin(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")

	resp, _ := anon.get("/items")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fitems" {
		t.Fatalf("anonymous /items: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := anon.get("/login")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `name="csrf" value="`+anon.csrf+`"`) {
		t.Fatal("the login form does not carry the CSRF token of the anonymous cookie")
	}

	resp, body = anon.post("/login", url.Values{"login": {"bangongshi"}, "password": {"wrong-password"}})
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("wrong password: %s", body)
	}
	resp, body = anon.post("/login", url.Values{"login": {"BanGongShi"}, "password": {"password-bangongshi"}, "next": {"/items/1"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if resp.Header.Get("Location") != "/items/1" {
		t.Fatalf("redirect after login: %q", resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over http", session)
	}
	// An open redirect through next= is refused.
	if safeNext("//evil.example/x") != "/" || safeNext("https://evil.example") != "/" || safeNext("/\\evil") != "/" {
		t.Fatal("safeNext lets a foreign URL through")
	}

	// The session works, and logging out ends it server-side.
	c := &client{t: t, f: f, cookie: &http.Cookie{Name: sessionCookie, Value: session.Value}, csrf: f.srv.csrfToken(session.Value)}
	resp, body = c.get("/api/me")
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = c.post("/logout", nil)
	wantStatus(t, resp, body, http.StatusSeeOther)
	resp, body = c.get("/api/me")
	wantStatus(t, resp, body, http.StatusUnauthorized)

	entries, err := f.st.AuditLog(context.Background(), store.AuditFilter{Actor: "bangongshi"})
	if err != nil || len(entries) < 2 || entries[0].Action != "session.logout" || entries[1].Action != "session.login" {
		t.Fatalf("audit of the login: %v %+v", err, entries)
	}
}

func TestLoginThrottling(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")
	for i := 0; i < loginPolicy.FreePerLogin; i++ {
		resp, body := anon.post("/login", url.Values{"login": {"root"}, "password": {fmt.Sprintf("guess-%d", i)}})
		wantStatus(t, resp, body, http.StatusOK)
	}
	// Now even the right password is refused until the window passes.
	resp, body := anon.post("/login", url.Values{"login": {"root"}, "password": {"password-root"}})
	wantStatus(t, resp, body, http.StatusTooManyRequests)
	if !strings.Contains(body, "秒后再试") {
		t.Fatalf("throttled login: %s", body)
	}
	// Another login from the same address is not locked by root's failures.
	resp, body = anon.post("/login", url.Values{"login": {"lingdao"}, "password": {"password-lingdao"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	// Unknown logins count too (no enumeration of which logins exist by their throttling).
	for i := 0; i < loginPolicy.FreePerLogin; i++ {
		anon.post("/login", url.Values{"login": {"nobody"}, "password": {"x"}})
	}
	resp, body = anon.post("/login", url.Values{"login": {"nobody"}, "password": {"x"}})
	wantStatus(t, resp, body, http.StatusTooManyRequests)
}

func TestSecureCookiesOverHTTPS(t *testing.T) {
	f := newFixture(t, false)
	srv, err := New(Options{Store: f.st, Items: f.cmd, Secret: []byte("test-secret-0123456789abcdef-9f3kq7xz"), BaseURL: "https://gk.example.gov.cn", Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "/login", nil)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	cs := rec.Result().Cookies()
	if len(cs) == 0 || !cs[0].Secure || !cs[0].HttpOnly {
		t.Fatalf("cookies over https: %+v", cs)
	}
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS over https")
	}
}

func TestMyItems(t *testing.T) {
	f := newFixture(t, false)
	office := f.as(t, "office")
	resp, body := office.json("GET", "/api/items", nil)
	wantStatus(t, resp, body, http.StatusOK)
	var got itemsData
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	// 办公室 has A1 (overdue), A4 (due 6/30) and A5 (done): soonest due first, A5 and A1 share
	// a due date and tie-break on list order.
	var ids []int64
	for _, it := range got.Items {
		ids = append(ids, it.ID)
	}
	want := []int64{f.itemA1, f.itemA5, f.itemA4}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Fatalf("office items %v, want %v", ids, want)
	}
	// A1 was due on 4/30; 5/1–5/5 is the 劳动节 holiday: 5/6, 5/7 and 5/8 are 3 working days.
	if l := got.Items[0].Left; l == nil || !l.Overdue || l.Days != 3 {
		t.Fatalf("A1 working days: %+v", l)
	}
	// The page shows only the open ones by default, with the same numbers.
	resp, body = office.get("/items")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "逾期 3 个工作日") || strings.Contains(body, "公开机构职能") {
		t.Fatalf("my items page:\n%s", body)
	}

	// 法规科's A2 is due Monday 5/13: Thursday, Friday, the make-up Saturday 5/11 and Monday.
	resp, body = f.as(t, "office2").json("GET", "/api/items", nil)
	wantStatus(t, resp, body, http.StatusOK)
	got = itemsData{}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 2 || got.Items[0].ID != f.itemA2 || got.Items[0].Left.Days != 4 || got.Items[0].Left.Overdue {
		t.Fatalf("法规科 items: %+v", got.Items)
	}
	// Filters: status and a keyword; a foreign office filter is refused.
	resp, body = f.as(t, "supervisor").json("GET", "/api/items?status=overdue", nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "年报") || strings.Contains(body, "部门预算") || strings.Contains(body, foreignTitle) {
		t.Fatalf("supervisor overdue items: %s", body)
	}
	resp, body = f.as(t, "admin").json("GET", "/api/items?q="+url.QueryEscape("保密"), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, foreignTitle) || strings.Contains(body, "年报") {
		t.Fatalf("admin keyword search: %s", body)
	}
	resp, body = office.get(fmt.Sprintf("/items?office=%d", f.officeA2))
	wantStatus(t, resp, body, http.StatusForbidden)
	resp, body = office.get(fmt.Sprintf("/items/%d", f.itemA2)) // same unit, another office
	wantStatus(t, resp, body, http.StatusForbidden)
}

func TestItemPage(t *testing.T) {
	f := newFixture(t, false)
	resp, body := f.as(t, "office").get(fmt.Sprintf("/items/%d", f.itemA1))
	wantStatus(t, resp, body, http.StatusOK)
	for _, want := range []string{"公开2023年度政府信息公开工作年报", "按要求在门户网站公开", "逾期 3 个工作日", "一级（科室联络员）",
		"complete-form", "开始跟踪", "list.xlsx 第 2 行"} {
		if !strings.Contains(body, want) {
			t.Errorf("item page lacks %q", want)
		}
	}
	if strings.Contains(body, "/extend") || strings.Contains(body, "/pause") {
		t.Error("an office user sees the supervisor's and admin's forms")
	}
	// The timely item offers the event form; a supervisor gets the extension form but not
	// completion.
	resp, body = f.as(t, "office2").get(fmt.Sprintf("/items/%d", f.itemA3))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "event-form") {
		t.Error("timely item without the event form")
	}
	resp, body = f.as(t, "supervisor").get(fmt.Sprintf("/items/%d", f.itemA1))
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "complete-form") || !strings.Contains(body, "/extend") {
		t.Error("supervisor's item page forms are wrong")
	}
	resp, body = f.as(t, "admin").get("/items/999999")
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestComplete(t *testing.T) {
	f := newFixture(t, false)
	office := f.as(t, "office")
	path := fmt.Sprintf("/items/%d/complete", f.itemA1)

	resp, body := office.post(path, url.Values{"evidence_url": {"javascript:alert(1)"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if _, n := f.cmd.last(); n != 0 {
		t.Fatal("an invalid completion reached the workflow")
	}
	resp, body = office.post(path, url.Values{"evidence_url": {" https://gk.example.gov.cn/2024/nb.html "}, "note": {"已在年报栏目发布"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if resp.Header.Get("Location") != fmt.Sprintf("/items/%d", f.itemA1) {
		t.Fatalf("redirect %q", resp.Header.Get("Location"))
	}
	c, _ := f.cmd.last()
	want := workflows.Completion{EvidenceURL: "https://gk.example.gov.cn/2024/nb.html", Note: "已在年报栏目发布", By: "bangongshi"}
	if sc, err := f.st.ItemScopeOf(context.Background(), f.itemA1); err != nil || c.op != "complete" || c.workflowID != sc.WorkflowID {
		t.Fatalf("command %+v (%v)", c, err)
	}
	if c.arg != want {
		t.Fatalf("completion %+v, want %+v", c.arg, want)
	}
	entries, err := f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "item", ObjectID: fmt.Sprint(f.itemA1)})
	if err != nil || len(entries) != 1 || entries[0].Action != "item.complete" || entries[0].Actor != "bangongshi" || !strings.Contains(string(entries[0].Detail), "nb.html") {
		t.Fatalf("audit: %v %+v", err, entries)
	}

	// The API takes JSON and answers with the workflow's state.
	resp, body = office.json("POST", fmt.Sprintf("/api/items/%d/complete", f.itemA4), map[string]string{"evidence_url": "https://gk.example.gov.cn/x.html"})
	wantStatus(t, resp, body, http.StatusOK)
	var st workflows.State
	if err := json.Unmarshal([]byte(body), &st); err != nil || st.Status != "done" {
		t.Fatalf("API answer %s: %v", body, err)
	}
	resp, body = office.json("POST", fmt.Sprintf("/api/items/%d/complete", f.itemA4), map[string]string{"evidence": "typo"})
	wantStatus(t, resp, body, http.StatusBadRequest)

	// A workflow that rejects the update gives the user its reason.
	f.cmd.err = fmt.Errorf("complete item-x: %w: 周期 2024 已完成", workflows.ErrRejected)
	resp, body = office.post(path, url.Values{"evidence_url": {"https://gk.example.gov.cn/a"}})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "周期 2024 已完成") {
		t.Fatalf("rejection: %s", body)
	}
}

func TestOtherCommands(t *testing.T) {
	f := newFixture(t, false)
	sup, office2, admin := f.as(t, "supervisor"), f.as(t, "office2"), f.as(t, "admin")

	resp, body := office2.post(fmt.Sprintf("/items/%d/events", f.itemA3), url.Values{"title": {"印发《政务公开实施办法》"}, "at": {"2024-05-06T15:30"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	c, _ := f.cmd.last()
	ev := c.arg.(workflows.Event)
	if c.op != "event" || ev.Title != "印发《政务公开实施办法》" || !ev.At.Equal(time.Date(2024, 5, 6, 15, 30, 0, 0, calendar.Shanghai)) || ev.By != "fagui" {
		t.Fatalf("event %+v", c)
	}
	resp, body = office2.post(fmt.Sprintf("/items/%d/events", f.itemA3), url.Values{"title": {"x"}, "at": {"2024-06-01"}})
	wantStatus(t, resp, body, http.StatusBadRequest) // in the future
	resp, body = office2.json("POST", fmt.Sprintf("/api/items/%d/events", f.itemA3), map[string]any{"title": "x", "office": f.officeB})
	wantStatus(t, resp, body, http.StatusBadRequest) // an office of another unit

	resp, body = sup.post(fmt.Sprintf("/items/%d/extend", f.itemA1), url.Values{"due": {"2024-05-31"}, "reason": {"等待上级批复"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	c, _ = f.cmd.last()
	x := c.arg.(workflows.Extension)
	if x.Due != calendar.D(2024, 5, 31) || x.ApprovedBy != "测试supervisor" || x.By != "lingdao" {
		t.Fatalf("extension %+v", x)
	}
	resp, body = sup.post(fmt.Sprintf("/items/%d/extend", f.itemA1), url.Values{"due": {"2024-05-01"}, "reason": {"x"}})
	wantStatus(t, resp, body, http.StatusBadRequest)

	resp, body = sup.json("POST", fmt.Sprintf("/api/items/%d/reopen", f.itemA5), map[string]string{"cycle": "2024", "reason": "佐证链接打不开"})
	wantStatus(t, resp, body, http.StatusOK)

	resp, body = admin.json("POST", fmt.Sprintf("/api/items/%d/reassign", f.itemA1), map[string]any{
		"offices": []map[string]any{{"id": f.officeA2, "role": "lead"}, {"id": f.officeA1, "role": "co"}}, "reason": "职责调整"})
	wantStatus(t, resp, body, http.StatusOK)
	c, _ = f.cmd.last()
	re := c.arg.(workflows.Reassignment)
	if len(re.Offices) != 2 || re.Offices[0].Name != "法规科" || re.Offices[1].Role != "co" {
		t.Fatalf("reassignment %+v", re)
	}
	resp, body = admin.json("POST", fmt.Sprintf("/api/items/%d/reassign", f.itemA1), map[string]any{"offices": []map[string]any{{"id": f.officeB, "role": "lead"}}})
	wantStatus(t, resp, body, http.StatusBadRequest)

	resp, body = admin.post(fmt.Sprintf("/items/%d/pause", f.itemA1), url.Values{"reason": {"清单调整中"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	resp, body = admin.json("POST", fmt.Sprintf("/api/items/%d/resume", f.itemA1), nil)
	wantStatus(t, resp, body, http.StatusOK)
	c, _ = f.cmd.last()
	if c.op != "resume" || c.arg.(workflows.Actor).By != "root" {
		t.Fatalf("resume %+v", c)
	}
	entries, err := f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "item"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "item.resume item.pause item.reassign item.reopen item.extend item.event" {
		t.Fatalf("audit actions %v", actions)
	}
}

func TestAPITokens(t *testing.T) {
	f := newFixture(t, false)
	office := f.as(t, "office")
	resp, body := office.json("POST", "/api/tokens", map[string]string{"name": "周报脚本"})
	wantStatus(t, resp, body, http.StatusCreated)
	var created struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || !strings.HasPrefix(created.Token, "zwgk_") {
		t.Fatalf("token: %s", body)
	}
	script := &client{t: t, f: f, bearer: created.Token}
	resp, body = script.get("/api/items")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "年报") || strings.Contains(body, "部门预算") {
		t.Fatalf("bearer sees: %s", body)
	}
	// No cookie, no CSRF token: a bearer request may change things.
	resp, body = script.do("POST", fmt.Sprintf("/api/items/%d/complete", f.itemA1), strings.NewReader(`{"evidence_url":"https://a.example/x"}`), "application/json", false)
	wantStatus(t, resp, body, http.StatusOK)
	// The token has the user's scope, not more.
	resp, body = script.get(fmt.Sprintf("/api/items/%d", f.itemB))
	wantStatus(t, resp, body, http.StatusForbidden)

	resp, body = office.json("POST", fmt.Sprintf("/api/tokens/%d/revoke", created.ID), nil)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = script.get("/api/items")
	wantStatus(t, resp, body, http.StatusUnauthorized)
	// Someone else's token cannot be revoked by id.
	resp, body = f.as(t, "office2").json("POST", fmt.Sprintf("/api/tokens/%d/revoke", created.ID), nil)
	wantStatus(t, resp, body, http.StatusNotFound)
}

func TestUsers(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	resp, body := admin.post("/admin/users", url.Values{"login": {"zhangsan"}, "name": {"张三"}, "role": {"office"}, "offices": {fmt.Sprint(f.officeA2)}})
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "初始密码") {
		t.Fatal("no generated password shown")
	}
	resp, body = admin.post("/admin/users", url.Values{"login": {"ZhangSan"}, "role": {"office"}, "offices": {fmt.Sprint(f.officeA2)}})
	wantStatus(t, resp, body, http.StatusConflict)
	resp, body = admin.json("POST", "/api/users", map[string]any{"login": "wang", "role": "supervisor", "offices": []int64{f.officeA1}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = admin.json("POST", "/api/users", map[string]any{"login": "wang", "role": "supervisor", "units": []int64{999999}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = admin.json("POST", "/api/users", map[string]any{"login": "wang", "role": "supervisor", "units": []int64{f.unitB}, "password": "long-enough-pw"})
	wantStatus(t, resp, body, http.StatusCreated)

	u, err := f.st.UserByLogin(context.Background(), "wang")
	if err != nil || u.Role != "supervisor" || len(u.Units) != 1 || u.Units[0] != f.unitB {
		t.Fatalf("created %+v %v", u, err)
	}
	resp, body = admin.post(fmt.Sprintf("/admin/users/%d/disable", u.ID), nil)
	wantStatus(t, resp, body, http.StatusSeeOther)
	anon := f.as(t, "anonymous")
	resp, body = anon.post("/login", url.Values{"login": {"wang"}, "password": {"long-enough-pw"}})
	wantStatus(t, resp, body, http.StatusOK) // the form again: disabled accounts cannot sign in
	resp, body = admin.post(fmt.Sprintf("/admin/users/%d/disable", f.users["admin"].ID), nil)
	wantStatus(t, resp, body, http.StatusBadRequest)
}

func TestDemoAdmin(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	login, pw1, err := EnsureDemoAdmin(ctx, f.st)
	if err != nil {
		t.Fatal(err)
	}
	_, pw2, err := EnsureDemoAdmin(ctx, f.st)
	if err != nil {
		t.Fatal(err)
	}
	anon := f.as(t, "anonymous")
	resp, body := anon.post("/login", url.Values{"login": {login}, "password": {pw1}})
	wantStatus(t, resp, body, http.StatusOK) // replaced by the second call
	resp, body = anon.post("/login", url.Values{"login": {login}, "password": {pw2}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	users, err := f.st.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range users {
		if u.Login == login {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d demo admins", n)
	}
}

func TestPolicy(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	resp, body := admin.get("/admin/policy")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "10,5,2,0") || !strings.Contains(body, "科室负责人") {
		t.Fatal("policy page does not show the default")
	}
	path := fmt.Sprintf("/admin/units/%d/policy", f.unitA)
	// the send time as admins write it; an unreadable one is refused in Chinese
	resp, body = admin.post(path, url.Values{"reminders": {"5,1,0"}, "send_time": {"每天上午9点"}, "after1": {"1"}, "target1": {"contact"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if units, _ := f.st.UnitsInScope(context.Background(), store.Scope{Units: []int64{f.unitA}}); !strings.Contains(string(units[0].Policy), `"0 9 * * *"`) {
		t.Fatalf("每天上午9点 stored as %s", units[0].Policy)
	}
	resp, body = admin.post(path, url.Values{"reminders": {"5,1,0"}, "send_time": {"明天"}, "after1": {"1"}, "target1": {"contact"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "看不懂") {
		t.Fatalf("unreadable send time: %d\n%s", resp.StatusCode, body)
	}
	resp, body = admin.post(path, url.Values{"reminders": {"5,1,0"}, "send_time": {"上午8点30分"},
		"after1": {"1"}, "target1": {"contact"}, "after2": {"2"}, "target2": {"supervisor"}, "repeat": {"3"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	units, err := f.st.UnitsInScope(context.Background(), store.Scope{Units: []int64{f.unitA}})
	if err != nil || len(units) != 1 || !strings.Contains(string(units[0].Policy), `"30 8 * * *"`) {
		t.Fatalf("stored policy: %v %s", err, units[0].Policy)
	}
	resp, body = admin.post(path, url.Values{"mode": {"json"}, "policy": {`{"reminders":[5],"send_window":"0 9 * * 1"}`}})
	wantStatus(t, resp, body, http.StatusBadRequest) // day fields must be * (the calendar decides)
	resp, body = admin.json("PUT", path[len("/admin"):], map[string]any{"remindersx": []int{1}})
	wantStatus(t, resp, body, http.StatusNotFound) // /units/… is not an API path
	resp, body = admin.json("PUT", "/api/units/"+fmt.Sprint(f.unitA)+"/policy", map[string]any{"remindersx": []int{1}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = admin.json("PUT", "/api/units/"+fmt.Sprint(f.unitA)+"/policy", map[string]any{"repeat": 2})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = admin.post(path, url.Values{"reset": {"1"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	units, _ = f.st.UnitsInScope(context.Background(), store.Scope{Units: []int64{f.unitA}})
	if units[0].Policy != nil {
		t.Fatalf("reset left %s", units[0].Policy)
	}
	entries, _ := f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "unit"})
	if len(entries) != 4 { // 每天上午9点, 上午8点30分, the API's repeat, the reset
		t.Fatalf("%d policy audit entries, want 4", len(entries))
	}
}

func TestErrorsAreNotLeaked(t *testing.T) {
	f := newFixture(t, false)
	f.cmd.err = errors.New("dial tcp 10.0.0.1:7233: connection refused")
	resp, body := f.as(t, "office").post(fmt.Sprintf("/items/%d/complete", f.itemA1), url.Values{"evidence_url": {"https://a.example/"}})
	wantStatus(t, resp, body, http.StatusInternalServerError)
	if strings.Contains(body, "10.0.0.1") || !strings.Contains(body, "服务器内部错误") {
		t.Fatalf("internal error page: %s", body)
	}
}

// TestTemplatesHonourCSP keeps the templates within the Content-Security-Policy the server
// sends (no inline styles or scripts), which a browser would otherwise silently ignore.
func TestTemplatesHonourCSP(t *testing.T) {
	files, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := templateFS.ReadFile("templates/" + f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{`style="`, "<style", "<script", "onclick=", "onsubmit=", "javascript:"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s contains %s", f.Name(), bad)
			}
		}
	}
}
