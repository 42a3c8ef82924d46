package importer

import (
	"context"
	"testing"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// TestCommitAuditWithRevision: CommitOptions.Audit reaches the revision's transaction. With
// list.import refused by the database nothing is committed, the new offices of the import
// included, and the syncer is not told; allowed, the revision and its one entry are there.
func TestCommitAuditWithRevision(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	dir := seedUnit(t, st, "测试局", []string{"办公室"}, nil)
	res := Load("清单.xlsx", listOf(t, []string{"1", "部门文件", "", "办公室", "6月底", ""}, []string{"2", "档案工作", "", "档案股", "4月底", ""}),
		dir, Options{Build: BuildOptions{Year: 2024, CreateOffices: true}})
	mustOK(t, res)
	opts := CommitOptions{BaseRevision: 0, Audit: &store.Audit{Actor: "cli:test", Detail: map[string]any{"file": "清单.xlsx"}}}
	sy := &recordingSyncer{}
	count := func(sql string) int {
		t.Helper()
		var n int
		must(t, st.Pool.QueryRow(ctx, sql, dir.Unit.ID).Scan(&n))
		return n
	}
	const committed = `SELECT (SELECT count(*) FROM lists WHERE unit_id = $1 AND revision > 0) + (SELECT count(*) FROM offices WHERE unit_id = $1 AND name = '档案股')`

	_, err := st.Pool.Exec(ctx, `ALTER TABLE audit_log ADD CONSTRAINT refuse_list_import CHECK (action <> 'list.import') NOT VALID`)
	must(t, err)
	if c, err := Commit(ctx, st, res, opts, sy); err == nil || c != nil {
		t.Fatalf("committed although the entry was refused: %+v, %v", c, err)
	}
	if n := count(committed); n != 0 || len(sy.calls) != 0 {
		t.Fatalf("without its entry: %d of the list and its new office stored, %d sync calls", n, len(sy.calls))
	}
	_, err = st.Pool.Exec(ctx, `ALTER TABLE audit_log DROP CONSTRAINT refuse_list_import`)
	must(t, err)
	c, err := Commit(ctx, st, res, opts, sy)
	must(t, err)
	if n := count(committed); n != 2 || c.Changes.Revision != 1 {
		t.Fatalf("after the commit: %d of the list and its new office stored, %+v", n, c.Changes)
	}
	entries, err := st.AuditLog(ctx, store.AuditFilter{ObjectType: "list"})
	must(t, err)
	if len(entries) != 1 || entries[0].Action != "list.import" || entries[0].Actor != "cli:test" {
		t.Fatalf("entries %+v", entries)
	}
}
