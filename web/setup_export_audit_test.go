package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// An items export is audited once per download with who made it, the filter and the number of
// rows the sheet holds; a refused export leaves no entry.
func TestItemsExportAudited(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	resp, body := admin.get(fmt.Sprintf("/export/items.xlsx?unit=%d&status=done", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	rows := len(dataRows(readSheet(t, body, "事项"), 3))
	resp, body = admin.get("/export/items.xlsx?year=1066")
	wantStatus(t, resp, body, http.StatusBadRequest)

	entries, err := f.st.AuditLog(context.Background(), store.AuditFilter{ObjectType: "items"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("want one export entry, got %+v", entries)
	}
	e := entries[0]
	wantQuery := fmt.Sprintf("status=done&unit=%d", f.unitA)
	if e.Action != "items.export" || e.Actor != f.users["admin"].Login || e.ObjectID != wantQuery {
		t.Errorf("export entry %+v", e)
	}
	var detail struct {
		Rows  int    `json:"rows"`
		Query string `json:"query"`
	}
	if err := json.Unmarshal(e.Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || detail.Rows != rows || detail.Query != wantQuery {
		t.Errorf("export entry detail %s, want %d rows and the filter %s", e.Detail, rows, wantQuery)
	}

	resp, body = admin.get("/admin/audit")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "导出事项清单") {
		t.Error("the audit log does not name the export in Chinese")
	}
}
