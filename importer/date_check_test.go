package importer

import (
	"strings"
	"testing"
)

// A date that does not exist in a deadline or frequency cell refuses the import, with the
// schedule parser's reason and the file, row and column of the cell.
func TestImpossibleDateCells(t *testing.T) {
	cases := []struct {
		cell string
		year int
		want string // the error, "" when the cell is fine
	}{
		{"2月30日前", 2024, "import dates.csv row 2 column 3（完成时限）: 日期不存在：2月30日"},
		{"4月31日", 2024, "import dates.csv row 2 column 3（完成时限）: 日期不存在：4月31日"},
		{"2024年4月31日前完成", 2024, "import dates.csv row 2 column 3（完成时限）: 日期不存在：2024年4月31日"},
		{"2月29日前", 2025, "import dates.csv row 2 column 3（完成时限）: 日期不存在：2月29日（2025年不是闰年）"},
		{"13月底", 2024, "import dates.csv row 2 column 3（完成时限）: 日期不存在：13月"},
		{"每月32日前", 2024, "import dates.csv row 2 column 3（完成时限）: 日期不存在：每月32日"},
		{"2月30號前", 2024, "import dates.csv row 2 column 3（完成时限）: 日期不存在：2月30號"},
		{"2月29日前", 2024, ""},
		{"每月10日前", 2024, ""},
		{"尽快", 2024, ""}, // unparsed, but no date: a warning, not an error
	}
	for _, c := range cases {
		data := "工作任务,责任科室,完成时限\n部门文件,办公室," + c.cell + "\n"
		res := Load("dates.csv", []byte(data), badDir(), Options{Build: BuildOptions{Year: c.year}})
		var msgs []string
		for _, e := range res.Errors {
			msgs = append(msgs, e.Error())
		}
		all := strings.Join(msgs, "\n")
		if c.want == "" {
			if !res.OK() {
				t.Errorf("%s (%d): refused: %s", c.cell, c.year, all)
			}
			continue
		}
		if res.OK() || !strings.Contains(all, c.want) {
			t.Errorf("%s (%d): errors\n%s\nwant %s", c.cell, c.year, all, c.want)
		}
	}
}
