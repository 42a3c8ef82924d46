package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
)

func TestSafeNext(t *testing.T) {
	for _, c := range []struct {
		next string
		ok   bool
	}{
		{"/items/1", true},
		{"/items?office=3&status=overdue", true},
		{"/dashboard#overdue", true},
		{"/items/%E5%8A%9E", true}, // a percent-encoded Chinese path is a path
		{"", false},
		{"items", false},
		{"//evil.example", false},
		{"//evil.example/x", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"/\t/evil.example", false}, // the attack: Chromium drops the tab and goes to //evil.example
		{"/%09/evil.example", false},
		{"/\n/evil.example", false},
		{"/%0d%0a/evil.example", false},
		{"/%0d%0aSet-Cookie:x=1", false},
		{"/\x7f/evil.example", false},
		{"/%7f/evil.example", false},
		{"/%2f/evil.example", false}, // decodes to //evil.example
		{"/%5cevil.example", false},  // decodes to /\evil.example
		{"%2f%2fevil.example", false},
		{"https://evil.example", false},
		{"http:/evil.example", false},
		{"javascript:alert(1)", false},
		{"/%zz", false}, // not decodable
		{" /items", false},
	} {
		got := safeNext(c.next)
		if c.ok && got != c.next || !c.ok && got != "/" {
			t.Errorf("safeNext(%q) = %q, want %v", c.next, got, map[bool]string{true: c.next, false: "/"}[c.ok])
		}
	}
}

// TestLoginRedirectStaysOnSite signs in with the open-redirect attack in next: the answer goes
// to "/", and a signed-in visit of /login?next=… does not follow it either.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")
	resp, body := anon.post("/login", url.Values{"login": {"bangongshi"}, "password": {"password-bangongshi"}, "next": {"/\t/evil.example"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("Location %q after a sign-in with next=/%%09/evil.example, want /", loc)
	}
	resp, body = anon.get("/login?next=/%09/evil.example")
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "evil.example") {
		t.Fatal("the sign-in form carries the foreign next into its hidden field")
	}
	office := f.as(t, "office")
	resp, body = office.get("/login?next=/%09/evil.example")
	wantStatus(t, resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("signed-in /login?next=/%%09/evil.example redirects to %q", loc)
	}
}

// TestLoginThrottleParallel sends 50 wrong passwords for one login at once. The attempts are
// counted under a row lock before any password is compared, so no more than the free attempts
// of the backoff reach the comparison (before: 18–19 of 50 against a limit of 5).
func TestLoginThrottleParallel(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")
	const n = 50
	var wg sync.WaitGroup
	statuses := make([]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"login": {"root"}, "password": {fmt.Sprintf("guess-%d", i)}, csrfField: {anon.csrf}}
			req, err := http.NewRequest("POST", f.ts.URL+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(anon.cookie)
			<-start
			resp, err := noRedirect.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	evaluated, refused := 0, 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("attempt %d: %v", i, errs[i])
		}
		switch statuses[i] {
		case http.StatusOK:
			evaluated++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Errorf("attempt %d: status %d", i, statuses[i])
		}
	}
	checks := f.srv.passwordChecks.Load()
	t.Logf("%d parallel wrong passwords for one login: %d reached the password check (limit %d), %d refused by the backoff",
		n, checks, loginPolicy.FreePerLogin, refused)
	if checks > int64(loginPolicy.FreePerLogin) {
		t.Fatalf("%d attempts reached the password check, want at most %d", checks, loginPolicy.FreePerLogin)
	}
	if int64(evaluated) != checks || evaluated+refused != n {
		t.Fatalf("%d answered as evaluated, %d refused, %d password checks", evaluated, refused, checks)
	}
	byLogin, _, err := f.st.LoginAttempts(context.Background(), "root", "127.0.0.1")
	if err != nil || byLogin != loginPolicy.FreePerLogin {
		t.Fatalf("attempts counted for root: %d, %v", byLogin, err)
	}
}

