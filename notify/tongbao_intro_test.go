package notify

import (
	"strings"
	"testing"
)

// A digest of only 通报 names the periods it carries: 上月 on the first working day of a month,
// 上月和上季度 on a quarter's (the quarter's 通报 goes out beside its last month's), 上季度 when
// only the quarter's is left to send. The email's text and HTML and the robot markdown agree.
func TestTongbaoDigestIntroNamesThePeriods(t *testing.T) {
	r, _ := renderer(t)
	month := Entry{Kind: Tongbao, Title: "甲局2024年6月政务公开工作通报", Cycle: "2024-06", Requirement: "到期8项，已完成5项", Link: "/tongbao?unit=1&month=2024-06"}
	quarter := Entry{Kind: Tongbao, Title: "甲局2024年第二季度政务公开工作通报", Cycle: "2024Q2", Requirement: "到期20项，已完成15项", Link: "/tongbao?unit=1&month=2024Q2"}
	cases := []struct {
		name    string
		entries []Entry
		want    string
		not     []string
	}{
		{"month", []Entry{month}, "您好！上月政务公开工作通报已生成，请查看：", []string{"季度政务公开工作通报已生成"}},
		{"quarter day", []Entry{month, quarter}, "您好！上月和上季度政务公开工作通报已生成，请查看：", nil},
		{"quarter only", []Entry{quarter}, "您好！上季度政务公开工作通报已生成，请查看：", []string{"上月"}},
	}
	for _, c := range cases {
		var in []Addressed
		for _, e := range c.entries {
			in = append(in, Addressed{"person:7", e})
		}
		n := DigestNotice(GroupDigests(in)[0], window)
		m, err := r.Render(n, to, FormatEmail)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, c.want) || !strings.Contains(m.HTML, c.want) {
			t.Errorf("%s: the email does not say %q:\n%s\n%s", c.name, c.want, m.Text, m.HTML)
		}
		for _, e := range c.entries {
			if !strings.Contains(m.Text, e.Title) {
				t.Errorf("%s: the email lacks the line %s", c.name, e.Title)
			}
		}
		md, err := r.Render(n, to, FormatMarkdown)
		if err != nil {
			t.Fatal(err)
		}
		if intro := strings.TrimPrefix(c.want, "您好！"); !strings.Contains(md.Markdown, intro) {
			t.Errorf("%s: the markdown does not say %q:\n%s", c.name, intro, md.Markdown)
		}
		for _, not := range c.not {
			if strings.Contains(m.Text, not) {
				t.Errorf("%s: the email says %q:\n%s", c.name, not, m.Text)
			}
		}
	}
}
