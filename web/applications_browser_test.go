package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/web/e2e"
)

// An admin registers an application in Chromium, sees its due day on working days and the
// case file, answers it and signs it off, against the real workflows.
func TestApplicationInBrowser(t *testing.T) {
	f := liveApplications(t)
	ctx := context.Background()
	b := e2e.NewBrowser(t)
	base := f.ts.URL
	today := calendar.DateOf(time.Now())
	received, _ := f.srv.cal.get(ctx).AddWorkingDays(today, -1)
	due, _ := application.Clock{Start: received}.Due(f.srv.cal.get(ctx), received)

	b.Login(base, "root", "password-root")
	b.Do("register page", chromedp.Navigate(base+"/applications"), chromedp.WaitVisible(chromedp.ID("application-form")))
	b.Screenshot("applications-empty")
	b.Do("fill the form",
		chromedp.SetValue(chromedp.ID("office"), itoa(f.officeA1)),
		chromedp.SetValue(chromedp.ID("applicant_type"), "person"),
		chromedp.SendKeys(chromedp.ID("applicant_name"), "浏览器申请人"),
		chromedp.SetValue(chromedp.ID("channel"), "in_person"),
		chromedp.SetValue(chromedp.ID("handed_in"), received.String()),
		chromedp.SendKeys(chromedp.ID("content"), "申请公开2026年某道路改造工程的立项批复"),
		chromedp.Click(chromedp.ID("application-submit")),
		chromedp.WaitVisible(chromedp.ID("application-title")),
	)
	b.Must(strings.Contains(b.Text(".flash"), "已登记，答复期限 "+due.String()), "flash %q, want the due day %s", b.Text(".flash"), due)
	b.Must(strings.Contains(b.Text("#application-due"), due.String()), "case page due %q", b.Text("#application-due"))
	b.Screenshot("application-case")
	b.Phone()
	b.Screenshot("application-case-phone")
	b.Desktop()
	// the workflow's first record arrives on its own; reload until the case file shows it
	for i := 0; i < 50 && !strings.Contains(b.Body(), `id="timeline"`); i++ {
		time.Sleep(100 * time.Millisecond)
		b.Do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("application-title")))
	}
	b.Must(strings.Contains(b.Text("#timeline"), "登记"), "timeline %q", b.Text("#timeline"))
	b.Do("reply",
		chromedp.SetValue(chromedp.ID("result"), "unable/not_held"),
		chromedp.Click(chromedp.ID("reply-submit")),
		chromedp.WaitVisible(chromedp.ID("close-form")),
	)
	b.Must(strings.Contains(b.Text("#application-reply"), "无法提供：本机关不掌握相关政府信息"), "reply %q", b.Text("#application-reply"))
	b.Do("close", chromedp.Click(chromedp.CSS("#close-form button")), chromedp.WaitNotPresent(chromedp.ID("close-form")), chromedp.WaitVisible(chromedp.ID("application-state")))
	b.Must(b.Text("#application-state") == "已办结", "state %q after the sign-off", b.Text("#application-state"))
	b.Do("report", chromedp.Navigate(base+"/applications/report?unit="+itoa(f.unitA)+"&year="+itoa(int64(received.Year))), chromedp.WaitVisible(chromedp.ID("report")))
	b.Must(strings.Contains(b.Text(`#report tr[data-code="not_held"]`), "1"), "report row %q", b.Text(`#report tr[data-code="not_held"]`))
	b.Screenshot("application-report")
	b.Logout()
}
