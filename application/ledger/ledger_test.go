package ledger_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/application/ledger"
	"github.com/zwgk/zwgk/calendar"
)

func workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
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

// A ledger as units keep them: a title row, headers with spaces and line breaks, dates written
// three ways, answers worded freely; the rows it cannot read are named by row and column.
func TestReadLedger(t *testing.T) {
	data := workbook(t, [][]any{
		{"2025年政府信息公开申请登记台账"},
		{"序号", "收件 日期", "申请人\n姓名/名称", "申请人类型", "联系电话", "申请方式", "申请内容", "承办科室", "答复日期", "答复结果"},
		{"1", "2025-03-02", "张三", "自然人", "138", "当面提交", "某征地批复", "办公室", "2025/3/20", "予以公开"},
		{"2", "2025年4月1日", "某律师事务所", "法律服务机构", "", "挂号信", "某处罚决定", "法规科", "2025-04-28", "不予公开（属于国家秘密）"},
		{"3", "2025.12.29", "某公司", "企业", "", "网上申请", "某许可信息", "办公室", "", ""},
		{"4", "2025-05-06", "李四", "个人", "", "平信", "某信息", "办公室", "2025-06-01", "其他处理：申请人逾期不补正"},
		{"5", "明天", "王五", "外星人", "", "飞鸽", "x", "办公室", "", ""},
		{"6", "2025-05-06", "赵六", "自然人", "", "传真", "x", "办公室", "2025-06-01", "无法提供"},
		{},
	})
	rows, issues, err := ledger.Read("ledger.xlsx", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows read, want 4: %+v", len(rows), rows)
	}
	want := []struct {
		received calendar.Date
		a        application.Applicant
		ch       application.Channel
		typ      application.ReplyType
		reason   application.Reason
	}{
		{calendar.D(2025, 3, 2), application.Person, application.InPerson, application.Disclose, ""},
		{calendar.D(2025, 4, 1), application.LegalFirm, application.PostSigned, application.Refuse, application.SecretState},
		{calendar.D(2025, 12, 29), application.Business, application.Online, "", ""},
		{calendar.D(2025, 5, 6), application.Person, application.Letter, application.Other, application.NoCorrection},
	}
	for i, w := range want {
		r := rows[i]
		if r.Received != w.received || r.Applicant != w.a || r.Channel != w.ch || r.ReplyType != w.typ || r.Reason != w.reason {
			t.Errorf("row %d: %+v, want %+v", r.Line, r, w)
		}
	}
	if rows[0].Replied != calendar.D(2025, 3, 20) || rows[0].Office != "办公室" || rows[0].ApplicantName != "张三" {
		t.Errorf("row 3: %+v", rows[0])
	}
	text := ""
	for _, is := range issues {
		text += is.String() + "\n"
	}
	for _, want := range []string{"第7行“收件日期”", "第7行“申请人类型”：“外星人”", "第7行“申请方式”：“飞鸽”", "第8行“答复结果”"} {
		if !strings.Contains(text, want) {
			t.Errorf("issues lack %q:\n%s", want, text)
		}
	}
}

func TestReadLedgerWithoutHeader(t *testing.T) {
	if _, _, err := ledger.Read("ledger.xlsx", workbook(t, [][]any{{"姓名", "内容"}, {"张三", "x"}})); err == nil {
		t.Error("a sheet without the register's columns was read")
	}
	if _, _, err := ledger.Read("ledger.xlsx", []byte("not a workbook")); err == nil {
		t.Error("a non-xlsx was read")
	}
}

// Ledgers word their columns their own way: the columns are found by what their headers mean
// (申请形式, 收件时间, 申请公开的内容, 承办股室), and a sheet that lacks some is refused naming them.
func TestReadLedgerHeadersByMeaning(t *testing.T) {
	data := workbook(t, [][]any{
		{"某区民政局政府信息公开申请登记台账（2026年）"},
		{"登记编号", "申请人姓名", "申请人性质", "申请形式", "收件时间", "申请公开的内容", "承办股室", "答复时间", "处理结果"},
		{"2026-001", "王某", "公民", "当面提交", "2026-09-30", "低保审批名单", "救助股", "", ""},
		{"2026-002", "某律师事务所", "法律服务机构", "网络申请", "2026-03-02", "养老机构检查记录", "养老股", "2026-03-20", "部分公开（涉及第三方合法权益）"},
	})
	rows, issues, err := ledger.Read("ledger.xlsx", data)
	if err != nil || len(issues) > 0 {
		t.Fatalf("read: %v %v", err, issues)
	}
	if len(rows) != 2 || rows[0].Office != "救助股" || rows[1].Office != "养老股" || rows[0].Received != calendar.D(2026, 9, 30) {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Content != "低保审批名单" || rows[1].ReplyType == "" || rows[1].Replied != calendar.D(2026, 3, 20) {
		t.Errorf("content %q, reply %q on %v", rows[0].Content, rows[1].ReplyType, rows[1].Replied)
	}
	_, _, err = ledger.Read("ledger.xlsx", workbook(t, [][]any{{"申请人", "申请人类型", "收到日期", "申请内容"}, {"张三", "自然人", "2026-01-05", "x"}}))
	if err == nil || !strings.Contains(err.Error(), "申请方式") || !strings.Contains(err.Error(), "经办科室") {
		t.Errorf("a ledger without 申请方式 and 经办科室: %v, want both named", err)
	}
}
