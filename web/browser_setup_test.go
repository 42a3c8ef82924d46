package web

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/web/e2e"
)

// In the browser: the admin links the office user to a person and resets their password by
// a setup link; the user opens it on a phone without signing in, chooses a password, lands
// signed in, turns the non-urgent reminders off on 我的账号 and sets Saturdays and a leave as
// quiet days.
func TestSetupLinkInBrowser(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	b := e2e.NewBrowser(t)
	base := f.ts.URL
	u := f.users["office"]
	pid, err := f.st.AddPerson(ctx, store.Person{Name: "王办公", Email: "wang@x.gov.cn", Mobile: "13800138009", Channels: []string{"email", "sms"}})
	if err != nil {
		t.Fatal(err)
	}

	b.Login(base, "root", "password-root")
	b.Do("users", chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("setup-%d", u.ID))))
	b.Do("link person", chromedp.SetValue(chromedp.ID(fmt.Sprintf("person-%d", u.ID)), fmt.Sprint(pid)))
	b.Submit("link person", fmt.Sprintf("#person-save-%d", u.ID))
	b.Must(strings.Contains(b.Text(".flash"), "已关联人员"), "no confirmation of the link")
	b.Submit("reset password", fmt.Sprintf("#setup-%d", u.ID))
	link := b.Text("#setup-link")
	_, tok, ok := strings.Cut(link, "/setup/")
	b.Must(ok && len(tok) > 40, "no setup link on the page: %q", link)
	b.Must(strings.Contains(b.Text("#setup-mail"), "已交由系统发送到本人邮箱 wang@x.gov.cn"), "the page does not say the link is mailed: %q", b.Text("#setup-mail"))
	b.Screenshot("admin-setup-link")
	b.Logout()

	b.Phone()
	b.Do("open link", chromedp.Navigate(base+"/setup/"+tok), chromedp.WaitVisible(chromedp.ID("new")))
	b.Must(strings.Contains(b.Body(), u.Login), "the setup page does not name the account")
	b.Screenshot("setup-phone")
	b.Do("choose password", chromedp.SendKeys(chromedp.ID("new"), "mein-neues-passwort"), chromedp.SendKeys(chromedp.ID("again"), "mein-neues-passwort"))
	b.Submit("choose password", "#setup-submit")
	b.Must(strings.Contains(b.Text(".flash"), "密码已设置"), "no confirmation after setting the password")
	b.Must(strings.HasSuffix(b.Location(), "/account") && strings.Contains(b.Body(), u.Login), "not signed in on the account page: %s", b.Location())
	b.Desktop()

	b.Do("account", chromedp.WaitVisible(chromedp.ID("settings")))
	b.Do("digest off", chromedp.Click(chromedp.CSS(`#settings input[name="digest"]`)))
	b.Submit("save settings", `#settings button[type="submit"]`)
	b.Must(strings.Contains(b.Text(".flash"), "提醒设置已保存"), "no confirmation of the settings")
	b.Screenshot("account-settings")
	got, err := f.st.PersonSettingsOf(ctx, []int64{pid})
	if err != nil {
		t.Fatal(err)
	}
	if ps, ok := got[pid]; !ok || ps.Digest || ps.Channels != nil {
		t.Errorf("settings from the browser: %+v (ok %v), want the digest off and every channel", ps, ok)
	}

	// Saturdays off and a leave at the year's end; what falls on them comes afterwards.
	b.Do("quiet days", chromedp.Click(chromedp.CSS(`#quiet input[name="weekday"][value="6"]`)),
		chromedp.SendKeys(chromedp.ID("quiet-ranges"), "2024-12-20..2024-12-31 休假"))
	b.Submit("save quiet days", `#quiet button[type="submit"]`)
	b.Must(strings.Contains(b.Text(".flash"), "免打扰日已保存"), "no confirmation of the quiet days")
	ranges, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.getElementById("quiet-ranges").value`))
	b.Must(err == nil, "read the ranges: %v", err)
	b.Must(strings.TrimSpace(ranges) == "2024-12-20..2024-12-31 休假", "the saved range is not in the form: %q", ranges)
	b.Screenshot("account-quiet-days")
	quiet, err := f.st.QuietDaysOf(ctx, []int64{pid}, calendar.DateOf(testNow))
	if err != nil {
		t.Fatal(err)
	}
	if q := quiet[pid]; len(q.Weekdays) != 1 || q.Weekdays[0] != 6 || len(q.Ranges) != 1 || q.Ranges[0].Note != "休假" {
		t.Errorf("quiet days from the browser: %+v, want Saturdays and the leave", q)
	}
	b.Logout()
	b.Login(base, u.Login, "mein-neues-passwort")
}
