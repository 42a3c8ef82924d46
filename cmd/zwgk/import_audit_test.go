package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// TestImportAuditRefused: zwgk import writes its list.import entry in the transaction of the
// revision, so an entry the database refuses leaves no revision behind (it used to commit the
// list and then fail on the entry); allowed again, the import commits with one entry.
func TestImportAuditRefused(t *testing.T) {
	ctx, url, st := commandStore(t)
	u, _ := unitWithOffices(t, ctx, st, "甲局", "办公室", "预算股")
	list := filepath.Join(t.TempDir(), "清单.csv")
	if err := os.WriteFile(list, []byte("序号,工作任务,责任科室,完成时限\n1,公开部门预算,办公室,6月底\n2,公开部门决算,预算股,8月底\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"ZWGK_DATABASE_URL": url, "ZWGK_TEMPORAL_ADDRESS": "127.0.0.1:1"}
	args := []string{"import", list, "--unit", "甲局", "--year", "2024", "--no-workflows"}
	revisions := func() int {
		t.Helper()
		var n int
		if err := st.Pool.QueryRow(ctx, `SELECT count(*) FROM list_revisions r JOIN lists l ON l.id = r.list_id WHERE l.unit_id = $1`, u.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if _, err := st.Pool.Exec(ctx, `ALTER TABLE audit_log ADD CONSTRAINT refuse_list_import CHECK (action <> 'list.import') NOT VALID`); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runWith(t, vars, args...); code == 0 {
		t.Fatalf("exit 0 although the audit entry was refused\n%s\n%s", out, errOut)
	}
	if n := revisions(); n != 0 {
		t.Fatalf("%d revisions committed without their audit entry", n)
	}
	if _, err := st.Pool.Exec(ctx, `ALTER TABLE audit_log DROP CONSTRAINT refuse_list_import`); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runWith(t, vars, args...); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if n := revisions(); n != 1 {
		t.Fatalf("%d revisions after the import", n)
	}
	entries, err := st.AuditLog(ctx, store.AuditFilter{ObjectType: "list"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "list.import" {
		t.Fatalf("entries %+v", entries)
	}
	var detail map[string]any
	if err := json.Unmarshal(entries[0].Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%v %v %v %v %v %v %v", detail["file"], detail["unit"], detail["year"], detail["revision"], detail["added"], detail["changed"], detail["removed"]); got != list+" 甲局 2024 1 2 0 0" {
		t.Fatalf("detail %v", detail)
	}
}
