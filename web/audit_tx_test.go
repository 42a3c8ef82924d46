package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// TestAuditRefusedUndoesChange makes PostgreSQL refuse the audit entry of each directory change
// the web makes, and asserts that the handler fails and the change is not there; with the
// entry allowed again, the same request makes the change and exactly one entry.
func TestAuditRefusedUndoesChange(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")
	pid, err := f.st.AddPerson(ctx, store.Person{Name: "张三", Email: "zs@a.gov.cn"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.AttachOfficePerson(ctx, f.officeA2, pid, store.RoleHead); err != nil {
		t.Fatal(err)
	}
	robot, err := f.st.AddRobot(ctx, store.Robot{OfficeID: f.officeA1, Kind: "wecom", Webhook: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"})
	if err != nil {
		t.Fatal(err)
	}
	roster := rosterFile(t, []any{"王五", "ww@a.gov.cn", "", "", "甲局", "办公室", "联系人", "", "", ""})
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := f.st.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	// a list previewed for 2025, kept for the directory fix and the commit below
	csv := []byte("序号,工作任务,责任科室,完成时限\n1,公开部门预算,办公室,6月底\n2,公开部门决算,法规科,8月底\n")
	resp, body := admin.upload("/api/lists/preview", map[string]string{"unit": itoa(f.unitA), "year": "2025"}, "清单.csv", csv)
	wantStatus(t, resp, body, http.StatusOK)
	var pv struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(body), &pv); err != nil || pv.Token == "" {
		t.Fatalf("preview token: %v: %s", err, body)
	}
	// fagui signs in and out here only: the sessions of its user are this test's
	signingIn, signingOut := f.users["office"], f.users["office2"]
	leaving := f.as(t, "office2")
	for _, c := range []struct {
		action string
		do     func() (*http.Response, string)
		done   string // 1 when the change is there, 0 before
		args   []any
	}{
		{"person.attach", func() (*http.Response, string) {
			return admin.json("POST", "/api/people/attach", map[string]any{"person_id": pid, "office_id": f.officeA1, "role": "contact"})
		}, `SELECT count(*) FROM office_people WHERE person_id = $1 AND office_id = $2`, []any{pid, f.officeA1}},
		{"person.detach", func() (*http.Response, string) {
			return admin.json("POST", "/api/people/detach", map[string]any{"person_id": pid, "office_id": f.officeA2, "role": "head"})
		}, `SELECT 1 - count(*) FROM office_people WHERE person_id = $1 AND office_id = $2`, []any{pid, f.officeA2}},
		{"robot.add", func() (*http.Response, string) {
			return admin.json("POST", fmt.Sprintf("/api/offices/%d/robots", f.officeA2), map[string]any{"kind": "wecom",
				"webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k2"})
		}, `SELECT count(*) FROM office_robots WHERE office_id = $1`, []any{f.officeA2}},
		{"robot.remove", func() (*http.Response, string) {
			return admin.json("POST", fmt.Sprintf("/api/offices/%d/robots/remove", f.officeA1), map[string]any{"robot": robot})
		}, `SELECT 1 - count(*) FROM office_robots WHERE id = $1`, []any{robot}},
		{"roster.import", func() (*http.Response, string) {
			return admin.upload("/api/people/import", nil, "名单.xlsx", roster)
		}, `SELECT count(*) FROM people WHERE email = $1`, []any{"ww@a.gov.cn"}},
		{"unit.create", func() (*http.Response, string) {
			return admin.json("POST", "/api/units", map[string]any{"name": "丙局"})
		}, `SELECT count(*) FROM units WHERE name = $1`, []any{"丙局"}},
		{"office.create", func() (*http.Response, string) {
			return admin.json("POST", fmt.Sprintf("/api/units/%d/offices", f.unitB), map[string]any{"name": "宣传股", "aliases": []string{"宣传科"}})
		}, `SELECT count(*) FROM offices WHERE unit_id = $1 AND name = '宣传股'`, []any{f.unitB}},
		// a new unit typed on the upload form: refused, it is not created for the next try
		{"unit.create", func() (*http.Response, string) {
			return admin.upload("/api/lists/preview", map[string]string{"new_unit": "丁局", "year": "2025"}, "清单.csv", csv)
		}, `SELECT count(*) FROM units WHERE name = $1`, []any{"丁局"}},
		// the office created for the group goes with it
		{"directory.update", func() (*http.Response, string) {
			return admin.json("POST", "/api/lists/fix", map[string]any{"token": pv.Token, "create_offices": []string{"档案股"},
				"groups": map[string][]string{"各股室": {"档案股"}}})
		}, `SELECT count(*) FROM offices WHERE unit_id = $1 AND (name = '档案股' OR id IN (SELECT office_id FROM office_groups WHERE name = '各股室'))`,
			[]any{f.unitA}},
		{"list.import", func() (*http.Response, string) {
			return admin.json("POST", "/api/lists/commit", map[string]any{"token": pv.Token})
		}, `SELECT count(*) FROM lists WHERE unit_id = $1 AND year = 2025 AND revision = 1`, []any{f.unitA}},
		{"session.login", func() (*http.Response, string) {
			return f.as(t, "anonymous").post("/login", url.Values{"login": {signingIn.Login}, "password": {"password-" + signingIn.Login}})
		}, `SELECT count(*) FROM sessions WHERE user_id = $1`, []any{signingIn.ID}},
		{"session.logout", func() (*http.Response, string) {
			return leaving.post("/logout", nil)
		}, `SELECT 1 - count(*) FROM sessions WHERE user_id = $1`, []any{signingOut.ID}},
	} {
		t.Run(c.action, func(t *testing.T) {
			// unit.create is made twice, from the units page and from the upload form
			before := len(audits(t, f.st, c.action))
			constraint := "refuse_" + strings.ReplaceAll(c.action, ".", "_")
			if _, err := f.st.Pool.Exec(ctx, fmt.Sprintf(`ALTER TABLE audit_log ADD CONSTRAINT %s CHECK (action <> '%s') NOT VALID`, constraint, c.action)); err != nil {
				t.Fatal(err)
			}
			resp, body := c.do()
			if resp.StatusCode < 400 {
				t.Fatalf("%d although the audit entry was refused: %s", resp.StatusCode, body)
			}
			if n := count(c.done, c.args...); n != 0 {
				t.Fatalf("the change is there without its audit entry: %s", body)
			}
			if _, err := f.st.Pool.Exec(ctx, `ALTER TABLE audit_log DROP CONSTRAINT `+constraint); err != nil {
				t.Fatal(err)
			}
			resp, body = c.do()
			if resp.StatusCode >= 400 {
				t.Fatalf("%d: %s", resp.StatusCode, body)
			}
			if n := count(c.done, c.args...); n != 1 {
				t.Fatalf("the change is not there: %s", body)
			}
			if n := len(audits(t, f.st, c.action)); n != before+1 {
				t.Fatalf("%d %s entries for one change", n-before, c.action)
			}

		})
	}
}
