package schedule

import "testing"

// A count of one article a period is a quota; one occasion stays a cycle, in a cell and inside
// a column-duty clause.
func TestPieceQuota(t *testing.T) {
	cells := []struct{ text, want string }{
		{"每周更新一条", "quota week 1"},
		{"每月发布1篇", "quota month 1"},
		{"每季度一条", "quota quarter 1"},
		{"每周更新2条", "quota week 2"},
		{"每月1次", "recurring month"},
		{"每周更新一次", "recurring week"},
		{"每月一期", "recurring month"},
	}
	for _, c := range cells {
		if got := summary(Parse(c.text, 2025)); got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.text, got, c.want)
		}
	}
	r, m, ok := Find("工作动态、图片新闻每周至少更新一条，领导讲话每月发布一篇", 2025)
	if !ok || summary(r) != "quota week 1" || m != "每周至少更新一条" {
		t.Errorf("Find: %s %q %v, want quota week 1 from 每周至少更新一条", summary(r), m, ok)
	}
	ms := FindAll("图片新闻每周更新一条，领导讲话每月发布一篇", 2025)
	if len(ms) != 2 || summary(ms[1].Rule) != "quota month 1" || ms[1].Text != "每月发布一篇" {
		t.Errorf("FindAll: %+v, want a second match 每月发布一篇 quota month 1", ms)
	}
}