// clock is a test clock the backoff test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestLoginBackoff walks the backoff with a clock moved by hand: five free attempts, then 30 s
// before the next, doubling; the right password is refused like any other while it waits,
// and once it signs in the login's attempts are forgotten.
func TestLoginBackoff(t *testing.T) {
	f := newFixture(t, false)
	clk := &clock{now: testNow}
	f.srv.now = clk.Now
	anon := f.as(t, "anonymous")
	try := func(password string) (*http.Response, string) {
		t.Helper()
		return anon.post("/login", url.Values{"login": {"root"}, "password": {password}})
	}
	for i := range loginPolicy.FreePerLogin {
		resp, body := try(fmt.Sprintf("guess-%d", i))
		wantStatus(t, resp, body, http.StatusOK)
		if !strings.Contains(body, "用户名或密码错误") {
			t.Fatalf("attempt %d: %s", i, body)
		}
	}
	refused := func(wantSecs int) {
		t.Helper()
		resp, body := try("password-root")
		wantStatus(t, resp, body, http.StatusTooManyRequests)
		if want := fmt.Sprintf("请 %d 秒后再试", wantSecs); !strings.Contains(body, want) {
			t.Fatalf("refusal lacks %q: %s", want, body)
		}
		if got := resp.Header.Get("Retry-After"); got != fmt.Sprint(wantSecs) {
			t.Fatalf("Retry-After %q, want %d", got, wantSecs)
		}
	}
	refused(30)
	clk.add(29 * time.Second)
	refused(1) // refusals do not push the next attempt further
	clk.add(time.Second)
	resp, body := try("guess-5")
	wantStatus(t, resp, body, http.StatusOK)
	refused(60)
	clk.add(60 * time.Second)
	resp, body = try("password-root")
	wantStatus(t, resp, body, http.StatusSeeOther)
	// Signed in: the login starts afresh.
	for i := range loginPolicy.FreePerLogin {
		resp, body := try(fmt.Sprintf("again-%d", i))
		wantStatus(t, resp, body, http.StatusOK)
	}
	refused(30)
	// An hour without attempts forgets them.
	clk.add(loginPolicy.Forget + time.Minute)
	resp, body = try("password-root")
	wantStatus(t, resp, body, http.StatusSeeOther)
}

// TestLoginBackoffPerAddress: one address gets 30 free attempts over all the logins it tries,
// so spraying one password over many accounts is slowed too; another address is not.
func TestLoginBackoffPerAddress(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	for i := range loginPolicy.FreePerAddress {
		wait, err := f.st.BeginLogin(ctx, fmt.Sprintf("user%d", i), "127.0.0.1", testNow, loginPolicy)
		if err != nil || wait != 0 {
			t.Fatalf("attempt %d: wait %v, %v", i, wait, err)
		}
	}
	anon := f.as(t, "anonymous")
	resp, body := anon.post("/login", url.Values{"login": {"lingdao"}, "password": {"password-lingdao"}})
	wantStatus(t, resp, body, http.StatusTooManyRequests)
	wait, err := f.st.BeginLogin(ctx, "lingdao", "192.0.2.9", testNow, loginPolicy)
	if err != nil || wait != 0 {
		t.Fatalf("another address: wait %v, %v", wait, err)
	}
}

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.10/32"), netip.MustParsePrefix("fd00::/8")}
	for _, c := range []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no proxies: the peer, whatever the header says", nil, "198.51.100.7:4000", []string{"203.0.113.1"}, "198.51.100.7"},
		{"untrusted peer: its header is ignored", proxies, "198.51.100.7:4000", []string{"203.0.113.1"}, "198.51.100.7"},
		{"trusted peer without a header", proxies, "10.1.2.3:4000", nil, "10.1.2.3"},
		{"trusted peer: the hop it saw", proxies, "10.1.2.3:4000", []string{"203.0.113.1"}, "203.0.113.1"},
		{"a forged left-most hop is not believed", proxies, "10.1.2.3:4000", []string{"1.2.3.4, 203.0.113.1"}, "203.0.113.1"},
		{"chained trusted proxies are skipped", proxies, "10.1.2.3:4000", []string{"1.2.3.4, 203.0.113.1, 192.168.1.10, 10.9.9.9"}, "203.0.113.1"},
		{"several header lines read as one list", proxies, "10.1.2.3:4000", []string{"1.2.3.4", "203.0.113.1"}, "203.0.113.1"},
		{"garbage from the client stops the walk", proxies, "10.1.2.3:4000", []string{"evil, 10.9.9.9"}, "10.9.9.9"},
		{"all hops trusted: the left-most", proxies, "10.1.2.3:4000", []string{"10.5.5.5, 10.6.6.6"}, "10.5.5.5"},
		{"IPv6 peer and client", proxies, "[fd00::1]:4000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"IPv4-mapped peer", proxies, "[::ffff:10.1.2.3]:4000", []string{"203.0.113.1"}, "203.0.113.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &Server{opt: Options{TrustedProxies: c.trusted}}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientIP(r); got != c.want {
				t.Errorf("clientIP = %q, want %q", got, c.want)
			}
		})
	}
}

