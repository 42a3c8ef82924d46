package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/web/e2e"
)

// walkDirectory drives the admin's directory pages in the browser, signed in as the admin: a
// refused and an accepted new person, a supervisor on the unit page, a robot on the office
// page, the person page, and a roster through its preview and confirmation, on a desktop and a
// phone.
func (f *fixture) walkDirectory(t *testing.T, b *e2e.Browser) {
	t.Helper()
	ctx := context.Background()
	base := f.ts.URL

	b.Do("directory", chromedp.Navigate(base+"/admin/directory"), chromedp.WaitVisible(chromedp.ID("directory-units")))
	b.Do("new person, bad email",
		chromedp.Click(chromedp.CSS("#new-person-box > summary")),
		chromedp.WaitVisible(chromedp.ID("np-name")),
		chromedp.SendKeys(chromedp.ID("np-name"), "周九"),
		chromedp.SendKeys(chromedp.ID("np-email"), "zj@"),
		chromedp.SendKeys(chromedp.ID("np-mobile"), "137 0013 7000"),
		chromedp.SetValue(chromedp.ID("np-office"), fmt.Sprint(f.officeA1)),
	)
	b.Submit("new person, bad email", "#new-person-submit")
	b.Must(strings.Contains(b.Text("#form-error"), "邮箱“zj@”格式不正确"), "no message for a bad email")
	b.Screenshot("admin-directory-refused")
	// The form is open again with what was typed; correct the email and send it again.
	b.Do("new person, corrected",
		chromedp.WaitVisible(chromedp.ID("np-email")),
		chromedp.SetValue(chromedp.ID("np-email"), "zj@a.gov.cn"),
	)
	b.Submit("new person, corrected", "#new-person-submit")
	b.Must(strings.Contains(b.Text(".flash"), "已添加周九为甲局 办公室的联系人"), "no confirmation of the new person")
	p, err := f.st.PersonByAddress(ctx, "13700137000")
	if err != nil || p.Email != "zj@a.gov.cn" {
		t.Fatalf("the person made in the browser: %+v, %v", p, err)
	}
	b.Phone()
	b.Screenshot("admin-directory-phone")
	b.Desktop()

	// The unit: make 周九 the supervising leader at the level the ladder escalates to.
	b.Do("unit page", chromedp.Navigate(fmt.Sprintf("%s/admin/units/%d", base, f.unitA)), chromedp.WaitVisible(chromedp.ID("unit-ladder")))
	b.Must(strings.Contains(b.Text("#unit-ladder"), "无人接收"), "the ladder does not say that nobody supervises yet")
	b.Do("supervisor", chromedp.SetValue(chromedp.ID("sup-person"), fmt.Sprint(p.ID)))
	b.Submit("supervisor", "#attach-submit")
	b.Must(strings.Contains(b.Text(".flash"), "周九现为甲局的分管领导（3级）"), "no confirmation of the supervisor")
	b.Must(strings.Contains(b.Text("#unit-ladder"), "周九（分管领导，3级）"), "the ladder does not reach the new supervisor")
	b.Screenshot("admin-unit")
	b.Phone()
	b.Screenshot("admin-unit-phone")
	b.Desktop()

	// The office: a DingTalk robot whose token and secret the page never shows again.
	const token, secret = "browserTOKEN0123456789", "SECbrowser0123456789"
	b.Do("office page", chromedp.Navigate(fmt.Sprintf("%s/admin/offices/%d", base, f.officeA1)), chromedp.WaitVisible(chromedp.ID("office-people")))
	b.Must(strings.Contains(b.Text("#office-people"), "周九"), "the office page lacks its contact")
	b.Do("robot",
		chromedp.Click(chromedp.CSS("#robot-box > summary")),
		chromedp.WaitVisible(chromedp.ID("robot-webhook")),
		chromedp.SendKeys(chromedp.ID("robot-webhook"), "https://oapi.dingtalk.com/robot/send?access_token="+token),
		chromedp.SendKeys(chromedp.ID("robot-secret"), secret),
	)
	b.Submit("robot", "#robot-submit")
	b.Must(strings.Contains(b.Text(".flash"), "已添加钉钉机器人"), "no confirmation of the robot")
	b.Must(strings.Contains(b.Text("#office-robots"), "oapi.dingtalk.com"), "the robot is not listed")
	html, err := chromedp.Run(b.Ctx(), chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	b.Must(!strings.Contains(html, token) && !strings.Contains(html, secret), "the office page shows the robot's credentials")
	b.Screenshot("admin-office")
	b.Phone()
	b.Screenshot("admin-office-phone")
	b.Desktop()

	b.Do("person page", chromedp.Navigate(fmt.Sprintf("%s/admin/people/%d", base, p.ID)), chromedp.WaitVisible(chromedp.ID("person-roles")))
	b.Must(strings.Contains(b.Text("#person-roles"), "分管领导"), "the person page lacks the supervisor role")
	b.Screenshot("admin-person")
	b.Phone()
	b.Screenshot("admin-person-phone")
	b.Desktop()

	// A roster: preview, then confirm.
	file := filepath.Join(t.TempDir(), "名单.xlsx")
	if err := os.WriteFile(file, rosterFile(t,
		[]any{"吴十", "wushi@a.gov.cn", "", "邮件", "", "法规科", "联系人", "", "", ""},
		[]any{"周九", "zj@a.gov.cn", "", "", "", "法规科", "负责人", "", "", ""},
	), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Do("roster upload",
		chromedp.Navigate(base+"/admin/directory"),
		chromedp.WaitVisible(chromedp.ID("roster-file")),
		chromedp.SetUploadFiles(chromedp.ID("roster-file"), []string{file}),
		chromedp.SetValue(chromedp.ID("roster-unit"), fmt.Sprint(f.unitA)),
	)
	b.Submit("roster preview", "#roster-submit")
	b.Do("roster preview", chromedp.WaitVisible(chromedp.ID("roster-plan")))
	b.Must(b.Text("#plan-new") == "1", "the preview counts %q new people", b.Text("#plan-new"))
	b.Screenshot("admin-roster-preview")
	b.Phone()
	b.Screenshot("admin-roster-preview-phone")
	b.Desktop()
	b.Submit("roster confirm", "#roster-confirm-submit")
	b.Must(strings.Contains(b.Text(".flash"), "已导入名单 名单.xlsx：新建 1 人"), "no confirmation of the roster import")
	b.Must(strings.Contains(b.Text("#directory-people"), "吴十"), "the imported person is not listed")
}
