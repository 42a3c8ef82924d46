package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// syncRecorder stands in for the lead's workflow syncer: it records the changes it is given.
type syncRecorder struct {
	mu      sync.Mutex
	changes []store.ListChanges
}

func (s *syncRecorder) Sync(_ context.Context, ch store.ListChanges) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, ch)
	return nil
}

func (c *client) upload(path string, fields map[string]string, fileName string, data []byte) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			c.t.Fatal(err)
		}
	}
	if !c.f.srv.routeIsAPI(path) {
		if err := mw.WriteField(csrfField, c.csrf); err != nil {
			c.t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return c.do("POST", path, &buf, mw.FormDataContentType(), true)
}

func (s *Server) routeIsAPI(path string) bool { return strings.HasPrefix(path, "/api/") }

func TestListUpload(t *testing.T) {
	f := newFixture(t, false)
	sync := &syncRecorder{}
	f.srv.opt.Syncer = sync
	admin := f.as(t, "admin")
	data, err := os.ReadFile("testdata/jinzhai-2024-responsibility-list.txt")
	if err != nil {
		t.Fatal(err)
	}

	// Without --create-offices the unknown offices are errors and there is nothing to confirm.
	resp, body := admin.upload("/admin/lists/preview", map[string]string{"new_unit": "金寨县政务公开办", "year": "2024"}, "jinzhai.txt", data)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "未知科室") || strings.Contains(body, "commit-form") {
		t.Fatalf("preview with unknown offices:\n%s", body)
	}

	// With it, the new offices are listed; the groups that name no office do not block the
	// import (their items are 待分派 to the coordinating office) and may be assigned on the
	// preview page.
	resp, body = admin.upload("/admin/lists/preview", map[string]string{"new_unit": "金寨县政务公开办", "year": "2024", "create_offices": "1"}, "jinzhai.txt", data)
	wantStatus(t, resp, body, http.StatusOK)
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "fix-form") || !strings.Contains(body, "commit-form") || !strings.Contains(body, "待分派") {
		t.Fatalf("no fix form, commit form and 待分派 items:\n%s", body)
	}
	fix := url.Values{"token": {m[1]}}
	for _, c := range regexp.MustCompile(`name="create" value="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		fix.Add("create", c[1])
	}
	groups := regexp.MustCompile(`name="group:([^"]+)"`).FindAllStringSubmatch(body, -1)
	// 各股室 means every office, those the import creates included; only the two qualified
	// groups (相关业务股室…) wait for the admin
	if len(fix["create"]) == 0 || len(groups) != 2 {
		t.Fatalf("fix form offers offices %v and groups %v", fix["create"], groups)
	}
	for _, g := range groups {
		fix.Add("group:"+g[1], fix["create"][0])
	}
	resp, body = admin.post("/admin/lists/fix", fix)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "commit-form") || strings.Contains(body, "preview-errors") {
		t.Fatalf("after fixing the directory:\n%s", body)
	}
	count := regexp.MustCompile(`id="preview-count">(\d+)<`).FindStringSubmatch(body)
	added := regexp.MustCompile(`id="diff-added">(\d+)<`).FindStringSubmatch(body)
	if count == nil || added == nil || count[1] != added[1] || count[1] == "0" {
		t.Fatalf("preview counts %v, added %v", count, added)
	}
	resp, body = admin.post("/admin/lists/commit", url.Values{"token": {m[1]}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	if len(sync.changes) != 1 || fmt.Sprint(len(sync.changes[0].Added)) != count[1] {
		t.Fatalf("syncer got %+v, want %s added", sync.changes, count[1])
	}
	// The token works once.
	resp, body = admin.post("/admin/lists/commit", url.Values{"token": {m[1]}})
	wantStatus(t, resp, body, http.StatusGone)

	// The same file again through the API: nothing changes.
	units, _ := f.st.UnitsInScope(context.Background(), store.Scope{All: true})
	var jz int64
	for _, u := range units {
		if u.Name == "金寨县政务公开办" {
			jz = u.ID
		}
	}
	resp, body = admin.upload("/api/lists/preview", map[string]string{"unit": fmt.Sprint(jz), "year": "2024"}, "jinzhai.txt", data)
	wantStatus(t, resp, body, http.StatusOK)
	var pv struct {
		Token string `json:"token"`
		Diff  struct {
			BaseRevision int   `json:"base_revision"`
			Added        []any `json:"added"`
			Unchanged    int   `json:"unchanged"`
		} `json:"diff"`
	}
	if err := json.Unmarshal([]byte(body), &pv); err != nil {
		t.Fatal(err)
	}
	if pv.Diff.BaseRevision != 1 || len(pv.Diff.Added) != 0 || fmt.Sprint(pv.Diff.Unchanged) != count[1] {
		t.Fatalf("second preview diff %+v", pv.Diff)
	}
	// The office user sees nothing of it, the admin's item list does.
	resp, body = admin.json("GET", fmt.Sprintf("/api/items?unit=%d", jz), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "zwgk/") {
		t.Fatalf("imported items not listed: %.500s", body)
	}
	entries, _ := f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "list"})
	if len(entries) != 1 || entries[0].Action != "list.import" {
		t.Fatalf("audit %+v", entries)
	}
	entries, _ = f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "unit"})
	if len(entries) != 2 || entries[0].Action != "directory.update" || entries[1].Action != "unit.create" {
		t.Fatalf("directory audit %+v", entries)
	}
	// Bad input: no file, a bad year.
	resp, body = admin.upload("/admin/lists/preview", map[string]string{"unit": fmt.Sprint(jz), "year": "2024"}, "", nil)
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = admin.upload("/admin/lists/preview", map[string]string{"unit": fmt.Sprint(jz), "year": "24"}, "a.txt", data)
	wantStatus(t, resp, body, http.StatusBadRequest)
}

func TestCalendarPage(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	resp, body := admin.get("/admin/calendar?year=2024")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "2024-05-11") || !strings.Contains(body, "调休上班") {
		t.Fatal("2024 does not show the make-up Saturday 5/11")
	}
	resp, body = admin.get("/admin/calendar?year=2028")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "calendar-unknown") {
		t.Fatal("2028 is not flagged as unknown")
	}
	// 2027 is official (lunar-go v1.4.7); the upload below replaces it as an admin year.
	data, err := os.ReadFile("testdata/2027.csv")
	if err != nil {
		t.Fatal(err)
	}
	resp, body = admin.upload("/admin/calendar", nil, "2027.csv", data)
	wantStatus(t, resp, body, http.StatusSeeOther)
	resp, body = admin.get("/admin/calendar?year=2027")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "2027-02-07") || strings.Contains(body, "calendar-unknown") {
		t.Fatal("loaded 2027 not shown")
	}
	resp, body = admin.json("POST", "/api/calendar?name=bad.csv", nil)
	wantStatus(t, resp, body, http.StatusBadRequest)
	resp, body = admin.do("POST", "/api/calendar?name=bad.csv", strings.NewReader("2027-02-30,休\n"), "text/csv", true)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "bad.csv") {
		t.Fatalf("error does not name the file: %s", body)
	}
	entries, _ := f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "calendar_year"})
	if len(entries) != 1 {
		t.Fatalf("audit %+v", entries)
	}
}
