package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/calendar"
)

// A late import says how many items are already overdue and lets the admin track them from
// today: the commit gives those items a grace before their ladder starts.
func TestLateImportChoice(t *testing.T) {
	f := newFixture(t, false)
	f.srv.opt.Syncer = &syncRecorder{}
	admin := f.as(t, "admin")
	// "today" is 2024-05-08: 4月底 is past, 12月底 is not
	list := "工作任务,责任科室,完成时限\n部门文件,办公室,4月底\n规划计划,办公室,3月底\n年度总结,办公室,12月底\n"
	resp, body := admin.upload("/admin/lists/preview", map[string]string{"new_unit": "迟到局", "year": "2024", "create_offices": "1"}, "late.csv", []byte(list))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `id="late-import"`) || !strings.Contains(body, "2 项在导入时已经逾期") {
		t.Fatalf("the preview does not say the list is late:\n%s", body)
	}
	// the new unit's 办公室 has nobody to tell yet
	if !strings.Contains(body, `id="untold-offices"`) || !strings.Contains(body, "1 个科室还没有联络员") {
		t.Fatalf("the preview does not say who has no contact:\n%s", body)
	}
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(body)
	resp, body = admin.post("/admin/lists/commit", url.Values{"token": {token[1]}, "grace": {"5"}})
	wantStatus(t, resp, body, http.StatusSeeOther)

	u, err := f.st.UnitByName(context.Background(), "迟到局")
	if err != nil {
		t.Fatal(err)
	}
	unit := u.ID
	_, items, err := f.st.ListItems(context.Background(), unit, 2024)
	if err != nil {
		t.Fatal(err)
	}
	want := calendar.D(2024, 5, 14).End() // 5 working days after Wednesday 8 May: Saturday 11 May is a 调休 working day
	for _, it := range items {
		switch it.Title {
		case "部门文件", "规划计划":
			if it.GraceUntil == nil || !it.GraceUntil.Equal(want) {
				t.Errorf("%s: grace %v, want %s", it.Title, it.GraceUntil, want)
			}
		default:
			if it.GraceUntil != nil {
				t.Errorf("%s: grace %v, want none", it.Title, it.GraceUntil)
			}
		}
	}
	// an impossible grace is refused
	resp, body = admin.upload("/admin/lists/preview", map[string]string{"new_unit": "迟到局2", "year": "2024", "create_offices": "1"}, "late.csv", []byte(list))
	wantStatus(t, resp, body, http.StatusOK)
	token = regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(body)
	resp, body = admin.post("/admin/lists/commit", url.Values{"token": {token[1]}, "grace": {"99"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
}
