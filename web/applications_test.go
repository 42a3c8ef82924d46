package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"go.temporal.io/sdk/worker"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// liveApplications is the handler fixture with a real Temporal worker behind the web and the
// real clock: application workflows run as in production.
func liveApplications(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, false)
	// Every test's database numbers its applications from 1, and their workflow ids
	// (application-<id>) would meet on the test binary's one Temporal server.
	if _, err := f.st.Pool.Exec(context.Background(), `SELECT setval('applications_id_seq', $1)`, liveSeq.Add(1_000_000)); err != nil {
		t.Fatal(err)
	}
	c, tq := testenv.Temporal(t), testenv.TaskQueue(t)
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w, &activities.Activities{Store: f.st, Temporal: c, TaskQueue: tq})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	f.serve(t, Options{Store: f.st, Items: &workflows.Client{Temporal: c, TaskQueue: tq}})
	return f
}

var liveSeq atomic.Int64

// liveAs signs a fixture user in on the real clock (the fixture's sessions end in 2024).
func (f *fixture) liveAs(t *testing.T, role string) *client {
	t.Helper()
	tok := randomToken(32)
	if err := f.st.CreateSession(context.Background(), tok, f.users[role].ID, time.Now().Add(time.Hour), "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	return &client{t: t, f: f, cookie: &http.Cookie{Name: sessionCookie, Value: tok}, csrf: f.srv.csrfToken(tok)}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// An office registers an application in the browser; its workflow records the receipt and the
// due day computed on working days; a foreign office is refused; the reply and the supervisor's
// sign-off go through the workflow's updates; and the year's report counts it.
func TestApplicationRegisterInTheBrowser(t *testing.T) {
	f := liveApplications(t)
	ctx := context.Background()
	office := f.liveAs(t, "office")
	today := calendar.DateOf(time.Now())
	received, _ := f.srv.cal.get(ctx).AddWorkingDays(today, -3)

	// the form names the control that is wrong
	resp, body := office.post("/applications", url.Values{"office": {itoa(f.officeA1)}, "applicant_type": {"person"},
		"applicant_name": {"李申请"}, "channel": {"post_signed"}, "content": {"某项目环评批复"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "签收日期") {
		t.Errorf("a signed letter without its date: %.300s", body)
	}
	resp, body = office.post("/applications", url.Values{"office": {itoa(f.officeB)}, "applicant_type": {"person"},
		"applicant_name": {"李申请"}, "channel": {"in_person"}, "handed_in": {received.String()}, "content": {"x"}})
	wantStatus(t, resp, body, http.StatusForbidden)

	resp, body = office.post("/applications", url.Values{"office": {itoa(f.officeA1)}, "ref": {"依申请〔2026〕1号"},
		"applicant_type": {"person"}, "applicant_name": {"李申请"}, "applicant_contact": {"13800000000"},
		"channel": {"post_signed"}, "signed_for": {received.String()}, "confirmed": {today.String()}, "content": {"申请公开某项目环评批复"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/applications/"), 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q", loc)
	}
	waitFor(t, "the workflow's first record", func() bool {
		evs, _ := f.st.ApplicationEvents(ctx, id)
		return len(evs) > 0
	})
	a, err := f.st.Application(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	wantDue, _ := f.srv.cal.get(ctx).AddWorkingDays(received, application.ReplyDays)
	if a.Received != received || a.Due != wantDue || a.State != application.StateOpen {
		t.Fatalf("registered %+v: want received %s (signed for), due %s", a.ApplicationState, received, wantDue)
	}
	var notices int
	if err := f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE application_id = $1 AND status = 'pending'`, id).Scan(&notices); err != nil || notices == 0 {
		t.Errorf("no reminder planned for the dispatcher (%d, %v)", notices, err)
	}

	resp, body = office.get(loc)
	wantStatus(t, resp, body, http.StatusOK)
	left, _ := f.srv.cal.get(ctx).WorkingDaysBetween(today, wantDue)
	for _, want := range []string{"李申请", wantDue.String(), "剩余 " + strconv.Itoa(left) + " 个工作日", "登记", "邮寄（需签收）"} {
		if !strings.Contains(body, want) {
			t.Errorf("case page lacks %q: %s", want, pageText(body))
		}
	}
	other := f.liveAs(t, "office2")
	resp, body = other.get(loc)
	wantStatus(t, resp, body, http.StatusForbidden)
	sup := f.liveAs(t, "supervisor")
	resp, body = sup.get(loc)
	wantStatus(t, resp, body, http.StatusOK)
	if strings.Contains(body, "李申请") || strings.Contains(body, "13800000000") {
		t.Error("the supervisor sees the applicant")
	}
	resp, body = sup.get("/applications?unit=" + itoa(f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "依申请〔2026〕1号") {
		t.Error("the register does not list the application")
	}

	// a refusal of the workflow comes back in Chinese, naming what is wrong
	resp, body = office.post(loc+"/extend", url.Values{"days": {"10"}, "reason": {"档案量大"}})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "批准人") {
		t.Errorf("extension without approver: %.300s", body)
	}
	resp, body = office.post(loc+"/reply", url.Values{"result": {"refuse/process_information"}, "note": {"过程性信息"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	resp, body = office.post(loc+"/close", nil)
	wantStatus(t, resp, body, http.StatusForbidden)
	resp, body = sup.post(loc+"/close", url.Values{"note": {"同意"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	waitFor(t, "the sign-off", func() bool {
		a, _ := f.st.Application(ctx, id)
		return a.State == application.StateClosed
	})
	resp, body = office.get(loc)
	wantStatus(t, resp, body, http.StatusOK)
	for _, want := range []string{"不予公开：属于四类过程性信息", "办结签发", "已办结"} {
		if !strings.Contains(body, want) {
			t.Errorf("closed case page lacks %q", want)
		}
	}
	var audits int
	f.st.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_type = 'application' AND object_id = $1`, itoa(id)).Scan(&audits)
	if audits < 3 {
		t.Errorf("%d audit entries for the application, want create, reply and close", audits)
	}

	// the report page and the xlsx count it where the form says
	year := today.Year
	if received.Year != year {
		year = received.Year
	}
	resp, body = sup.json("GET", "/api/applications/report?unit="+itoa(f.unitA)+"&year="+strconv.Itoa(year), nil)
	wantStatus(t, resp, body, http.StatusOK)
	var rep struct {
		Table struct {
			Rows []struct {
				Code   string `json:"code"`
				Counts [7]int `json:"counts"`
			} `json:"rows"`
		} `json:"table"`
		Check string `json:"check_error"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string][7]int{}
	for _, r := range rep.Table.Rows {
		got[r.Code] = r.Counts
	}
	if rep.Check != "" || got["new"][0] != 1 || got["process_information"][0] != 1 || got["total"][6] != 1 || got["carry_out"][6] != 0 {
		t.Errorf("report %+v (check %q)", got, rep.Check)
	}
	resp, body = sup.get("/applications/report.xlsx?unit=" + itoa(f.unitA) + "&year=" + strconv.Itoa(year))
	wantStatus(t, resp, body, http.StatusOK)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.GetCellValue("第三部分", "B6"); v != "1" {
		t.Errorf("xlsx 一、本年新收 自然人: %q", v)
	}
	if idx, _ := x.GetSheetIndex("第二部分"); idx < 0 {
		t.Errorf("the xlsx has no 第二部分: %v", x.GetSheetList())
	}
	checkReportPart2(t, f, sup)
	resp, body = office.get("/applications/report?unit=" + itoa(f.unitA))
	wantStatus(t, resp, body, http.StatusForbidden)
}

// The JSON API registers and answers the same way, and a 补正 stops the clock.
func TestApplicationAPI(t *testing.T) {
	f := liveApplications(t)
	ctx := context.Background()
	admin := f.liveAs(t, "admin")
	today := calendar.DateOf(time.Now())
	resp, body := admin.json("POST", "/api/applications", map[string]any{"office": f.officeA2, "applicant_type": "legal",
		"applicant_name": "某律师事务所", "channel": "online", "confirmed": today.String(), "content": "某行政处罚决定书"})
	wantStatus(t, resp, body, http.StatusCreated)
	var created store.Application
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.ID == 0 {
		t.Fatalf("created %s: %v", body, err)
	}
	path := "/api/applications/" + itoa(created.ID)
	until := today.AddDays(15)
	waitFor(t, "the workflow", func() bool {
		resp, body = admin.json("POST", path+"/correction", map[string]any{"until": until.String(), "note": "请明确文书编号"})
		return resp.StatusCode == http.StatusOK
	})
	var st workflows.ApplicationState
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != application.StateCorrection || !st.Due.IsZero() || st.CorrectionDue != until {
		t.Errorf("after 补正: %+v", st)
	}
	resp, body = admin.json("POST", path+"/correction", map[string]any{"until": until.String()})
	wantStatus(t, resp, body, http.StatusConflict)
	if !strings.Contains(body, "只能告知一次") {
		t.Errorf("second 补正: %s", body)
	}
	resp, body = admin.json("POST", path+"/corrected", map[string]any{})
	wantStatus(t, resp, body, http.StatusOK)
	json.Unmarshal([]byte(body), &st)
	want, _ := f.srv.cal.get(ctx).AddWorkingDays(today, application.ReplyDays)
	if st.Due != want {
		t.Errorf("after completion due %s, want %s", st.Due, want)
	}
	resp, body = admin.json("GET", "/api/applications?unit="+itoa(f.unitA), nil)
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "某律师事务所") {
		t.Errorf("the admin's register lacks the application: %.300s", body)
	}
}

// The register lists an overdue application first, and the supervisors' dashboard shows it,
// while one with its time ahead stays off the dashboard.
func TestApplicationsOverdueFirstAndOnTheDashboard(t *testing.T) {
	f := liveApplications(t)
	ctx := context.Background()
	office := f.liveAs(t, "office")
	today := calendar.DateOf(time.Now())
	cal := f.srv.cal.get(ctx)
	old, _ := cal.AddWorkingDays(today, -(application.ReplyDays + 2))
	register := func(ref string, received calendar.Date) {
		resp, body := office.json("POST", "/api/applications", map[string]any{"office": f.officeA1, "ref": ref, "applicant_type": "business",
			"applicant_name": "某公司", "channel": "in_person", "handed_in": received.String(), "content": "某许可信息"})
		wantStatus(t, resp, body, http.StatusCreated)
	}
	register("新申请", today)
	register("逾期申请", old)
	resp, body := office.get("/applications")
	wantStatus(t, resp, body, http.StatusOK)
	late, fresh := strings.Index(body, "逾期申请"), strings.Index(body, "新申请")
	if late < 0 || fresh < 0 || late > fresh {
		t.Errorf("register order: overdue at %d, new at %d", late, fresh)
	}
	if !strings.Contains(body, "答复逾期 1 件") {
		t.Errorf("summary: %.500s", pageText(body))
	}
	sup := f.liveAs(t, "supervisor")
	resp, body = sup.json("GET", "/api/dashboard", nil)
	wantStatus(t, resp, body, http.StatusOK)
	var d struct {
		Applications []struct {
			Ref     string `json:"ref"`
			Overdue bool   `json:"overdue"`
			Name    string `json:"applicant_name"`
		} `json:"applications"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Applications) != 1 || d.Applications[0].Ref != "逾期申请" || !d.Applications[0].Overdue || d.Applications[0].Name == "某公司" {
		t.Errorf("dashboard applications %+v", d.Applications)
	}
}

// An admin uploads the unit's old 登记台账: a row with an office not in the directory stops the
// whole file with the row named; fixed, the answered rows are closed cases and the open one
// starts its clock.
func TestApplicationLedgerUpload(t *testing.T) {
	f := liveApplications(t)
	ctx := context.Background()
	admin := f.liveAs(t, "admin")
	today := calendar.DateOf(time.Now())
	book := func(office string) []byte {
		x := excelize.NewFile()
		defer x.Close()
		rows := [][]any{
			{"编号", "收到日期", "申请人", "申请人类型", "申请方式", "申请内容", "承办科室", "答复日期", "答复结果"},
			{"旧-1", "2026-02-03", "张三", "自然人", "当面提交", "某通知", "办公室", "2026-02-25", "部分公开"},
			{"旧-2", today.String(), "某公司", "商业企业", "网上", "某许可", office, "", ""},
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			x.SetSheetRow("Sheet1", cell, &r)
		}
		var b bytes.Buffer
		if err := x.Write(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	resp, body := admin.upload("/applications/import", map[string]string{"unit": itoa(f.unitA)}, "台账.xlsx", book("档案室"))
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "第3行“经办科室”：科室“档案室”不在该单位的通讯录中") {
		t.Errorf("unknown office: %.500s", pageText(body))
	}
	resp, body = admin.upload("/applications/import", map[string]string{"unit": itoa(f.unitA)}, "台账.xlsx", book("法规科"))
	wantStatus(t, resp, body, http.StatusSeeOther)
	rows, err := f.st.Applications(ctx, store.ApplicationFilter{UnitID: f.unitA})
	if err != nil || len(rows) != 2 {
		t.Fatalf("%d applications, %v", len(rows), err)
	}
	for _, a := range rows {
		switch a.Ref {
		case "旧-1":
			if a.State != application.StateClosed || a.ReplyType != "partial" {
				t.Errorf("旧-1: %+v", a.ApplicationState)
			}
		case "旧-2":
			waitFor(t, "the imported application's workflow", func() bool {
				evs, _ := f.st.ApplicationEvents(ctx, a.ID)
				return len(evs) > 0 && evs[0].Kind == "registered"
			})
		}
	}
	office := f.liveAs(t, "office")
	resp, body = office.upload("/applications/import", map[string]string{"unit": itoa(f.unitA)}, "台账.xlsx", book("法规科"))
	wantStatus(t, resp, body, http.StatusForbidden)
}

// checkReportPart2 reads 第二部分 of the fixture's 2024 report from the page and the xlsx: the
// form's rows are there with blank cells, and the supplement's 合计 counts the cycles the
// month charts count for the unit's 2024.
func checkReportPart2(t *testing.T, f *fixture, sup *client) {
	t.Helper()
	months, err := f.st.MonthlyFigures(context.Background(), store.ReportFilter{Scope: store.Scope{All: true}, Unit: f.unitA,
		From: calendar.D(2024, 1, 1).Start(), To: calendar.D(2025, 1, 1).Start()})
	if err != nil {
		t.Fatal(err)
	}
	var due, done, onTime int
	for _, m := range months {
		due, done, onTime = due+m.Due, done+m.Done, onTime+m.OnTime
	}
	if due == 0 {
		t.Fatal("the fixture has no cycles due in 2024")
	}
	q := "?unit=" + itoa(f.unitA) + "&year=2024"
	resp, body := sup.get("/applications/report" + q)
	wantStatus(t, resp, body, http.StatusOK)
	for _, want := range []string{"二、主动公开政府信息情况", "第二十条第（一）项", "本年制发件数", "行政规范性文件", "行政强制",
		"本年收费金额（单位：万元）", "本年度主动公开事项完成情况", "政务公开"} {
		if !strings.Contains(body, want) {
			t.Errorf("the report page lacks %q", want)
		}
	}
	if strings.Contains(body, "报表数字不能相互印证") {
		t.Errorf("the 2024 report does not add up: %s", pageText(body))
	}
	total := regexp.MustCompile(`data-code="supplement-total"><td>合计</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>`).FindStringSubmatch(body)
	want := []string{strconv.Itoa(due), strconv.Itoa(done), strconv.Itoa(onTime)}
	if total == nil || strings.Join(total[2:], ",") != strings.Join(want, ",") {
		t.Errorf("合计 on the page %q, the month figures give 应完成/已完成/按时 %v", total, want)
	}
	resp, body = sup.get("/applications/report.xlsx" + q)
	wantStatus(t, resp, body, http.StatusOK)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("第二部分")
	if err != nil {
		t.Fatal(err)
	}
	var form, sum bool
	for _, r := range rows {
		if len(r) > 0 && r[0] == "行政许可" {
			form = len(strings.Join(r[1:], "")) == 0
		}
		if len(r) == 5 && r[0] == "合计" {
			sum = strings.Join(r[2:], ",") == strings.Join(want, ",")
		}
	}
	if !form || !sum {
		t.Errorf("xlsx 第二部分: form row blank %v, 合计 %v: %q", form, sum, rows)
	}
}
