package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// An admin links an account to a person on the users page; the person, signed in, chooses
// their channels among those they have and turns the digest off on 我的账号.
func TestAccountReminderSettings(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	admin, office := f.as(t, "admin"), f.as(t, "office")
	pid, err := f.st.AddPerson(ctx, store.Person{Name: "王办公", Email: "wang@x.gov.cn", Mobile: "13800138009", Channels: []string{"email", "sms"}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.st.AddPerson(ctx, store.Person{Name: "李法规", Email: "li@x.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}

	// Not linked yet: no settings form, and saving is refused with the way out.
	_, body := office.get("/account")
	if strings.Contains(body, `action="/account/settings"`) {
		t.Error("the settings form is shown to an account without a person")
	}
	resp, body := office.post("/account/settings", url.Values{"channels": {"email"}})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "关联") {
		t.Errorf("saving without a person: %.500s", body)
	}

	u := f.users["office"]
	resp, body = admin.post("/admin/users/person", url.Values{"user": {itoa(u.ID)}, "person": {itoa(pid)}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	_, body = admin.get("/admin/users")
	if !strings.Contains(body, `<option value="`+itoa(pid)+`" selected>王办公`) {
		t.Errorf("the users page does not show the link: %.4000s", body)
	}
	// One person, one account.
	resp, body = admin.post("/admin/users/person", url.Values{"user": {itoa(f.users["office2"].ID)}, "person": {itoa(pid)}})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "人员（person）") {
		t.Errorf("a person linked twice: %.500s", body)
	}
	resp, body = admin.post("/admin/users/person", url.Values{"user": {itoa(f.users["office2"].ID)}, "person": {"999999"}})
	wantStatus(t, resp, body, http.StatusBadRequest)

	resp, body = office.get("/account")
	wantStatus(t, resp, body, http.StatusOK)
	for _, want := range []string{`action="/account/settings"`, "王办公", `value="email" checked`, `value="sms" checked`, `name="digest" value="1" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("the account page lacks %q: %.3000s", want, body)
		}
	}

	resp, body = office.post("/account/settings", url.Values{"channels": {"sms"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	got, err := f.st.PersonSettingsOf(ctx, []int64{pid, other})
	if err != nil {
		t.Fatal(err)
	}
	if ps, ok := got[pid]; !ok || !slices.Equal(ps.Channels, []string{"sms"}) || ps.Digest {
		t.Errorf("settings saved as %+v (ok %v), want sms only, digest off", ps, ok)
	}
	if _, ok := got[other]; ok {
		t.Errorf("a person who set nothing has settings: %+v", got[other])
	}
	_, body = office.get("/account")
	if !strings.Contains(body, `value="sms" checked`) || strings.Contains(body, `value="email" checked`) || strings.Contains(body, `name="digest" value="1" checked`) {
		t.Errorf("the form does not show the saved settings: %.3000s", body)
	}
	// The admin sees on the person's page whose account it is and what they chose.
	resp, body = admin.get("/admin/people/" + itoa(pid))
	wantStatus(t, resp, body, http.StatusOK)
	for _, want := range []string{u.Login, "接收方式：短信", "一般提醒：不接收"} {
		if !strings.Contains(pageText(body), want) {
			t.Errorf("the person page lacks %q: %.3000s", want, pageText(body))
		}
	}
	var audited int
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'person.settings' AND object_id = $1`, itoa(pid)).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("%d audit entries for the settings (%v), want 1", audited, err)
	}

	for _, bad := range []url.Values{{"digest": {"1"}}, {"channels": {"dingtalk"}, "digest": {"1"}}} {
		resp, body = office.post("/account/settings", bad)
		wantStatus(t, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, "接收方式（channels）") {
			t.Errorf("%v: the error does not name the control: %.500s", bad, body)
		}
	}
	// All channels again is stored as none chosen, so that one the admins add later is wanted too.
	resp, body = office.post("/account/settings", url.Values{"channels": {"email", "sms"}, "digest": {"1"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if got, _ = f.st.PersonSettingsOf(ctx, []int64{pid}); len(got) != 0 {
		t.Errorf("back to the defaults, settings are %+v", got)
	}

	// Unlinking takes the form away.
	resp, body = admin.post("/admin/users/person", url.Values{"user": {itoa(u.ID)}, "person": {""}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if _, body = office.get("/account"); strings.Contains(body, `action="/account/settings"`) {
		t.Error("the settings form is still shown after unlinking")
	}
}

// A person signed in chooses quiet days on 我的账号: weekdays and dated ranges, read back into
// the form, shown to the admin on the person's page, audited; a range that ended is not kept,
// and every working weekday quiet, or a line that is not a range, is refused in Chinese.
func TestAccountQuietDays(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin, office := f.as(t, "admin"), f.as(t, "office")
	pid, err := f.st.AddPerson(ctx, store.Person{Name: "王兼职", Email: "wang@x.gov.cn", Channels: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, body := office.post("/account/settings", url.Values{"form": {"quiet"}, "weekday": {"6"}})
	wantStatus(t, resp, body, http.StatusConflict)
	u := f.users["office"]
	resp, body = admin.post("/admin/users/person", url.Values{"user": {itoa(u.ID)}, "person": {itoa(pid)}})
	wantStatus(t, resp, body, http.StatusSeeOther)

	_, body = office.get("/account")
	if !strings.Contains(body, `name="form" value="quiet"`) || strings.Contains(body, `name="weekday" value="6" checked`) {
		t.Fatalf("the quiet-day form: %.3000s", body)
	}
	// testNow is 2024-05-08: the April range has ended and is not kept.
	resp, body = office.post("/account/settings", url.Values{"form": {"quiet"}, "weekday": {"5", "6"},
		"ranges": {"2024-12-20..2024-12-31 休假\r\n2024-06-03 至 2024-06-04\n\n2024-04-01..2024-04-02 过去\n2024-07-01 培训"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	got, err := f.st.QuietDaysOf(ctx, []int64{pid}, calendar.D(2024, 5, 8))
	if err != nil {
		t.Fatal(err)
	}
	q := got[pid]
	want := []store.QuietRange{
		{From: calendar.D(2024, 6, 3), To: calendar.D(2024, 6, 4)},
		{From: calendar.D(2024, 7, 1), To: calendar.D(2024, 7, 1), Note: "培训"},
		{From: calendar.D(2024, 12, 20), To: calendar.D(2024, 12, 31), Note: "休假"},
	}
	if !slices.Equal(q.Weekdays, []int{5, 6}) || !slices.Equal(q.Ranges, want) {
		t.Errorf("stored %+v, want Fridays, Saturdays and %+v", q, want)
	}
	if !q.Has(calendar.D(2024, 12, 25)) || !q.Has(calendar.D(2024, 12, 23)) || q.Has(calendar.D(2024, 6, 5)) {
		t.Errorf("Has: 25 Dec %v, 23 Dec %v, 5 Jun %v", q.Has(calendar.D(2024, 12, 25)), q.Has(calendar.D(2024, 12, 23)), q.Has(calendar.D(2024, 6, 5)))
	}
	_, body = office.get("/account")
	for _, w := range []string{`name="weekday" value="5" checked`, `name="weekday" value="6" checked`, "2024-06-03..2024-06-04\n2024-07-01 培训\n2024-12-20..2024-12-31 休假"} {
		if !strings.Contains(body, w) {
			t.Errorf("the account page lacks %q: %.4000s", w, body)
		}
	}
	resp, body = admin.get("/admin/people/" + itoa(pid))
	wantStatus(t, resp, body, http.StatusOK)
	if w := "免打扰日：每周五、每周六、2024-06-03 至 2024-06-04、2024-07-01（培训）、2024-12-20 至 2024-12-31（休假）"; !strings.Contains(pageText(body), w) {
		t.Errorf("the person page lacks %q: %.3000s", w, pageText(body))
	}
	if n := f.auditCountObject(t, "person.quiet_days", pid); n != 1 {
		t.Errorf("%d audit entries for the quiet days, want 1", n)
	}

	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"weekday": {"1", "2", "3", "4", "5"}}, "周一至周五不能都设为免打扰日"},
		{url.Values{"weekday": {"8"}}, "免打扰日（weekday）无效"},
		{url.Values{"ranges": {"下周休假"}}, "免打扰时段第 1 行“下周休假”"},
		{url.Values{"ranges": {"2024-06-01\n2024-06-10..2024-06-03"}}, "第 2 行：结束日期 2024-06-03 早于开始日期 2024-06-10"},
		{url.Values{"ranges": {"2024-02-30"}}, "日期 2024-02-30 不存在"},
		{url.Values{"ranges": {"2024-06-01..2025-12-31"}}, "一段不能超过一年"},
	} {
		c.form.Set("form", "quiet")
		resp, body = office.post("/account/settings", c.form)
		wantStatus(t, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, c.want) {
			t.Errorf("%v: want %q in %.500s", c.form, c.want, pageText(body))
		}
	}
	if got, _ = f.st.QuietDaysOf(ctx, []int64{pid}, calendar.D(2024, 5, 8)); len(got[pid].Ranges) != 3 {
		t.Errorf("a refused form changed the quiet days: %+v", got[pid])
	}
	// Nothing checked and no ranges: no quiet days.
	resp, body = office.post("/account/settings", url.Values{"form": {"quiet"}, "ranges": {""}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if got, _ = f.st.QuietDaysOf(ctx, []int64{pid}, calendar.D(2024, 5, 8)); !got[pid].IsZero() {
		t.Errorf("cleared, quiet days are %+v", got[pid])
	}
}

func (f *fixture) auditCountObject(t *testing.T, action string, id int64) int {
	t.Helper()
	var n int
	if err := f.st.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, itoa(id)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
