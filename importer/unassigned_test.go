package importer

import (
	"sort"
	"strings"
	"testing"
)

// A list that leaves an owner open is imported, not refused: the item goes to the unit's
// coordinating office, flagged 待分派 with the reason, and the preview warns about it.
func TestMissingOwnersGoToCoordinator(t *testing.T) {
	for _, c := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"no-office-column.xlsx", xlsxOf(t, [][]string{{"序号", "工作任务", "完成时限"}, {"1", "部门文件", "6月底"}}), "未写责任科室"},
		{"no-office.xlsx", xlsxOf(t, [][]string{{"序号", "工作任务", "责任科室", "完成时限"}, {"1", "部门文件", "", "6月底"}}), "未写责任科室"},
		{"group-unassigned.csv", []byte("工作任务,责任科室,完成时限\n部门文件,各相关科室,6月底\n"), "各相关科室"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := Load(c.name, c.data, badDir(), Options{Build: BuildOptions{Year: 2024}})
			if !res.OK() {
				t.Fatalf("refused: %v", res.Errors)
			}
			if len(res.Items) != 1 {
				t.Fatalf("%d items, want 1", len(res.Items))
			}
			it := res.Items[0]
			if !it.Unassigned || !strings.Contains(it.UnassignedReason, c.reason) {
				t.Errorf("unassigned %v reason %q, want the flag and %q", it.Unassigned, it.UnassignedReason, c.reason)
			}
			if len(it.Offices) != 1 || it.Offices[0].Name != DefaultCoordinator || it.Offices[0].ID == 0 {
				t.Errorf("offices %+v, want the existing 办公室", it.Offices)
			}
			if it.Rule.Kind != "deadline" {
				t.Errorf("rule %+v", it.Rule)
			}
			var warned bool
			for _, w := range res.Warnings {
				warned = warned || strings.Contains(w.Error(), "待分派")
			}
			if !warned {
				t.Errorf("no 待分派 warning in %v", res.Warnings)
			}
		})
	}

	// Another coordinator is a directory setting; a unit without it gets it created.
	res := Load("x.csv", []byte("工作任务,责任科室,完成时限\n部门文件,,6月底\n"), testDir("新单位", nil, nil),
		Options{Build: BuildOptions{Year: 2024, CreateOffices: true, Coordinator: "综合科"}})
	if !res.OK() || len(res.Items) != 1 {
		t.Fatalf("%v %d", res.Errors, len(res.Items))
	}
	if o := res.Items[0].Offices; len(o) != 1 || o[0].Name != "综合科" || !o[0].New {
		t.Errorf("offices %+v, want a new 综合科", o)
	}
}

// 各科室 in a new unit is every office the same import creates.
func TestAllOfficesGroupInNewUnit(t *testing.T) {
	csv := "工作任务,责任科室,完成时限\n甲,财务科,6月底\n乙,执法科,6月底\n丙,各科室,6月底\n"
	res := Load("g.csv", []byte(csv), testDir("新单位", nil, nil), Options{Build: BuildOptions{Year: 2024, CreateOffices: true}})
	if !res.OK() || len(res.Items) != 3 {
		t.Fatalf("%v %d", res.Errors, len(res.Items))
	}
	var names []string
	for _, o := range res.Items[2].Offices {
		names = append(names, o.Name)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "执法科,财务科" {
		t.Errorf("各科室 → %v, want 财务科,执法科", names)
	}
	if res.Items[2].Unassigned {
		t.Error("各科室 is resolved, not 待分派")
	}
}
