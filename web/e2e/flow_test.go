package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// devServer is a running `zwgk dev`: the real binary with its embedded Temporal server, its
// worker and the web app, on a fresh database.
type devServer struct {
	URL      string
	Login    string
	Password string
	DB       string // its database, for tests that seed what the UI cannot enter

	mu  sync.Mutex
	out strings.Builder
}

func (d *devServer) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

func moduleRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("e2e: module root not found from %s", file)
	}
	return root
}

// demoLoginRe matches the line in which `zwgk dev` prints the demo admin:
// "  web UI       http://127.0.0.1:8080   login admin / Xy3…".
var demoLoginRe = regexp.MustCompile(`login (\S+) / (\S+)`)

// startDev builds cmd/zwgk and runs `zwgk dev` until the test ends.
func startDev(t *testing.T) *devServer {
	t.Helper()
	root := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "zwgk")
	build := exec.Command("go", "build", "-o", bin, "./cmd/zwgk")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("e2e: go build ./cmd/zwgk: %v\n%s", err, out)
	}
	port := testenv.FreePort(t)
	d := &devServer{URL: fmt.Sprintf("http://127.0.0.1:%d", port), DB: testenv.DatabaseURL(t)}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "dev")
	cmd.Env = append(os.Environ(),
		"ZWGK_DATABASE_URL="+d.DB,
		"ZWGK_DATA_DIR="+t.TempDir(),
		fmt.Sprintf("ZWGK_HTTP_ADDR=127.0.0.1:%d", port),
		"ZWGK_BASE_URL="+d.URL,
		"ZWGK_TEMPORAL_PORT=0",
		"ZWGK_SMTP_HOST=", // the dev outbox, not a mail server
	)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 20 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("e2e: start zwgk dev: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.out.WriteString(line + "\n")
			if m := demoLoginRe.FindStringSubmatch(line); m != nil && d.Password == "" {
				d.Login, d.Password = m[1], m[2]
			}
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		pw.Close()
		if t.Failed() {
			t.Logf("zwgk dev output:\n%s", d.output())
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get(d.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			d.mu.Lock()
			ready := resp.StatusCode == http.StatusOK && d.Password != ""
			d.mu.Unlock()
			if ready {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("e2e: zwgk dev not ready (and demo admin printed) after 3 minutes:\n%s", d.output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	return d
}

// TestFlow is the whole story in a browser against `zwgk dev`: an admin imports the Jinzhai
// 2024 list (creating its offices and saying what its groups mean), creates an office user and
// a supervisor; the workflows find the 2024 deadlines past and escalate; the supervisor sees
// the escalation; the office completes the item; the supervisor sees it disappear.
func TestFlow(t *testing.T) {
	dev := startDev(t)
	b := NewBrowser(t)
	sample := filepath.Join(moduleRoot(t), "web", "testdata", "jinzhai-2024-responsibility-list.txt")

	// The admin imports the list.
	b.Login(dev.URL, dev.Login, dev.Password)
	b.Do("lists page", chromedp.Navigate(dev.URL+"/admin/lists"), chromedp.WaitVisible(chromedp.ID("upload-form")))
	b.Must(strings.Contains(b.Text("#devmode"), "开发模式"), "zwgk dev pages are not marked 开发模式")
	b.Do("fill upload",
		chromedp.SendKeys(chromedp.ID("new_unit"), "金寨县某局"),
		chromedp.SetValue(chromedp.ID("year"), "2024"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{sample}),
		chromedp.Click(chromedp.ID("create_offices")),
	)
	b.Screenshot("flow-01-upload")
	b.Submit("preview", "#preview-submit")
	b.Must(strings.Contains(b.Body(), "导入预览"), "no preview page")
	b.Screenshot("flow-02-preview")
	// Say what the list's groups mean: every group is 办公室 here.
	if _, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[any](`document.querySelectorAll('select.group-select option').forEach(o => { o.selected = o.value === '办公室' })`)); err != nil {
		t.Fatal(err)
	}
	b.Submit("fix directory", "#fix-submit")
	b.Must(strings.Contains(b.Body(), "确认导入"), "the preview still has errors after fixing the directory")
	b.Screenshot("flow-03-preview-ok")
	b.Submit("commit", "#commit-submit")
	b.Must(strings.Contains(b.Text(".flash"), "已导入"), "no confirmation of the import")
	b.Screenshot("flow-04-imported")

	// Users: 办公室's contact and the unit's supervisor.
	createUser := func(login, role, scopeSelect, scopeText string) string {
		b.Do("users page", chromedp.Navigate(dev.URL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/users"]`)))
		b.Do("fill user",
			chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), login),
			chromedp.SetValue(chromedp.CSS(`select[name="role"]`), role),
		)
		js := fmt.Sprintf(`document.querySelectorAll('select[name="%s"] option').forEach(o => { o.selected = o.textContent.includes(%q) })`, scopeSelect, scopeText)
		if _, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[any](js)); err != nil {
			t.Fatal(err)
		}
		b.Submit("create "+login, `form[action="/admin/users"] button[type="submit"]`)
		pw := b.Text("#new-password")
		b.Must(pw != "", "no generated password for %s", login)
		return pw
	}
	officePW := createUser("bgs", "office", "offices", "金寨县某局 · 办公室")
	supPW := createUser("leader", "supervisor", "units", "金寨县某局")
	b.Screenshot("flow-05-users")
	b.Logout()

	// The supervisor waits for the workflows to report the overdue items of 办公室.
	b.Login(dev.URL, "leader", supPW)
	var item string // the id of the item the office will complete
	waitFor(t, b, 2*time.Minute, "the dashboard to show 办公室's overdue items", func() bool {
		b.Do("dashboard", chromedp.Navigate(dev.URL+"/dashboard?sort=office"), chromedp.WaitVisible(chromedp.ID("total-overdue")))
		item = firstOverdueOf(t, b, "办公室")
		return item != ""
	})
	b.Screenshot("flow-06-dashboard-escalated")
	b.Logout()

	// The office completes it.
	b.Login(dev.URL, "bgs", officePW)
	b.Phone()
	b.Screenshot("flow-07-office-items-phone")
	b.Must(strings.Contains(overdueRows(b, "#items"), item), "item %s is not among the office's items", item)
	b.Do("open item", chromedp.Click(chromedp.CSS(`#items tr[data-item="`+item+`"] a`)), chromedp.WaitVisible(chromedp.ID("complete-form")))
	b.Screenshot("flow-08-office-item-phone")
	b.Do("complete",
		chromedp.SendKeys(chromedp.ID("evidence_url"), "https://www.jinzhai.gov.cn/public/2024/example.html"),
		chromedp.SendKeys(chromedp.ID("note"), "已在门户网站发布"),
	)
	b.Submit("complete", "#complete-submit")
	b.Must(strings.Contains(b.Text(".flash"), "已标记完成"), "no confirmation of the completion")
	b.Desktop()
	b.Screenshot("flow-09-completed")
	b.Logout()

	// The supervisor sees the escalation gone.
	b.Login(dev.URL, "leader", supPW)
	waitFor(t, b, time.Minute, "the completed item to leave the dashboard", func() bool {
		b.Do("dashboard", chromedp.Navigate(dev.URL+"/dashboard"), chromedp.WaitVisible(chromedp.ID("total-overdue")))
		return !strings.Contains(overdueRows(b, "#overdue"), " "+item+" ")
	})
	b.Screenshot("flow-10-dashboard-after")
	b.Logout()

	// The admin finds the reminders in the dev outbox and the change in the audit log.
	b.Login(dev.URL, dev.Login, dev.Password)
	b.Do("outbox", chromedp.Navigate(dev.URL+"/admin/outbox"), chromedp.WaitVisible(chromedp.ID("outbox")))
	b.Screenshot("flow-11-outbox")
	b.Do("audit", chromedp.Navigate(dev.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.ID("audit")))
	b.Must(strings.Contains(b.Text("#audit"), "登记完成") && strings.Contains(b.Text("#audit"), "导入清单"), "audit log lacks the import or the completion")
	b.Screenshot("flow-12-audit")
}

// overdueRows lists the item ids of a table's rows, space-separated with spaces around.
func overdueRows(b *Browser, table string) string {
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`' ' + [...document.querySelectorAll('%s tbody tr[data-item]')].map(tr => tr.dataset.item).join(' ') + ' '`, table)))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// firstOverdueOf returns the id of the first overdue item whose offices include office.
func firstOverdueOf(t *testing.T, b *Browser, office string) string {
	js := fmt.Sprintf(`(() => { for (const tr of document.querySelectorAll('#overdue tbody tr')) {
		if (tr.children[1].innerText.includes(%q)) return tr.dataset.item } return '' })()`, office)
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitFor(t *testing.T, b *Browser, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("e2e: timed out waiting for %s; page:\n%s", what, b.Body())
		}
		time.Sleep(2 * time.Second)
	}
}