// TestForgedForwardedForDoesNotEvadeBackoff: without trusted proxies, a new X-Forwarded-For
// on every attempt is still one address.
func TestForgedForwardedForDoesNotEvadeBackoff(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")
	statuses := map[int]int{}
	for i := range loginPolicy.FreePerAddress + 5 {
		form := url.Values{"login": {fmt.Sprintf("spray%d", i)}, "password": {"123456"}, csrfField: {anon.csrf}}
		req, _ := http.NewRequest("POST", f.ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		req.AddCookie(anon.cookie)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	if statuses[http.StatusOK] != loginPolicy.FreePerAddress || statuses[http.StatusTooManyRequests] != 5 {
		t.Fatalf("answers %v, want %d evaluated and 5 refused", statuses, loginPolicy.FreePerAddress)
	}
}

// TestSessionAudit: sign-ins, failed sign-ins and sign-outs are in the audit log with the
// address they came from.
func TestSessionAudit(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	anon := f.as(t, "anonymous")
	resp, body := anon.post("/login", url.Values{"login": {"fagui"}, "password": {"wrong-password"}})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = anon.post("/login", url.Values{"login": {"nobody-here"}, "password": {"wrong-password"}})
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = anon.post("/login", url.Values{"login": {"fagui"}, "password": {"password-fagui"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	var session string
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = c.Value
		}
	}
	c := &client{t: t, f: f, cookie: &http.Cookie{Name: sessionCookie, Value: session}, csrf: f.srv.csrfToken(session)}
	resp, body = c.post("/logout", nil)
	wantStatus(t, resp, body, http.StatusSeeOther)

	entries, err := f.st.AuditLog(ctx, store.AuditFilter{ObjectType: "user"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "session.") {
			got = append(got, e.Action+" "+e.Actor+" "+e.ObjectID+" "+e.IP)
		}
	}
	id := fmt.Sprint(f.users["office2"].ID)
	want := []string{ // newest first
		"session.logout fagui " + id + " 127.0.0.1",
		"session.login fagui " + id + " 127.0.0.1",
		"session.login_failed nobody-here  127.0.0.1",
		"session.login_failed fagui " + id + " 127.0.0.1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit of the sessions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The admin's audit page names them in Chinese.
	_, page := f.as(t, "admin").get("/admin/audit")
	for _, w := range []string{"登录失败", "退出登录"} {
		if !strings.Contains(page, w) {
			t.Errorf("the audit page lacks %s", w)
		}
	}
}

// TestHostileLoginField: a login field that no account can have (NUL, bytes that are not
// UTF-8, control characters, a 2,000-character one) is a wrong password like any other,
// counted and audited, never a server error.
func TestHostileLoginField(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")
	for _, login := range []string{"root\x00", "\xff\xfe\xfd", "ro\not", strings.Repeat("长", 2000)} {
		resp, body := anon.post("/login", url.Values{"login": {login}, "password": {"x"}})
		wantStatus(t, resp, body, http.StatusOK)
		if !strings.Contains(body, "用户名或密码错误") {
			t.Fatalf("login %.20q: %.300s", login, body)
		}
	}
	if n := f.srv.passwordChecks.Load(); n != 4 {
		t.Fatalf("%d password checks, want 4", n)
	}
	entries, err := f.st.AuditLog(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, e := range entries {
		if e.Action == "session.login_failed" {
			failed++
			if len([]rune(e.Actor)) > 65 || strings.ContainsAny(e.Actor, "\x00\n") {
				t.Errorf("audit actor %.80q", e.Actor)
			}
		}
	}
	if failed != 4 {
		t.Fatalf("%d failed sign-ins audited, want 4", failed)
	}
}
