package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/store"
)

func writeRoster(t *testing.T, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "名单.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPeopleCommand(t *testing.T) {
	ctx, url, st := commandStore(t)
	unitWithOffices(t, ctx, st, "某某县财政局", "办公室", "预算股")
	vars := map[string]string{"ZWGK_DATABASE_URL": url}
	header := []any{"姓名", "手机（必填）", "邮箱", "接收方式", "科室", "角色", "级别", "接收告警"}

	bad := writeRoster(t, [][]any{
		{"某某县财政局 政务公开联系人名单"},
		header,
		{"张三", "13800138000", "zhangsan@example.gov.cn", "短信、邮件", "办公室", "联系人", "", ""},
		{"李四", "1380013", "", "", "预算股", "联系人", "", ""},
		{"王五", "13900139000", "wangwu@", "", "宣传股", "负责人", "", ""},
		{"", "13700137000", "", "传真", "", "分管领导", "十", "也许"},
	})
	code, out, errOut := runWith(t, vars, "people", "import", bad, "--unit", "某某县财政局")
	if code != 1 {
		t.Fatalf("bad roster: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"row 4 column B (手机): “1380013”不是手机号码",
		"row 5 column C (邮箱): “wangwu@”不是电子邮箱地址",
		"row 6 column A (姓名): 姓名为空",
		"row 6 column D (接收方式): “传真”不是接收方式",
		"row 6 column G (级别)",
		"row 6 column H (接收告警)",
		"nothing was imported",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("errors lack %q:\n%s", want, errOut)
		}
	}
	if ps, _ := st.People(ctx, store.PeopleFilter{}); len(ps) != 0 {
		t.Fatalf("a bad roster committed %d people", len(ps))
	}

	unknown := writeRoster(t, [][]any{header, {"王五", "13900139000", "", "", "宣传股", "负责人", "", ""}})
	code, _, errOut = runWith(t, vars, "people", "import", unknown, "--unit", "某某县财政局")
	if code != 1 || !strings.Contains(errOut, "row 2 column E (科室): 科室“宣传股”不在该单位的通讯录中") {
		t.Fatalf("unknown office: exit %d\n%s", code, errOut)
	}

	good := writeRoster(t, [][]any{
		header,
		{"张三", "13800138000", "zhangsan@example.gov.cn", "短信、邮件", "办公室", "联系人", "", ""},
		{"张三", "13800138000", "", "", "预算股", "负责人", "", ""},
		{"李四", "", "lisi@example.gov.cn", "", "", "政务公开办", "2", "是"},
	})
	code, out, errOut = runWith(t, vars, "people", "import", good, "--unit", "某某县财政局")
	if code != 0 || !strings.Contains(out, "2 people added, 1 updated, 3 roles attached") {
		t.Fatalf("good roster: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runWith(t, vars, "people", "list", "--unit", "某某县财政局")
	if code != 0 || !strings.Contains(out, "sms,email") || !strings.Contains(out, "某某县财政局/办公室联系人；某某县财政局/预算股负责人") ||
		!strings.Contains(out, "某某县财政局政务公开办(2级)；接收告警") {
		t.Fatalf("list:\n%s", out)
	}

	code, out, errOut = runWith(t, vars, "people", "add", "--name", "赵六", "--email", "zhaoliu@example.gov.cn",
		"--unit", "某某县财政局", "--office", "预算股", "--role", "contact")
	if code != 0 || !strings.Contains(out, "is contact of 某某县财政局 预算股") {
		t.Fatalf("add: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runWith(t, vars, "people", "attach", "--person", "zhaoliu@example.gov.cn", "--unit", "某某县财政局",
		"--role", "leader", "--level", "1")
	if code != 0 || !strings.Contains(out, "is leader of 某某县财政局 at level 1") {
		t.Fatalf("attach: %s", out)
	}
	code, out, errOut = runWith(t, vars, "people", "robot", "add", "--unit", "某某县财政局", "--office", "办公室", "--kind", "dingtalk",
		"--webhook", "https://oapi.dingtalk.com/robot/send?access_token=abc", "--secret", "SECxyz")
	if code != 0 {
		t.Fatalf("robot add: %s %s", out, errOut)
	}
	code, out, _ = runWith(t, vars, "people", "robot", "list")
	if code != 0 || !strings.Contains(out, "dingtalk") || strings.Contains(out, "access_token") {
		t.Fatalf("robot list:\n%s", out)
	}
	code, _, errOut = runWith(t, vars, "people", "attach", "--person", "nobody@example.gov.cn", "--unit", "某某县财政局", "--role", "gkb")
	if code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("unknown person: %d %s", code, errOut)
	}
}

// A subcommand's usage is checked before the store is opened: with no database to reach, a
// usage error is still a usage error (exit 2), not a connection failure.
func TestPeopleUsageNeedsNoDatabase(t *testing.T) {
	vars := map[string]string{"ZWGK_DATABASE_URL": "postgres://postgres@127.0.0.1:1/none?connect_timeout=1"}
	for _, args := range [][]string{
		{"people", "add", "--email", "a@example.gov.cn"},
		{"people", "list", "extra"},
		{"people", "import"},
		{"people", "nosuch"},
		{"people", "robot", "add", "--unit", "甲局"},
		{"people", "robot", "remove"},
	} {
		if code, _, errOut := runWith(t, vars, args...); code != 2 || !strings.Contains(errOut, "usage: zwgk people") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}
