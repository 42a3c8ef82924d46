package importer

import (
	"strings"
	"testing"
)

// The fixes an admin makes in the preview, written as a corrections file, turn a misread list
// into the right one.
func TestCorrectionsFixAMisreadList(t *testing.T) {
	csv := "清单\n" + // row 1: a title
		"序号,事项,分工,办理时间\n" + // row 2: headers no reader knows as offices and deadlines
		"一、基础信息,,,\n" + // row 3: a section
		"1,部门文件,办公室,6月底\n" + // row 4
		"2,规划计划,相关业务股室,4月底\n" + // row 5
		"备注：本表由办公室解释,,,\n" + // row 6: a note
		"3,政策解读,财务股,视情况\n" + // row 7
		"4,新闻发布,办公室,年底前\n" + // row 8
		",（续）发布会实录,,\n" // row 9: the rest of row 8
	dir := testDir("测试局", []string{"办公室", "财务股", "法规股", "审批股"}, nil)
	raw := `{"map": {"分工": "offices", "办理时间": "deadline"}, "header_row": 2, "section_rows": [3], "skip_rows": [6],
		"merge": [[8, 9]], "groups": {"相关业务股室": ["法规股", "审批股"]}, "rules": {"row:7": "每季度更新"}}`
	c, err := ParseCorrections([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	res := Load("c.csv", []byte(csv), dir, Options{Build: BuildOptions{Year: 2025, Corrections: c}})
	if !res.OK() {
		t.Fatalf("errors: %v", res.Errors)
	}
	var got []string
	for _, it := range res.Items {
		var os []string
		for _, o := range it.Offices {
			os = append(os, o.Name)
		}
		got = append(got, strings.Join(append(append([]string{}, it.Path...), it.Title), "/")+"|"+strings.Join(os, "、")+"|"+summaryRule(it))
	}
	want := []string{
		"一、基础信息/部门文件|办公室|deadline 2025-06-30",
		"一、基础信息/规划计划|法规股、审批股|deadline 2025-04-30",
		"一、基础信息/政策解读|财务股|recurring quarter",
		"一、基础信息/新闻发布|办公室|deadline 2025-12-31",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(res.Items); n == 4 && !strings.Contains(res.Items[3].Requirement+res.Items[3].Title, "发布会实录") {
		t.Errorf("merged row lost its text: %q %q", res.Items[3].Title, res.Items[3].Requirement)
	}

	// typos are refused, not ignored
	for _, bad := range []string{`{"mapp": {}}`, `{"map": {"分工": "owner"}}`} {
		if _, err := ParseCorrections([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := ParseMap([]string{"分工"}); err == nil {
		t.Error("--map without a role accepted")
	}
}

func summaryRule(it Item) string {
	s := string(it.Rule.Kind)
	if it.Rule.Due != nil {
		s += " " + it.Rule.Due.String()
	}
	if it.Rule.Period != "" {
		s += " " + string(it.Rule.Period)
	}
	return s
}
