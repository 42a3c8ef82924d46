package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

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
