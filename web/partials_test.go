package web

import (
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
)

// filter-select shows a menu only when there is a choice, marks the chosen option and puts
// 全部 first when asked; every page gets it with the layout.
func TestFilterSelectPartial(t *testing.T) {
	p, err := loadPages(false)
	if err != nil {
		t.Fatal(err)
	}
	run := func(all bool, units []store.UnitRow, unit int64) string {
		t.Helper()
		args, err := templateArgs("Label", "单位", "Name", "unit", "All", all, "Options", units, "Selected", unit)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := p.set["items"].ExecuteTemplate(&b, "filter-select", args); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	two := []store.UnitRow{{ID: 1, Name: "甲局"}, {ID: 2, Name: "乙局"}}
	got := run(true, two, 2)
	for _, want := range []string{`<label>单位`, `<select name="unit">`, `<option value="">全部</option>`,
		`<option value="1" >甲局</option>`, `<option value="2" selected>乙局</option>`} {
		if !strings.Contains(got, want) {
			t.Errorf("menu lacks %q:\n%s", want, got)
		}
	}
	if got := run(false, two, 1); strings.Contains(got, "全部") || !strings.Contains(got, `<option value="1" selected>甲局</option>`) {
		t.Errorf("menu without 全部:\n%s", got)
	}
	if got := run(true, two[:1], 1); strings.TrimSpace(got) != "" {
		t.Errorf("one unit, no choice, yet a menu:\n%s", got)
	}
	if _, err := templateArgs("Label"); err == nil {
		t.Error("args took an odd number of values")
	}
}
