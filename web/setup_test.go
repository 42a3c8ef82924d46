package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

var setupLinkRE = regexp.MustCompile(`http://zwgk\.test/setup/([A-Za-z0-9_-]{40,})`)

// setupToken is the token of the one setup link a page shows.
func setupToken(t *testing.T, body string) string {
	t.Helper()
	m := setupLinkRE.FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("%d setup links on the page, want 1:\n%.3000s", len(m), body)
	}
	return m[0][1]
}

func sessionFrom(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", resp.Header["Set-Cookie"])
	return nil
}

func (f *fixture) auditCount(t *testing.T, action string, userID int64) int {
	t.Helper()
	var n int
	if err := f.st.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`,
		action, itoa(userID)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An admin resets a password by a setup link: shown once, it lets the user choose a password,
// signs them in, ends their other sessions, and works once.
func TestSetupLinkResetsPassword(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	admin, office := f.as(t, "admin"), f.as(t, "office")
	u := f.users["office"]

	resp, body := admin.post("/admin/users/setup", url.Values{"user": {"abc"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "用户（user）") {
		t.Errorf("a bad user id does not name the control: %.500s", body)
	}
	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(u.ID)}})
	wantStatus(t, resp, body, http.StatusOK)
	tok := setupToken(t, body)
	if f.auditCount(t, "user.setup_link", u.ID) != 1 {
		t.Error("issuing the link is not in the audit log")
	}
	var stored int
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM setup_links WHERE token_hash = $1 OR token_hash::text LIKE '%'||$2||'%'`,
		[]byte(tok), tok).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the token is stored as it is (%d rows, %v)", stored, err)
	}
	// Until the link is used, the old password and sessions keep working.
	resp, body = office.get("/account")
	wantStatus(t, resp, body, http.StatusOK)
	// The users page, reloaded, does not show the link again.
	if _, body = admin.get("/admin/users"); setupLinkRE.MatchString(body) {
		t.Error("the users page shows the setup link a second time")
	}

	anon := f.as(t, "anonymous")
	resp, body = anon.get("/setup/" + tok)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, u.Login) || !strings.Contains(body, `name="new"`) {
		t.Errorf("the setup page does not greet %s with the form: %.1500s", u.Login, body)
	}
	resp, body = anon.post("/setup/"+tok, url.Values{"new": {"neues-passwort-1"}, "again": {"neues-passwort-2"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "再次输入新密码") {
		t.Errorf("mismatched passwords do not name the control: %.1500s", body)
	}
	resp, body = anon.post("/setup/"+tok, url.Values{"new": {"kurz"}, "again": {"kurz"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "新密码：密码至少 8 个字符") {
		t.Errorf("a short password is not refused by the password rules: %.1500s", body)
	}
	resp, body = anon.do("POST", "/setup/"+tok, strings.NewReader(url.Values{"new": {"neues-passwort-1"}, "again": {"neues-passwort-1"}}.Encode()),
		"application/x-www-form-urlencoded", false)
	wantStatus(t, resp, body, http.StatusForbidden) // no CSRF token: nothing set

	resp, body = anon.post("/setup/"+tok, url.Values{"new": {"neues-passwort-1"}, "again": {"neues-passwort-1"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/account" {
		t.Errorf("after setting the password: redirect to %q, want /account", loc)
	}
	signedIn := &client{t: t, f: f, cookie: sessionFrom(t, resp)}
	signedIn.csrf = f.srv.csrfToken(signedIn.cookie.Value)
	resp, body = signedIn.get("/account")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, u.Login) {
		t.Errorf("the new session is not %s's: %.800s", u.Login, body)
	}
	after, err := f.st.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(after.PasswordHash), []byte("neues-passwort-1")) != nil {
		t.Error("the chosen password does not sign in")
	}
	if bcrypt.CompareHashAndPassword([]byte(after.PasswordHash), []byte("password-"+u.Login)) == nil {
		t.Error("the old password still works")
	}
	// The session opened before the reset is over.
	resp, _ = office.get("/account")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the session from before the reset: status %d to %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if f.auditCount(t, "user.password_setup", u.ID) != 1 {
		t.Error("the password set by link is not in the audit log")
	}

	// Used once, the link is refused, and the password stays the one chosen.
	resp, body = anon.get("/setup/" + tok)
	wantStatus(t, resp, body, http.StatusGone)
	if !strings.Contains(body, "已经用过") {
		t.Errorf("a used link: %.800s", body)
	}
	other := f.as(t, "anonymous")
	resp, body = other.post("/setup/"+tok, url.Values{"new": {"attacker-pass-1"}, "again": {"attacker-pass-1"}})
	wantStatus(t, resp, body, http.StatusGone)
	if again, _ := f.st.UserByID(ctx, u.ID); again.PasswordHash != after.PasswordHash {
		t.Error("a used link set the password a second time")
	}
}

// Only the newest link of a user works, an expired one sets nothing, a disabled account gets
// none, and an unknown token is a 404.
func TestSetupLinkRefusals(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	admin := f.as(t, "admin")
	u := f.users["office2"]
	_, body := admin.post("/admin/users/setup", url.Values{"user": {itoa(u.ID)}})
	first := setupToken(t, body)
	resp, body := admin.json("POST", "/api/users/setup", map[string]any{"user": u.ID})
	wantStatus(t, resp, body, http.StatusCreated)
	second := setupToken(t, body)
	if !strings.Contains(body, `"expires_at":"`+testNow.Add(72*time.Hour).Format("2006-01-02T15")) {
		t.Errorf("the API's link does not expire 72 hours on: %s", body)
	}
	anon := f.as(t, "anonymous")
	resp, body = anon.get("/setup/" + first)
	wantStatus(t, resp, body, http.StatusNotFound)
	if !strings.Contains(body, "更新的链接") {
		t.Errorf("a superseded link: %.800s", body)
	}
	resp, body = anon.get("/setup/" + second)
	wantStatus(t, resp, body, http.StatusOK)
	resp, body = anon.get("/setup/not-a-link-at-all")
	wantStatus(t, resp, body, http.StatusNotFound)

	// Expired: issued (by the store, as the page would) with an expiry before "now".
	expired := randomToken(32)
	if err := f.st.CreateSetupLink(ctx, u.ID, expired, testNow.Add(-time.Minute), store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	resp, body = anon.get("/setup/" + expired)
	wantStatus(t, resp, body, http.StatusGone)
	if !strings.Contains(body, "已过期") {
		t.Errorf("an expired link: %.800s", body)
	}
	resp, body = anon.post("/setup/"+expired, url.Values{"new": {"neues-passwort-1"}, "again": {"neues-passwort-1"}})
	wantStatus(t, resp, body, http.StatusGone)
	if after, _ := f.st.UserByID(ctx, u.ID); bcrypt.CompareHashAndPassword([]byte(after.PasswordHash), []byte("password-"+u.Login)) != nil {
		t.Error("an expired link changed the password")
	}

	if err := f.st.SetUserDisabled(ctx, u.ID, true, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	resp, body = admin.post("/admin/users/setup", url.Values{"user": {itoa(u.ID)}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "已停用") {
		t.Errorf("a link for a disabled account: %.500s", body)
	}
	for _, role := range []string{"office", "supervisor"} {
		resp, _ = f.as(t, role).post("/admin/users/setup", url.Values{"user": {itoa(f.users["admin"].ID)}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s issues a setup link for the admin: status %d", role, resp.StatusCode)
		}
	}
}

// A new account can be handed over by a setup link instead of a password.
func TestSetupLinkForNewUser(t *testing.T) {
	f := newFixture(t, true)
	admin := f.as(t, "admin")
	resp, body := admin.post("/admin/users", url.Values{"login": {"xinren"}, "name": {"新人"}, "role": {"office"},
		"offices": {itoa(f.officeA1)}, "setup": {"1"}, "password": {"given-password-1"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = admin.post("/admin/users", url.Values{"login": {"xinren"}, "name": {"新人"}, "role": {"office"},
		"offices": {itoa(f.officeA1)}, "setup": {"1"}})
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, `id="new-password"`) {
		t.Error("a generated password is shown although the account is handed over by link")
	}
	tok := setupToken(t, body)
	anon := f.as(t, "anonymous")
	resp, body = anon.post("/setup/"+tok, url.Values{"new": {"mein-passwort"}, "again": {"mein-passwort"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	u, err := f.st.UserByLogin(context.Background(), "xinren")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte("mein-passwort")) != nil {
		t.Error("the new user's chosen password does not sign in")
	}
}

// The upload page links the list template, which is the CLI's, with the unit's offices.
func TestListTemplateDownload(t *testing.T) {
	f := newFixture(t, true)
	admin := f.as(t, "admin")
	_, page := admin.get("/admin/lists")
	if !strings.Contains(page, `href="/admin/lists/template.xlsx"`) || !strings.Contains(page, "/admin/lists/template.xlsx?unit="+itoa(f.unitA)) {
		t.Errorf("the upload page does not link the template: %.2000s", page)
	}
	var cli bytes.Buffer
	if err := importer.WriteTemplate(&cli, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path    string
		offices []string
	}{{"/admin/lists/template.xlsx", nil}, {"/admin/lists/template.xlsx?unit=" + itoa(f.unitA), []string{"办公室", "法规科"}}} {
		resp, body := admin.get(tc.path)
		wantStatus(t, resp, body, http.StatusOK)
		if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
			t.Errorf("%s: content type %q", tc.path, ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, url.PathEscape("任务清单模板.xlsx")) {
			t.Errorf("%s: content disposition %q", tc.path, cd)
		}
		x, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("%s: not an xlsx: %v", tc.path, err)
		}
		sheets := x.GetSheetList()
		header, err := x.GetRows(sheets[0])
		if err != nil || len(header) == 0 || !slices.Equal(header[0][:len(importer.TemplateHeader)], importer.TemplateHeader) {
			t.Errorf("%s: first row %v (%v), want the template header %v", tc.path, header, err, importer.TemplateHeader)
		}
		var names []string
		for _, sh := range sheets[1:] {
			rows, _ := x.GetRows(sh)
			if len(rows) > 0 && len(rows[0]) > 0 && rows[0][0] == "科室" {
				for _, r := range rows[1:] {
					names = append(names, r[0])
				}
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, tc.offices) {
			t.Errorf("%s: offices %v, want %v", tc.path, names, tc.offices)
		}
		x.Close()
	}
	resp, _ := admin.get("/admin/lists/template.xlsx?unit=999999")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown unit: status %d, want 404", resp.StatusCode)
	}
	resp, _ = f.as(t, "office").get("/admin/lists/template.xlsx")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("an office user downloads the admin template: status %d", resp.StatusCode)
	}
}
