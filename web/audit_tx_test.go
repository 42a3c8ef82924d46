package web

import (
	"context"
	"fmt"
	"net/http"
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
	} {
		t.Run(c.action, func(t *testing.T) {
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
			if n := len(audits(t, f.st, c.action)); n != 1 {
				t.Fatalf("%d %s entries for one change", n, c.action)
			}
		})
	}
}
