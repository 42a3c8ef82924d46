package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/web/e2e"
	"github.com/zwgk/zwgk/workflows"
)

// TestPagesInBrowser walks the main pages of each role in headless Chromium against the handler
// (the workflows are the recorder here; the end-to-end test in web/e2e runs the real ones), on a
// desktop and a phone viewport, and keeps screenshots of each.
func TestPagesInBrowser(t *testing.T) {
	f := newFixture(t, true)
	b := e2e.NewBrowser(t)
	base := f.ts.URL

	// Office: my items, an item, completing it through the form.
	b.Login(base, "bangongshi", "password-bangongshi")
	b.Must(strings.Contains(b.Location(), "/items"), "office home is not /items")
	b.Must(strings.Contains(b.Text("#items"), "逾期 3 个工作日"), "my items lack the overdue count")
	b.Screenshot("office-items")
	b.Phone()
	b.Screenshot("office-items-phone")
	b.Do("open item", chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-item="%d"] a`, f.itemA1))), chromedp.WaitVisible(chromedp.ID("complete-form")))
	b.Screenshot("office-item-phone")
	b.Desktop()
	b.Screenshot("office-item")
	b.Do("complete",
		chromedp.SendKeys(chromedp.ID("evidence_url"), "https://gk.example.gov.cn/2024/nb.html"),
		chromedp.SendKeys(chromedp.ID("note"), "已发布"),
		chromedp.Click(chromedp.ID("complete-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	b.Must(strings.Contains(b.Text(".flash"), "已标记完成"), "no confirmation after completing")
	c, n := f.cmd.last()
	if n != 1 || c.op != "complete" || c.arg.(workflows.Completion).EvidenceURL != "https://gk.example.gov.cn/2024/nb.html" {
		t.Fatalf("the form sent %+v", c)
	}
	b.Do("calendar page", chromedp.Navigate(fmt.Sprintf("%s/offices/%d/calendar", base, f.officeA1)), chromedp.WaitVisible(chromedp.ID("ical-url")))
	b.Must(strings.Contains(b.Text("#ical-url"), "/ical/"), "no feed URL")
	b.Logout()

	// Supervisor: the dashboard, filtered.
	b.Login(base, "lingdao", "password-lingdao")
	b.Must(strings.Contains(b.Location(), "/dashboard"), "supervisor home is not /dashboard")
	b.Must(b.Text("#total-overdue") == "1", "dashboard overdue total %q", b.Text("#total-overdue"))
	b.Must(!strings.Contains(b.Body(), foreignTitle), "supervisor sees the foreign unit")
	b.Screenshot("supervisor-dashboard")
	b.Phone()
	b.Screenshot("supervisor-dashboard-phone")
	b.Desktop()
	b.Logout()

	// Admin: policy, users, audit, the dev outbox.
	b.Login(base, "root", "password-root")
	for _, p := range []struct{ path, sel, shot string }{
		{"/dashboard", "#overdue", "admin-dashboard"},
		{"/admin/policy", "#default-policy", "admin-policy"},
		{"/admin/users", "main h1", "admin-users"},
		{"/admin/directory", "#directory-offices", "admin-directory"},
		{"/admin/deliveries", "#deliveries", "admin-deliveries"},
		{"/admin/outbox", "#outbox", "admin-outbox"},
		{"/admin/audit", "#audit", "admin-audit"},
	} {
		b.Do(p.path, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)))
		b.Must(strings.Contains(b.Text("#devmode"), "开发模式"), "%s is not marked 开发模式", p.path)
		b.Screenshot(p.shot)
	}
	b.Must(strings.Contains(b.Text("#audit"), "登记完成"), "the audit log lacks the completion")
	f.walkDirectory(t, b)
	b.Logout()

	// A signed link from a reminder, opened on a phone without signing in.
	s, err := links.NewSigner(string(f.srv.opt.Secret), f.srv.opt.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CycleLink(links.Complete, f.itemA4, "2024", "person:3", testNow.Add(72*3600e9), "")
	if err != nil {
		t.Fatal(err)
	}
	b.Phone()
	b.Do("open link", chromedp.Navigate(base+strings.TrimPrefix(u, f.srv.opt.BaseURL)), chromedp.WaitVisible(chromedp.ID("link-form")))
	b.Screenshot("link-confirm-phone")
	b.Do("confirm link",
		chromedp.SendKeys(chromedp.ID("evidence_url"), "https://gk.example.gov.cn/x.html"),
		chromedp.Click(chromedp.ID("link-confirm")),
		chromedp.WaitVisible(chromedp.ID("link-done")),
	)
	c, n = f.cmd.last()
	if n != 2 || c.arg.(workflows.Completion).By != "link:person:3" {
		t.Fatalf("the link sent %+v", c)
	}
	t.Logf("screenshots in %s", e2e.ArtifactsDir(t))
}
