package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/store"
)

var rosterHeader = []any{"姓名", "邮箱", "手机", "接收方式", "单位", "科室", "角色", "级别", "接收告警", "备注"}

// rosterFile makes a roster workbook with the standard header and the rows.
func rosterFile(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range append([][]any{rosterHeader}, rows...) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func countPeople(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.Pool.QueryRow(context.Background(), `SELECT count(*) FROM people`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRosterImport(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	admin := f.as(t, "admin")
	// Someone the roster will find by mobile and rename; someone it will find unchanged.
	old, err := f.st.AddPerson(ctx, store.Person{Name: "张三（旧）", Mobile: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	same, err := f.st.AddPerson(ctx, store.Person{Name: "赵六", Email: "zl@a.gov.cn", Channels: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.AttachOfficePerson(ctx, f.officeA2, same, store.RoleContact); err != nil {
		t.Fatal(err)
	}

	// A file with every kind of problem: bad cells and names the directory does not know.
	bad := rosterFile(t,
		[]any{"张三", "zs@", "13800138000", "", "甲局", "办公室", "联系人", "", "", ""},     // row 2: email
		[]any{"李四", "ls@a.gov.cn", "", "", "甲局", "办公室", "局长", "", "", ""},         // row 3: role
		[]any{"王五", "ww@a.gov.cn", "", "", "甲局", "财务室", "联系人", "", "", ""},        // row 4: office unknown
		[]any{"钱七", "qq@a.gov.cn", "", "", "丙局", "", "分管领导", "3", "", ""},         // row 5: unit unknown
		[]any{"孙八", "sb@a.gov.cn", "12345", "飞鸽", "甲局", "办公室", "联系人", "", "", ""}, // row 6: mobile and channel
	)
	resp, body := admin.upload("/admin/people/import", map[string]string{"dry_run": "1"}, "名单.xlsx", bad)
	wantStatus(t, resp, body, http.StatusOK)
	page := html.UnescapeString(body)
	for _, want := range []string{
		`<td data-label="行">2</td><td data-label="列">B</td><td data-label="表头">邮箱</td>`,
		`<td data-label="行">3</td><td data-label="列">G</td><td data-label="表头">角色</td>`,
		`<td data-label="行">4</td><td data-label="列">F</td><td data-label="表头">科室</td><td data-label="问题">科室“财务室”不在该单位的通讯录中`,
		`<td data-label="行">5</td><td data-label="列">E</td><td data-label="表头">单位</td><td data-label="问题">单位“丙局”尚未建立`,
		`<td data-label="行">6</td><td data-label="列">C</td><td data-label="表头">手机</td>`,
		`<td data-label="行">6</td><td data-label="列">D</td><td data-label="表头">接收方式</td>`,
		"问题（6）",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview lacks %s", want)
		}
	}
	if strings.Contains(body, "roster-confirm") || countPeople(t, f.st) != 2 {
		t.Fatalf("a bad roster offers confirmation or wrote people:\n%s", body)
	}
	// The API: the same problems as data; importing without a dry run refuses and writes nothing.
	resp, body = admin.upload("/api/people/import?dry_run=1", nil, "名单.xlsx", bad)
	wantStatus(t, resp, body, http.StatusOK)
	var pv struct {
		OK       bool   `json:"ok"`
		Error    string `json:"error"`
		Problems []struct {
			File, Column, Header, Message string
			Row                           int
		} `json:"problems"`
		Plan *store.RosterPlan `json:"plan"`
	}
	decode(t, body, &pv)
	if pv.OK || len(pv.Problems) != 6 || pv.Problems[0].File != "名单.xlsx" || pv.Problems[0].Row != 2 || pv.Problems[0].Column != "B" ||
		!strings.HasPrefix(pv.Problems[0].Message, "import 名单.xlsx row 2 column B (邮箱): ") {
		t.Fatalf("API dry run of a bad roster: %s", body)
	}
	resp, body = admin.upload("/api/people/import", nil, "名单.xlsx", bad)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, `"error":"名单有 6 处问题，未导入任何人员。"`) || countPeople(t, f.st) != 2 {
		t.Fatalf("API import of a bad roster: %s", body)
	}

	// A good file: rows without 单位 take the unit chosen on the form; a person on two rows is
	// one person; the mobile finds 张三（旧）.
	good := rosterFile(t,
		[]any{"张三", "zs@a.gov.cn", "138-0013-8000", "短信,邮件", "", "办公室", "联系人", "", "", ""},
		[]any{"张三", "zs@a.gov.cn", "", "", "", "法规科", "负责人", "", "", ""},
		[]any{"李四", "ls@a.gov.cn", "", "", "", "", "分管领导", "3", "是", "分管政务公开"},
		[]any{"赵六", "zl@a.gov.cn", "", "", "", "法规科", "联系人", "", "", ""},
		[]any{"王五", "", "13900139000", "", "乙局", "综合科", "负责人", "", "", ""},
	)
	fields := map[string]string{"dry_run": "1", "unit": fmt.Sprint(f.unitA)}
	resp, body = admin.upload("/api/people/import", fields, "名单.xlsx", good)
	wantStatus(t, resp, body, http.StatusOK)
	decode(t, body, &pv)
	if !pv.OK || pv.Plan == nil || len(pv.Plan.Changes) != 5 {
		t.Fatalf("dry run of a good roster: %s", body)
	}
	p := pv.Plan
	if p.New != 2 || p.Updated != 1 || p.Unchanged != 1 || p.NewRoles != 4 || p.KeptRoles != 1 {
		t.Errorf("plan sums %+v", p)
	}
	c := p.Changes
	if c[0].Action != "update" || c[0].PersonID != old || c[0].Changed["name"] != [2]any{"张三（旧）", "张三"} || c[0].RoleIs != "new" || c[0].Office != "办公室" {
		t.Errorf("row 2: %+v", c[0])
	}
	if c[1].Action != "again" || c[1].FirstRow != 2 || c[1].Role != store.RoleHead || c[1].Office != "法规科" {
		t.Errorf("row 3: %+v", c[1])
	}
	if c[2].Action != "create" || c[2].Role != store.RoleLeader || c[2].Level != 3 || c[2].Unit != "甲局" {
		t.Errorf("row 4: %+v", c[2])
	}
	if c[3].Action != "same" || c[3].PersonID != same || c[3].RoleIs != "kept" {
		t.Errorf("row 5: %+v", c[3])
	}
	if c[4].Action != "create" || c[4].Unit != "乙局" || c[4].Office != "综合科" {
		t.Errorf("row 6: %+v", c[4])
	}
	// The dry run wrote nothing.
	if n := countPeople(t, f.st); n != 2 {
		t.Fatalf("dry run left %d people", n)
	}
	if o, _ := f.st.Person(ctx, old); o.Name != "张三（旧）" || len(o.Offices) != 0 {
		t.Fatalf("dry run changed %+v", o)
	}

	// The page: the preview shows the plan and a confirmation carrying the file; confirming
	// imports it.
	resp, body = admin.upload("/admin/people/import", fields, "名单.xlsx", good)
	wantStatus(t, resp, body, http.StatusOK)
	for _, want := range []string{`id="plan-new">2<`, `id="plan-updated">1<`, `id="roster-confirm"`, "姓名：张三（旧） → 张三", "同上（第 2 行）"} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("the preview page lacks %s", want)
		}
	}
	m := regexp.MustCompile(`name="data" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no file in the confirmation:\n%s", body)
	}
	resp, body = admin.upload("/admin/people/import", map[string]string{"data": html.UnescapeString(m[1]), "file_name": "名单.xlsx", "unit": fmt.Sprint(f.unitA)}, "", nil)
	wantStatus(t, resp, body, http.StatusSeeOther)
	if !strings.Contains(flashOf(t, resp), "已导入名单 名单.xlsx：新建 2 人") {
		t.Fatalf("flash after importing: %q", flashOf(t, resp))
	}
	if n := countPeople(t, f.st); n != 4 {
		t.Fatalf("%d people after the import, want 4", n)
	}
	zs, err := f.st.Person(ctx, old)
	if err != nil || zs.Name != "张三" || zs.Email != "zs@a.gov.cn" || strings.Join(zs.Channels, ",") != "sms,email" || len(zs.Offices) != 2 {
		t.Fatalf("张三 after the import: %+v, %v", zs, err)
	}
	ls, err := f.st.PersonByAddress(ctx, "ls@a.gov.cn")
	if err != nil || !ls.Alerts || len(ls.Units) != 1 || ls.Units[0].Level != 3 || ls.Units[0].UnitID != f.unitA {
		t.Fatalf("李四 after the import: %+v, %v", ls, err)
	}
	if e := audits(t, f.st, "roster.import"); len(e) != 1 || !strings.Contains(string(e[0].Detail), `"created": 2`) {
		t.Fatalf("audit of the import: %+v", e)
	}
	// Previewing the same file again: nothing left to do.
	resp, body = admin.upload("/api/people/import", fields, "名单.xlsx", good)
	wantStatus(t, resp, body, http.StatusOK)
	decode(t, body, &pv)
	if pv.Plan.New != 0 || pv.Plan.Updated != 0 || pv.Plan.NewRoles != 0 || pv.Plan.KeptRoles != 5 {
		t.Fatalf("second dry run %+v", pv.Plan)
	}

	// All or nothing: a row whose email and mobile belong to two people fails the whole file,
	// including the rows before it, and the preview names that row.
	clash := rosterFile(t,
		[]any{"新人", "xr@a.gov.cn", "", "", "甲局", "办公室", "联系人", "", "", ""},
		[]any{"混淆", "zs@a.gov.cn", "13900139000", "", "甲局", "办公室", "联系人", "", "", ""},
	)
	resp, body = admin.upload("/api/people/import", map[string]string{"dry_run": "1"}, "clash.xlsx", clash)
	wantStatus(t, resp, body, http.StatusOK)
	decode(t, body, &pv)
	if pv.OK || len(pv.Problems) != 1 || pv.Problems[0].Row != 3 || !strings.Contains(body, "分别属于两位不同的已有人员") {
		t.Fatalf("dry run of a clashing roster: %s", body)
	}
	resp, body = admin.upload("/admin/people/import", nil, "clash.xlsx", clash)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "未导入任何人员") || countPeople(t, f.st) != 4 {
		t.Fatalf("a clashing roster was half-imported (%d people):\n%s", countPeople(t, f.st), body)
	}

	// Not a workbook; no file at all.
	resp, body = admin.upload("/api/people/import?dry_run=1", nil, "名单.csv", []byte("姓名,邮箱\n张三,zs@a.gov.cn\n"))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, "不是可读的 .xlsx 文件") {
		t.Fatalf("a CSV: %s", body)
	}
	resp, body = admin.upload("/admin/people/import", map[string]string{"dry_run": "1"}, "", nil)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "请选择名单文件（.xlsx）。") || !strings.Contains(body, `id="directory-people"`) {
		t.Fatalf("no file: %s", body)
	}
}
