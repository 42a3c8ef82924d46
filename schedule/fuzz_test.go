package schedule

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that the parser never panics and keeps its promises on any input: a parsed
// rule is valid and keeps the cell as Text, an unparsed one says why, and the matches of FindAll
// are in order, do not overlap and frame their own wording in the input.
func FuzzParse(f *testing.F) {
	for _, c := range domainCells {
		f.Add(c.text, 2024)
	}
	for _, s := range []string{
		"現(xiàn)在季度更新", "(xiàn)", "現(", "現(xiàn", "每年通過多形式征集公眾意見不少於1次",
		"及时回应涉及本地区、本单位的政务舆情,对于涉及特别重大、重大突发事件的政务舆情,要在5个小时内发布权威信息,在24小时内举行新闻发布会,其他舆情要在48小时内予以回应。",
		"十十月底", "一百月底", "99999999999999999999个工作日内", "0个工作日内", "2月29日前", "\xff\xfe月底",
		"每每每每月月月", "8月至7月", "12月-1月", "１２月３１日前", "2200年12月31日前", "9999年1月1日前",
		"每季度首月15日前", "每季度第9个月1日前", "每半年末月31日前", "每季度结束后10个工作日内", "每年度结束后9999个工作日内",
		"每月32日前", "13月底", "信息形成或变更之日起20个工作日内", "20个工作日(自该政府信息形成或者变更之日起)", "春节前", "元旦前", "每两周更新", "次月10日前", "与政策文件同步发布,时间跨度不超过5个工作日", "二月三十日", "年度内至少参加1次", "每 月 更 新", "5 24小时内", "每月\n10日前",
	} {
		f.Add(s, 2024)
	}
	f.Add("2月29日前", 2023)
	f.Add("每季度结束后10个工作日内", 2200)
	f.Add("4月底", 0)
	f.Add("次年1月31日前", -5)
	f.Fuzz(func(t *testing.T, text string, year int) {
		r := Parse(text, year)
		switch r.Kind {
		case KindUnparsed:
			if r.Reason == "" {
				t.Fatalf("Parse(%q): unparsed without a reason", text)
			}
		default:
			if err := r.Validate(); err != nil {
				t.Fatalf("Parse(%q, %d) = invalid rule %+v: %v", text, year, r, err)
			}
			if r.Text != strings.TrimSpace(text) {
				t.Fatalf("Parse(%q).Text = %q", text, r.Text)
			}
			if year >= 1900 && year <= 2200 {
				if _, err := Cycles(r, year, cal); err != nil {
					t.Fatalf("Cycles(Parse(%q)) = %v", text, err)
				}
			}
		}
		_ = r.String()
		end := 0
		for _, m := range FindAll(text, year) {
			if m.Start < end || m.End < m.Start || m.End > len(text) {
				t.Fatalf("FindAll(%q): match %d..%d after %d", text, m.Start, m.End, end)
			}
			end = m.End
			if text[m.Start:m.End] != m.Text || m.Rule.Text != m.Text {
				t.Fatalf("FindAll(%q): %q does not frame %q", text, text[m.Start:m.End], m.Text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(m.Text) {
				t.Fatalf("FindAll(%q): match %q cuts a character", text, m.Text)
			}
			if err := m.Rule.Validate(); err != nil {
				t.Fatalf("FindAll(%q): invalid rule %+v: %v", text, m.Rule, err)
			}
		}
	})
}
