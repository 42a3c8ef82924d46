package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/web/e2e"
)

// TestReportsInBrowser opens the charts, the month calendar and a 404 in headless Chromium, as
// the CSP-bound browser of a supervisor and of an office user sees them, on a desktop and a phone:
// the inline SVG is drawn (the CSP admits it), the calendar grid fits its seven columns, and on a
// phone the menu folds behind 菜单 and opens without a script.
func TestReportsInBrowser(t *testing.T) {
	f := newFixture(t, false)
	b := e2e.NewBrowser(t)
	base := f.ts.URL
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}

	b.Login(base, "lingdao", "password-lingdao")
	b.Do("charts", chromedp.Navigate(fmt.Sprintf("%s/charts?unit=%d&year=2024", base, f.unitA)), chromedp.WaitVisible(chromedp.CSS("#chart-rates svg")))
	// a drawn bar has a size on the page: an SVG the browser refused would have none
	w := eval(`String(Math.round(document.querySelector('#chart-rates rect.s-done').getBoundingClientRect().height))`)
	b.Must(w != "0", "the completion bar is not drawn (height %s)", w)
	b.Must(eval(`getComputedStyle(document.querySelector('#chart-overdue rect.s-overdue')).fill`) != "rgb(0, 0, 0)",
		"the overdue bars are not coloured by the stylesheet")
	b.Must(strings.Contains(b.Text("#chart-rates table"), "4月"), "the rates table is not shown beside the chart")
	b.Screenshot("supervisor-charts")
	b.Phone()
	b.Must(eval(`getComputedStyle(document.querySelector('header.top nav')).display`) == "none", "the phone menu is not folded")
	b.Do("open menu", chromedp.Click(chromedp.CSS(".menu-button")))
	b.Must(eval(`getComputedStyle(document.querySelector('header.top nav')).display`) == "flex", "the phone menu does not open")
	b.Must(strings.Contains(b.Text("header.top nav"), "统计图表"), "the menu lacks 统计图表")
	b.Screenshot("supervisor-charts-phone-menu")
	b.Do("close menu", chromedp.Click(chromedp.CSS(".menu-button")))
	b.Screenshot("supervisor-charts-phone")
	b.Desktop()
	b.Must(eval(`getComputedStyle(document.querySelector('header.top nav')).display`) == "flex", "the desktop menu is hidden")
	b.Do("通报", chromedp.Click(chromedp.CSS(`header.top nav a[href="/tongbao"]`)), chromedp.WaitVisible(chromedp.ID("tongbao")))
	b.Must(strings.Contains(b.Text("#tongbao-summary"), "2024年4月到期 2 个周期"), "the 通报 reports %q", b.Text("#tongbao-summary"))
	b.Screenshot("supervisor-tongbao")
	b.Logout()

	b.Login(base, "fagui", "password-fagui")
	b.Do("month", chromedp.Navigate(base+"/month?month=2024-05"), chromedp.WaitVisible(chromedp.ID("month")))
	b.Must(eval(`String(document.querySelectorAll('#month tbody tr:first-child td').length)`) == "7", "a week is not seven days")
	b.Must(strings.Contains(b.Text(`#month td[data-date="2024-05-13"]`), "公开部门预算"), "A2 is not on its due day")
	b.Must(strings.Contains(b.Text(`#month td[data-date="2024-05-01"]`), "休"), "劳动节 is not marked")
	b.Screenshot("office-month")
	b.Do("next month", chromedp.Click(chromedp.ID("month-next")), chromedp.WaitVisible(chromedp.ID("month")))
	b.Must(strings.Contains(b.Location(), "month=2024-06"), "下个月 goes to %s", b.Location())
	b.Phone()
	b.Screenshot("office-month-phone")
	b.Desktop()

	b.Do("404", chromedp.Navigate(base+"/nonexistent"), chromedp.WaitVisible(chromedp.CSS(".errorpage")))
	b.Must(strings.Contains(b.Text("main"), "页面不存在"), "the 404 page is not in Chinese")
	b.Screenshot("office-404")
	b.Logout()
	t.Logf("screenshots in %s", e2e.ArtifactsDir(t))
}
