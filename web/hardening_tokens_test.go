package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
)

// newToken makes a token through the API with a session, as the account page does.
func newToken(t *testing.T, c *client, in map[string]any) (string, time.Time) {
	t.Helper()
	resp, body := c.json("POST", "/api/tokens", in)
	wantStatus(t, resp, body, http.StatusCreated)
	var out struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Token == "" {
		t.Fatalf("token answer %s: %v", body, err)
	}
	return out.Token, out.ExpiresAt
}

func TestAPITokenExpiry(t *testing.T) {
	f := newFixture(t, false)
	clk := &clock{now: testNow}
	f.srv.now = clk.Now
	office := f.as(t, "office")

	tok, exp := newToken(t, office, map[string]any{"name": "周报脚本", "days": 30})
	if !exp.Equal(testNow.AddDate(0, 0, 30)) {
		t.Fatalf("expires %v, want 30 days from now", exp)
	}
	_, def := newToken(t, office, map[string]any{"name": "默认有效期"})
	if !def.Equal(testNow.AddDate(0, 0, tokenDefaultDays)) {
		t.Fatalf("default expiry %v, want %d days", def, tokenDefaultDays)
	}
	for _, days := range []int{-1, tokenMaxDays + 1, 3650} {
		resp, body := office.json("POST", "/api/tokens", map[string]any{"name": "太久", "days": days})
		wantStatus(t, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, "有效期") {
			t.Fatalf("days %d: %s", days, body)
		}
	}
	// The page form takes the days too.
	resp, body := office.post("/account/tokens", url.Values{"name": {"页面令牌"}, "days": {"365"}})
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "有效期至") || !strings.Contains(body, testNow.AddDate(1, 0, 0).Format("2006-01-02")) {
		t.Fatalf("the account page does not show the token's expiry:\n%.3000s", body)
	}

	script := &client{t: t, f: f, bearer: tok}
	resp, body = script.get("/api/me")
	wantStatus(t, resp, body, http.StatusOK)
	clk.add(30*24*time.Hour - time.Minute)
	resp, body = script.get("/api/me")
	wantStatus(t, resp, body, http.StatusOK)
	clk.add(time.Minute)
	resp, body = script.get("/api/me")
	wantStatus(t, resp, body, http.StatusUnauthorized)
	if !strings.Contains(body, "已过期") {
		t.Fatalf("expired token: %s", body)
	}
}

// TestAPITokenCannotMintTokens: a leaked token must not make its own successors.
func TestAPITokenCannotMintTokens(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	tok, _ := newToken(t, admin, map[string]any{"name": "脚本"})
	script := &client{t: t, f: f, bearer: tok}
	resp, body := script.json("POST", "/api/tokens", map[string]any{"name": "下一个"})
	wantStatus(t, resp, body, http.StatusForbidden)
	if !strings.Contains(body, "不能用 API 令牌") {
		t.Fatalf("answer %s", body)
	}
	resp, body = script.do("POST", "/account/tokens", strings.NewReader(url.Values{"name": {"下一个"}}.Encode()), "application/x-www-form-urlencoded", false)
	wantStatus(t, resp, body, http.StatusForbidden)
	tokens, err := f.st.APITokens(context.Background(), f.users["admin"].ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens after the refusals: %d, %v", len(tokens), err)
	}
	// The token still does what its user may.
	resp, body = script.get("/api/users")
	wantStatus(t, resp, body, http.StatusOK)
}

// TestAPITokenDiesWithPasswordOrAccount: a password change ends the tokens made before it (a
// token made after works), and disabling the account ends them all for good.
func TestAPITokenDiesWithPasswordOrAccount(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	office := f.as(t, "office")
	old, _ := newToken(t, office, map[string]any{"name": "旧令牌"})
	script := &client{t: t, f: f, bearer: old}
	resp, body := script.get("/api/items")
	wantStatus(t, resp, body, http.StatusOK)

	resp, body = office.post("/account/password", url.Values{"old": {"password-bangongshi"}, "new": {"a-new-password"}, "again": {"a-new-password"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	resp, body = script.get("/api/items")
	wantStatus(t, resp, body, http.StatusUnauthorized)

	// A token made after the change works.
	fresh, _ := newToken(t, f.as(t, "office"), map[string]any{"name": "新令牌"})
	script = &client{t: t, f: f, bearer: fresh}
	resp, body = script.get("/api/items")
	wantStatus(t, resp, body, http.StatusOK)

	if err := f.st.SetUserDisabled(ctx, f.users["office"].ID, true, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	resp, body = script.get("/api/items")
	wantStatus(t, resp, body, http.StatusUnauthorized)
	if err := f.st.SetUserDisabled(ctx, f.users["office"].ID, false, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	// Re-enabling the account does not bring its tokens back: they were revoked.
	resp, body = script.get("/api/items")
	wantStatus(t, resp, body, http.StatusUnauthorized)
}

// TestWeakSecretRefused: web.New refuses the secrets people leave in.
func TestWeakSecretRefused(t *testing.T) {
	f := newFixture(t, false)
	for _, secret := range []string{"", "changeme", "secret", "test-secret-0123456789abcdef",
		strings.Repeat("a", 64), "CHANGE-ME-TO-64-RANDOM-HEX-CHARACTERS"} {
		if _, err := New(Options{Store: f.st, Items: f.cmd, Secret: []byte(secret), BaseURL: "http://zwgk.test"}); err == nil {
			t.Errorf("New accepted the secret %q", secret)
		}
	}
}
