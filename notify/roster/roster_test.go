package roster

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/store"
)

func xlsx(t testing.TB, sheets map[string][][]any) *bytes.Reader {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for name, rows := range sheets {
		if name != "Sheet1" {
			if _, err := f.NewSheet(name); err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}

func TestReadFindsHeadersAnywhere(t *testing.T) {
	r := xlsx(t, map[string][][]any{
		"Sheet1": {{"说明：本表为空"}},
		"联系人": {
			{"Name", "Office", "E-mail", "Mobile", "Role", "Channels", "Level", "Alerts", "Note"},
			{"Zhang San", "Office", "zs@example.gov.cn", "+86 138-0013-8000", "head", "sms,email", "", "yes", "x"},
			{},
			{"Li Si", "", "ls@example.gov.cn", "", "director", "", "", "", ""},
		},
	})
	rows, err := ReadXLSX(r, "roster.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	z, l := rows[0], rows[1]
	if z.Row != 2 || z.Mobile != "+8613800138000" || z.Role != store.RoleHead || strings.Join(z.Channels, ",") != "sms,email" || !z.Alerts {
		t.Errorf("first row %+v", z)
	}
	if l.Row != 4 || l.Role != store.RoleDirector || l.Level != 1 {
		t.Errorf("second row %+v", l)
	}
}

func TestReadReportsCells(t *testing.T) {
	r := xlsx(t, map[string][][]any{"Sheet1": {
		{"姓名", "邮箱", "角色"},
		{"张三", "zs@example.gov.cn", "联系人"},
		{"李四", "", "局长"},
	}})
	_, err := ReadXLSX(r, "名单.xlsx")
	var cell *Error
	if !errors.As(err, &cell) {
		t.Fatalf("error %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"import 名单.xlsx row 2 column C (角色): 联系人须写明科室",
		"import 名单.xlsx row 3 column B (邮箱): 李四既没有邮箱也没有手机，收不到提醒",
		"import 名单.xlsx row 3 column C (角色): “局长”不是角色",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack %q:\n%s", want, msg)
		}
	}
	if _, err := ReadXLSX(xlsx(t, map[string][][]any{"Sheet1": {{"名称", "地址"}}}), "x.xlsx"); err == nil ||
		!strings.Contains(err.Error(), "没有含“姓名”的表头行") {
		t.Errorf("no header: %v", err)
	}
	if _, err := ReadXLSX(strings.NewReader("姓名,邮箱\n"), "x.xlsx"); err == nil || !strings.Contains(err.Error(), "不是可读的 .xlsx") {
		t.Errorf("csv as xlsx: %v", err)
	}
}
