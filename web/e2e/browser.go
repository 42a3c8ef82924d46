// Package e2e drives zwgk's web app in headless Chromium (Debian's chromium package, through
// chromedp): the browser harness the page tests of package web use, and, in its own tests, the
// end-to-end flow against a real `zwgk dev`.
//
// Chromium is found at $ZWGK_CHROMIUM or as chromium / chromium-browser / google-chrome on the
// PATH. A test that needs it fails, never skips, when it is missing: CI installs it
// (apt-get install -y chromium fonts-noto-cjk), and a skipped browser test would report a
// pass it did not earn.
//
// Screenshots go to $ZWGK_E2E_ARTIFACTS, or web/e2e/artifacts (ignored by git); the ones kept
// in the repository as documentation are copied to web/e2e/screenshots by hand.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is one headless Chromium with a fresh profile, closed when the test ends.
type Browser struct {
	t   testing.TB
	ctx context.Context
}

// Chromium returns the browser's path or fails the test with how to install it.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("ZWGK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("e2e: no Chromium: install it (Debian: apt-get install -y chromium fonts-noto-cjk) or set ZWGK_CHROMIUM")
	return ""
}

// NewBrowser starts Chromium. The flags keep it from phoning home or waiting on first-run
// dialogs, and run it without a sandbox (containers and CI run as root).
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "zh-CN"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now, so that a failure names it
		t.Fatalf("e2e: start Chromium: %v", err)
	}
	return &Browser{t: t, ctx: ctx}
}

// Ctx is the browser's context, for chromedp actions the helpers do not cover.
func (b *Browser) Ctx() context.Context { return b.ctx }

// Do runs actions and fails the test on error, naming the step.
func (b *Browser) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("e2e: %s: %v", step, err)
	}
}

// Text returns the text of the first element matching a CSS selector.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("e2e: text of %s: %v", sel, err)
	}
	return s
}

// Location is the current URL.
func (b *Browser) Location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("e2e: location: %v", err)
	}
	return s
}

// Body is the page's visible text.
func (b *Browser) Body() string { return b.Text("body") }

// Phone switches to a phone-sized viewport (390×844 at 3×, touch), as offices read reminders.
func (b *Browser) Phone() {
	b.t.Helper()
	b.Do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile))
}

// Desktop switches back to a desktop viewport.
func (b *Browser) Desktop() {
	b.t.Helper()
	b.Do("desktop viewport", chromedp.EmulateViewport(1280, 900, chromedp.EmulateScale(1)))
}

// Screenshot saves a full-page PNG as NAME.png in the artifacts directory and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("e2e: screenshot %s: %v", name, err)
	}
	dir := ArtifactsDir(b.t)
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatalf("e2e: screenshot %s: %v", name, err)
	}
	return p
}

// ArtifactsDir is where screenshots go, created if missing.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("ZWGK_E2E_ARTIFACTS")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("e2e: artifacts: %v", err)
	}
	return dir
}

// Login signs in through the login form and waits for the page it leads to.
func (b *Browser) Login(base, login, password string) {
	b.t.Helper()
	b.Do("login as "+login,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	b.Submit("login as "+login, "#login-submit")
	if strings.Contains(b.Location(), "/login") {
		b.t.Fatalf("e2e: login as %s failed: %s", login, b.Body())
	}
}

// Submit clicks a button that submits a form and waits for the page the answer leads to
// (redirects followed).
func (b *Browser) Submit(step, button string) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
		b.t.Fatalf("e2e: %s: %v", step, err)
	}
	b.Do(step, chromedp.WaitReady(chromedp.CSS("main")))
}

// Logout signs out with the header's button.
func (b *Browser) Logout() {
	b.t.Helper()
	b.Do("logout", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("login")))
}

// Must fails the test when ok is false, with the page text for context.
func (b *Browser) Must(ok bool, format string, args ...any) {
	b.t.Helper()
	if !ok {
		b.t.Fatalf("e2e: %s\npage %s:\n%s", fmt.Sprintf(format, args...), b.Location(), b.Body())
	}
}
