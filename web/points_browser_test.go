package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/web/e2e"
)

// TestPointsInBrowser: a supervisor reaches 分值风险 from the menu and reads the summary and the
// offices' table in Chromium, on a desktop and a phone; an admin reaches it too; an office user
// has no such menu entry.
func TestPointsInBrowser(t *testing.T) {
	f := newFixture(t, false)
	if _, err := f.st.Pool.Exec(context.Background(), `UPDATE items SET score = 4, deduction = '未按时公开扣4分' WHERE id = $1`, f.itemA1); err != nil {
		t.Fatal(err)
	}
	b := e2e.NewBrowser(t)
	base := f.ts.URL

	b.Login(base, "lingdao", "password-lingdao")
	b.Do("items", chromedp.Navigate(base+"/items"), chromedp.WaitVisible(chromedp.CSS("header.top nav")))
	b.Do("分值风险", chromedp.Click(chromedp.CSS(`header.top nav a[href="/points"]`)), chromedp.WaitVisible(chromedp.ID("points")))
	b.Must(strings.Contains(b.Text("#points-summary"), "将因逾期失分 4 分"), "the summary says %q", b.Text("#points-summary"))
	b.Must(strings.Contains(b.Text("#points-offices"), "办公室"), "the offices' table lacks 办公室: %q", b.Text("#points-offices"))
	b.Must(strings.Contains(b.Text("#points-first"), "未按时公开扣4分"), "the list to do first lacks the deduction rule")
	b.Screenshot("supervisor-points")
	b.Phone()
	b.Screenshot("supervisor-points-phone")
	b.Desktop()
	b.Logout()

	b.Login(base, "root", "password-root")
	b.Do("admin points", chromedp.Click(chromedp.CSS(`header.top nav a[href="/points"]`)), chromedp.WaitVisible(chromedp.ID("points")))
	// the first unit of every unit (乙局) has no 分值: the page says so instead of a summary
	b.Must(strings.Contains(b.Text("#points"), "考核分值风险"), "the admin's page says %q", b.Text("#points"))
	b.Logout()

	b.Login(base, "fagui", "password-fagui")
	b.Do("office items", chromedp.Navigate(base+"/items"), chromedp.WaitVisible(chromedp.CSS("header.top nav")))
	b.Must(!strings.Contains(b.Text("header.top nav"), "分值风险"), "an office user is offered 分值风险")
}
