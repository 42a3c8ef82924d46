package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/links"
)

// hugeBody is a multipart body of size bytes (one file part, then filler) made as it is read,
// which counts how much of it the server took.
type hugeBody struct {
	head      string
	size, off int64
}

const hugeBoundary = "zwgkBoundary7MA4YWxkTrZu0gW"

func newHugeBody(size int64) *hugeBody {
	return &hugeBody{size: size, head: "--" + hugeBoundary + "\r\n" +
		`Content-Disposition: form-data; name="file"; filename="list.xlsx"` + "\r\n" +
		"Content-Type: application/octet-stream\r\n\r\n"}
}

func (b *hugeBody) Read(p []byte) (int, error) {
	if b.off >= b.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && b.off < b.size {
		if b.off < int64(len(b.head)) {
			p[n] = b.head[b.off]
		} else {
			p[n] = 'x'
		}
		n++
		b.off++
	}
	return n, nil
}

func (b *hugeBody) Close() error { return nil }

// TestBodyLimitsBeforeParsing sends bodies far over the limits: anonymous ones (the sign-in
// form, a signed link) and ones from users without the route's role may not make the server
// read more than a sign-in form, whatever the route; an admin's upload is read up to the upload
// limit and no further. Before the limits, a 100 MB multipart POST to /login was read whole (to
// temporary files) before its missing CSRF token was noticed.
func TestBodyLimitsBeforeParsing(t *testing.T) {
	f := newFixture(t, false)
	signer, err := links.NewSigner(string(f.srv.opt.Secret), f.srv.opt.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	linkTok, err := signer.Sign(links.Claims{Action: links.Complete, ItemID: f.itemA1, Recipient: "person:1", Expires: testNow.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	const attack = 100 << 20
	cases := []struct {
		name, role, path string
		size             int64
		csrf             bool
		maxRead          int64
		status           int
		message          string
	}{
		{"anonymous sign-in form", "anonymous", "/login", attack, false, maxFormBody + 1, http.StatusRequestEntityTooLarge, "过大"},
		{"anonymous sign-in form with its CSRF token", "anonymous", "/login", attack, true, maxFormBody + 1, http.StatusRequestEntityTooLarge, "过大"},
		{"anonymous signed link", "anonymous", "/l/" + linkTok, attack, false, maxFormBody + 1, http.StatusRequestEntityTooLarge, "过大"},
		{"anonymous list upload", "anonymous", "/admin/lists/preview", attack, false, maxFormBody + 1, http.StatusUnauthorized, ""},
		{"office user's list upload", "office", "/admin/lists/preview", attack, true, maxFormBody + 1, http.StatusForbidden, ""},
		{"admin's form that is no upload", "admin", "/items/" + fmt.Sprint(f.itemA1) + "/reopen", attack, true, maxFormBody + 1, http.StatusRequestEntityTooLarge, "过大"},
		{"admin's list over 20 MB", "admin", "/admin/lists/preview", maxUpload + 5<<20, true, maxUpload + 1, http.StatusRequestEntityTooLarge, "文件超过 20 MB"},
		{"admin's roster over 5 MB", "admin", "/admin/people/import", maxRosterForm + 5<<20, true, maxRosterForm + 1, http.StatusRequestEntityTooLarge, "名单文件超过 5 MB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := f.as(t, c.role)
			body := newHugeBody(c.size)
			req := httptest.NewRequest("POST", c.path, body)
			req.Header.Set("Content-Type", "multipart/form-data; boundary="+hugeBoundary)
			req.AddCookie(cl.cookie)
			if c.csrf {
				req.Header.Set(csrfHeader, cl.csrf)
			}
			rec := httptest.NewRecorder()
			f.srv.ServeHTTP(rec, req)
			t.Logf("%s: read %d of %d bytes, status %d", c.path, body.off, c.size, rec.Code)
			if body.off > c.maxRead {
				t.Errorf("the server read %d bytes, want at most %d", body.off, c.maxRead)
			}
			if rec.Code != c.status {
				t.Errorf("status %d, want %d: %.300s", rec.Code, c.status, rec.Body.String())
			}
			if c.message != "" && !strings.Contains(rec.Body.String(), c.message) {
				t.Errorf("answer lacks %q: %.300s", c.message, rec.Body.String())
			}
		})
	}
}

// TestJSONBodyLimit: an API body over the form limit is a 413 in Chinese, not a parse error.
func TestJSONBodyLimit(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	big := `{"note": "` + strings.Repeat("备注", maxFormBody) + `"}`
	resp, body := admin.do("POST", fmt.Sprintf("/api/items/%d/complete", f.itemA1), strings.NewReader(big), "application/json", true)
	wantStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	if !strings.Contains(body, `"error"`) || !strings.Contains(body, "过大") {
		t.Fatalf("answer %s", body)
	}
	if _, n := f.cmd.last(); n != 0 {
		t.Fatal("the oversized completion reached the workflow")
	}
}

// slowBody stands for a body the server's read timeout cut: its next read fails as a socket
// past its deadline does.
type slowBody struct{ sent bool }

type deadlineErr struct{}

func (deadlineErr) Error() string   { return "read tcp 127.0.0.1:8080->127.0.0.1:50000: i/o timeout" }
func (deadlineErr) Timeout() bool   { return true }
func (deadlineErr) Temporary() bool { return true }

func (b *slowBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "login=root&pass"), nil
	}
	return 0, deadlineErr{}
}

func (b *slowBody) Close() error { return nil }

// TestTrickledFormTimesOut: a form cut by the read timeout is a 408 in Chinese that does not
// name the server's sockets.
func TestTrickledFormTimesOut(t *testing.T) {
	f := newFixture(t, false)
	anon := f.as(t, "anonymous")
	req := httptest.NewRequest("POST", "/login", &slowBody{})
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(anon.cookie)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestTimeout || !strings.Contains(rec.Body.String(), "提交超时") || strings.Contains(rec.Body.String(), "127.0.0.1") {
		t.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
	}
	if n := f.srv.passwordChecks.Load(); n != 0 {
		t.Fatalf("%d password checks for a cut form", n)
	}
}
