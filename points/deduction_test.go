package points_test

import (
	"testing"

	"github.com/zwgk/zwgk/points"
)

// The deduction texts the importer keeps (the clause of a criterion with 扣N分), from the
// importer corpus (lists 04, 05, 38, 44) and the wording the issue quotes, and the forms around
// them that read otherwise: a cap, a range, the whole score, nothing computable.
func TestParseRule(t *testing.T) {
	per := func(a, max float64) points.Rule { return points.Rule{Kind: points.PerOccurrence, Amount: a, Max: max} }
	once := func(a float64) points.Rule { return points.Rule{Kind: points.Once, Amount: a} }
	whole, unknown := points.Rule{Kind: points.Whole}, points.Rule{}
	cases := []struct {
		text string
		want points.Rule
	}{
		// the corpus
		{"信息公开目录和政府信息年度报告(信息公开目录未更新的扣1分", once(1)}, // 04
		{"①公文提前或超期公开每条扣5分", per(5, 0)},             // 05
		{"①未及时向区政务公开办备案的扣5分", once(5)},             // 05
		{"①超期办理每条扣6分", per(6, 0)},                  // 05
		{"扣6分", once(6)},                   // 05
		{"每项扣5分", per(5, 0)},               // 38
		{"未及时公开的每例扣2分", per(2, 0)},         // 38
		{"出现问题、错误、排版等问题的每项扣1分", per(1, 0)}, // 38
		{"出现问题或错误每例扣4分", per(4, 0)},        // 38
		{"出现一个月扣5分,扣完为止", per(5, 0)},       // 44
		{"每个月扣10分", per(10, 0)},            // 44's criterion
		{"每件扣3分", per(3, 0)},
		// the examples
		{"每处扣0.5分", per(0.5, 0)},
		{"未按时更新扣1分", once(1)},
		{"每缺一项扣0.5分，扣完为止", per(0.5, 0)},
		{"发现一次扣2分", per(2, 0)},
		{"不得分", whole},
		{"此项不得分", whole},
		// caps, ranges, numbers written otherwise
		{"每处扣0.5分，最多扣2分", per(0.5, 2)},
		{"每发现一处错误扣1分，扣满3分为止", per(1, 3)},
		{"每条扣1分，累计不超过4分", per(1, 4)},
		{"扣0.5分/处", per(0.5, 0)},
		{"栏目不更新视情况扣1-2分", once(2)},
		{"未按要求公开的扣１．５分", once(1.5)},
		{"每少一项扣两分", per(2, 0)},
		{"缺一项扣半分", per(0.5, 0)},
		// the worst case wins before a check
		{"每处扣1分，情节严重的该项分值全扣", whole},
		{"未开展的，该项得0分", whole},
		{"一票否决", whole},
		// nothing computable
		{"", unknown},
		{"发现问题按比重扣分", unknown},
		{"视情况酌情扣分", unknown},
		{"按照未完成事项进行扣分", unknown},
		// a 每 of another clause does not make the amount per occurrence
		{"每月10日前更新；未按时更新扣1分", once(1)},
	}
	for _, c := range cases {
		if got := points.ParseRule(c.text); got != c.want {
			t.Errorf("ParseRule(%q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

// A rule applied to what was found: per occurrence up to the 分值 or the stated cap, once, the
// whole score, and the full 分值 when the text says nothing computable; nothing found, nothing
// deducted.
func TestRuleDeduct(t *testing.T) {
	cases := []struct {
		text        string
		score       float64
		occurrences int
		want        float64
		applied     string
	}{
		{"每处扣0.5分", 2, 3, 1.5, "每次扣0.5分 × 3次 = 1.5分"},
		{"每处扣0.5分", 2, 6, 2, "每次扣0.5分 × 6次 = 3分，扣完为止，计2分"},
		{"每处扣0.5分，最多扣1分", 2, 3, 1, "每次扣0.5分 × 3次 = 1.5分，按上限计1分"},
		{"发现一次扣2分", 5, 1, 2, "每次扣2分 × 1次 = 2分"},
		{"未按时更新扣1分", 4, 3, 1, "扣1分"},
		{"扣6分", 4, 1, 4, "扣4分"},
		{"此项不得分", 3, 1, 3, "不得分，扣3分"},
		{"酌情扣分", 2.5, 2, 2.5, "按全部分值计2.5分"},
		{"", 2, 1, 2, "按全部分值计2分"},
		{"每处扣0.5分", 2, 0, 0, ""},
		{"每次扣0.1分", 1, 3, 0.3, "每次扣0.1分 × 3次 = 0.3分"},
	}
	for _, c := range cases {
		r := points.ParseRule(c.text)
		if got := r.Deduct(c.score, c.occurrences); got != c.want {
			t.Errorf("%q on %g分, %d found: %g, want %g", c.text, c.score, c.occurrences, got, c.want)
		}
		if c.applied == "" {
			continue
		}
		if got := r.Applied(c.score, c.occurrences); got != c.applied {
			t.Errorf("%q on %g分, %d found: applied %q, want %q", c.text, c.score, c.occurrences, got, c.applied)
		}
	}
	for text, want := range map[string]string{
		"每处扣0.5分，最多扣2分": "每次扣0.5分，最多扣2分，扣完为止",
		"未按时更新扣1分":      "扣1分（不超过分值）",
		"不得分":           "该项不得分",
		"按比重扣分":         "未写明可计算的扣分，按全部分值计",
	} {
		if got := points.ParseRule(text).String(); got != want {
			t.Errorf("%q reads %q, want %q", text, got, want)
		}
	}
}
