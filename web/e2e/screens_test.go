package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
)

// screenMaxBytes bounds each README screenshot: the repository keeps them.
const screenMaxBytes = 200 << 10

// TestScreens writes the README's screenshots of the issue-14 pages against a real `zwgk dev`:
//
//	ZWGK_SCREENSHOTS=docs/img go test -count=1 -run TestScreens ./web/e2e
//
// (a relative directory is the module root's). The admin imports the Jinzhai 2024 list as in
// TestFlow, so its 4月底 deadlines are overdue and escalated; the items get 分值 and deduction
// rules of the forms the assessment lists use (the demo has no assessment list); a supervisor
// of the unit then walks the items list filtered, the dashboard's 督办单, the charts, the month
// calendar, the 通报 and the points at stake, and reads 我的账号 on a phone. Each page is checked
// for what it is about before it is kept, and each PNG must stay under 200 KB. Without the
// variable it does nothing: the screenshots are documentation, rewritten when pages change.
func TestScreens(t *testing.T) {
	dir := os.Getenv("ZWGK_SCREENSHOTS")
	if dir == "" {
		t.Skip("ZWGK_SCREENSHOTS unset: set it (docs/img) to write the README's screenshots")
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dev := startDev(t)
	b := NewBrowser(t)
	b.Do("desktop", chromedp.EmulateViewport(1200, 820, chromedp.EmulateScale(1)))
	sample := filepath.Join(moduleRoot(t), "web", "testdata", "jinzhai-2024-responsibility-list.txt")

	b.Login(dev.URL, dev.Login, dev.Password)
	b.Do("lists page", chromedp.Navigate(dev.URL+"/admin/lists"), chromedp.WaitVisible(chromedp.ID("upload-form")))
	b.Do("fill upload",
		chromedp.SendKeys(chromedp.ID("new_unit"), "金寨县某局"),
		chromedp.SetValue(chromedp.ID("year"), "2024"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{sample}),
		chromedp.Click(chromedp.ID("create_offices")),
	)
	b.Submit("preview", "#preview-submit")
	if _, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[any](`document.querySelectorAll('select.group-select option').forEach(o => { o.selected = o.value === '办公室' })`)); err != nil {
		t.Fatal(err)
	}
	b.Submit("fix directory", "#fix-submit")
	b.Submit("commit", "#commit-submit")
	b.Must(strings.Contains(b.Text(".flash"), "已导入"), "no confirmation of the import")

	b.Do("users page", chromedp.Navigate(dev.URL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users"]`)))
	b.Do("fill user",
		chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "leader"),
		chromedp.SetValue(chromedp.CSS(`select[name="role"]`), "supervisor"),
	)
	// the demo's 分管领导 is the person the leader's reminders go to: 我的账号 shows their settings
	if _, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[any](`document.querySelectorAll('select[name="units"] option').forEach(o => { o.selected = o.textContent.includes("金寨县某局") });
		document.querySelectorAll('form[action="/admin/users"] select[name="person"] option').forEach(o => { o.selected = o.textContent.startsWith("分管领导") })`)); err != nil {
		t.Fatal(err)
	}
	b.Submit("create leader", `form[action="/admin/users"] button[type="submit"]`)
	password := b.Text("#new-password")
	b.Must(password != "", "no generated password for leader")
	b.Logout()

	seedScores(t, dev.DB, "金寨县某局")

	b.Login(dev.URL, "leader", password)
	waitFor(t, b, 3*time.Minute, "the workflows to report the overdue items", func() bool {
		b.Do("dashboard", chromedp.Navigate(dev.URL+"/dashboard"), chromedp.WaitVisible(chromedp.ID("total-overdue")))
		return firstOverdueOf(t, b, "办公室") != ""
	})
	// the item workflows report one by one: wait until the count holds still
	last := ""
	waitFor(t, b, 2*time.Minute, "the overdue count to settle", func() bool {
		b.Do("dashboard", chromedp.Navigate(dev.URL+"/dashboard"), chromedp.WaitVisible(chromedp.ID("total-overdue")))
		n := b.Text("#total-overdue")
		settled := n == last
		last = n
		return settled
	})
	shots := []struct {
		name, path, sel, want string
	}{
		{"items-filtered", "/items?status=overdue&q=公开", "#items", "已逾期"},
		{"dashboard-duban", "/dashboard", "#overdue", "督办单"},
		{"charts", "/charts?year=2024", "#chart-rates", "完成率"},
		{"month-calendar", "/month?month=2024-04", "#month", "4月"},
		{"tongbao", "/tongbao?month=2024-04", "#tongbao", "各科室完成情况"},
		{"points", "/points", "#points-first", "计算方式"},
	}
	for _, s := range shots {
		b.Do(s.name, chromedp.Navigate(dev.URL+s.path), chromedp.WaitVisible(chromedp.CSS(s.sel)))
		b.Must(strings.Contains(b.Body(), s.want), "%s does not show %q", s.path, s.want)
		screen(t, b, dir, s.name)
	}
	b.Do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	b.Do("account", chromedp.Navigate(dev.URL+"/account"), chromedp.WaitVisible(chromedp.ID("settings")))
	b.Must(strings.Contains(b.Body(), "我的账号") && strings.Contains(b.Body(), "分管领导"), "/account is not the leader's 我的账号")
	screen(t, b, dir, "account-phone")
}

// screen saves the viewport (not the full page, which would outgrow a README) as NAME.png and
// fails when it is over screenMaxBytes.
func screen(t *testing.T, b *Browser, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(b.Ctx(), chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("e2e: screenshot %s: %v", name, err)
	}
	if len(png) > screenMaxBytes {
		t.Errorf("e2e: screenshot %s is %d KB, over %d KB", name, len(png)>>10, screenMaxBytes>>10)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s.png: %d KB", name, len(png)>>10)
}

// seedScores gives the unit's items 分值 and deduction rules as an assessment list states them
// (no form sets them: they come from an imported 考核细则's columns).
func seedScores(t *testing.T, dbURL, unit string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tag, err := conn.Exec(ctx, `
		UPDATE items i SET score = (ARRAY[2, 4, 1.5, 3, 1])[1 + i.seq % 5],
		       deduction = (ARRAY['每处扣0.5分', '未按时公开的扣2分', '此项不得分', '每发现一次扣1分，最多扣2分', ''])[1 + i.seq % 5]
		FROM lists l JOIN units u ON u.id = l.unit_id
		WHERE l.id = i.list_id AND u.name = $1`, unit)
	if err != nil {
		t.Fatal(err)
	}
	if tag.RowsAffected() == 0 {
		t.Fatal(fmt.Errorf("e2e: no items of %s to score", unit))
	}
}
