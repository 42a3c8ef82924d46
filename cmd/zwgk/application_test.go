package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func TestApplicationCommand(t *testing.T) {
	ctx, url, st := commandStore(t)
	unit, offices := unitWithOffices(t, ctx, st, "某某县自然资源局", "办公室")
	office := offices[0]
	mk := func(kind string, received calendar.Date, typ, reason string, finished calendar.Date) {
		id, err := st.CreateApplication(ctx, store.ApplicationNew{UnitID: unit.ID, OfficeID: office.ID, ApplicantType: kind,
			ApplicantName: "保密的申请人", Channel: "fax", Confirmed: received, Received: received, Content: "某征地批复",
			Due: received.AddDays(28)})
		if err != nil {
			t.Fatal(err)
		}
		state := "open"
		if !finished.IsZero() {
			state = "replied"
		}
		if _, err := st.SyncApplication(ctx, store.ApplicationSync{ApplicationID: id, WorkflowID: "application-t", Seq: 1,
			State: store.ApplicationState{State: state, ClockStart: received, Due: received.AddDays(28), ReplyType: typ, ReplyReason: reason, FinishedOn: finished}}); err != nil {
			t.Fatal(err)
		}
	}
	mk("research", calendar.D(2025, 3, 2), "unable", "not_held", calendar.D(2025, 3, 20))
	mk("person", calendar.D(2025, 12, 29), "", "", calendar.Date{})
	vars := map[string]string{"ZWGK_DATABASE_URL": url}

	out := filepath.Join(t.TempDir(), "年报.xlsx")
	code, stdout, stderr := runWith(t, vars, "application", "report", "--unit", "某某县自然资源局", "--year", "2025", "--out", out)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "1．本机关不掌握相关政府信息") || !strings.Contains(stdout, "四、结转下年度继续办理") {
		t.Errorf("report text:\n%s", stdout)
	}
	x, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if p2, err := x.GetRows("第二部分"); err != nil || len(p2) == 0 || !strings.Contains(strings.Join(p2[0], ""), "主动公开") {
		t.Errorf("xlsx has no 第二部分 sheet as the web download does: %v %q", err, p2)
	}
	rows, _ := x.GetRows("第三部分")
	// 一、本年新收: 科研机构 1, 自然人 1, 总计 2
	if got := rows[5]; got[1] != "1" || got[3] != "1" || got[7] != "2" {
		t.Errorf("xlsx row 一: %q", got)
	}

	code, stdout, stderr = runWith(t, vars, "application", "list", "--unit", "某某县自然资源局", "--format", "json")
	if code != 0 {
		t.Fatalf("list: exit %d\n%s", code, stderr)
	}
	var lines []map[string]any
	if err := json.Unmarshal([]byte(stdout), &lines); err != nil || len(lines) != 2 {
		t.Fatalf("list %s: %v", stdout, err)
	}
	if strings.Contains(stdout, "保密的申请人") {
		t.Error("the list prints the applicant")
	}
	code, _, stderr = runWith(t, vars, "application", "list", "--unit", "没有这个局")
	if code == 0 || !strings.Contains(stderr, "--unit") {
		t.Errorf("unknown unit: exit %d, %s", code, stderr)
	}
	code, _, stderr = runWith(t, vars, "application", "list", "--unit", "某某县自然资源局", "--state", "lost")
	if code == 0 || !strings.Contains(stderr, "--state") {
		t.Errorf("bad state: exit %d, %s", code, stderr)
	}
}

// An existing 登记台账 comes in whole or not at all: a row naming an unknown office stops it;
// fixed, the answered rows are closed cases and the open one gets its workflow.
func TestApplicationImportCommand(t *testing.T) {
	ctx, url, st := commandStore(t)
	unit, _ := unitWithOffices(t, ctx, st, "某某县教育局")
	if _, err := st.CreateOffice(ctx, unit.ID, "办公室", []string{"局办公室"}); err != nil {
		t.Fatal(err)
	}
	hostPort, namespace := testenv.TemporalAddress(t)
	vars := map[string]string{"ZWGK_DATABASE_URL": url, "ZWGK_TEMPORAL_ADDRESS": hostPort, "ZWGK_TEMPORAL_NAMESPACE": namespace,
		"ZWGK_TEMPORAL_TASK_QUEUE": testenv.TaskQueue(t)}
	today := calendar.DateOf(time.Now())
	header := []any{"编号", "收到日期", "申请人", "申请人类型", "申请方式", "申请内容", "承办科室", "答复日期", "答复结果"}
	rows := [][]any{header,
		{"甲-1", "2026-03-02", "张三", "自然人", "当面", "某校招生信息", "局办公室", "2026-03-20", "予以公开"},
		{"甲-2", "2026-04-01", "某研究院", "科研机构", "网上", "某经费信息", "办公室", "2026-04-20", "不予公开（属于四类过程性信息）"},
		{"甲-3", today.String(), "李四", "个人", "传真", "某学区划分", "基建科", "", ""},
	}
	path := writeRoster(t, rows)
	code, _, stderr := runWith(t, vars, "application", "import", path, "--unit", "某某县教育局")
	if code != 1 || !strings.Contains(stderr, "第4行“经办科室”：科室“基建科”不在该单位的通讯录中") {
		t.Fatalf("unknown office: exit %d\n%s", code, stderr)
	}
	if got, _ := st.Applications(ctx, store.ApplicationFilter{UnitID: unit.ID}); len(got) != 0 {
		t.Fatalf("a refused ledger imported %d rows", len(got))
	}
	rows[3][6] = "办公室"
	path = writeRoster(t, rows)
	code, stdout, stderr := runWith(t, vars, "application", "import", path, "--unit", "某某县教育局")
	if code != 0 || !strings.Contains(stdout, "imported 3 applications, 1 still open") {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	got, err := st.Applications(ctx, store.ApplicationFilter{UnitID: unit.ID})
	if err != nil || len(got) != 3 {
		t.Fatalf("%d applications, %v", len(got), err)
	}
	closed := 0
	for _, a := range got {
		if a.State == "closed" {
			closed++
			if a.Ref == "甲-2" && (a.ReplyType != "refuse" || a.ReplyReason != "process_information" || a.FinishedOn != calendar.D(2026, 4, 20)) {
				t.Errorf("甲-2: %+v", a.ApplicationState)
			}
		}
	}
	if closed != 2 {
		t.Errorf("%d closed, want the two answered rows", closed)
	}
	tab, err := st.ApplicationsOfYear(ctx, unit.ID, 2026)
	if err != nil || len(tab) != 3 {
		t.Errorf("the 2026 report sees %d rows, %v", len(tab), err)
	}
}
