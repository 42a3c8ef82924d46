package points_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/points"
)

var cal = calendar.New(calendar.Official()...)

func day(m time.Month, d int) time.Time { return calendar.D(2026, m, d).End() }

// Around 国庆节 2026 (10/1–7 off, Saturday 10/10 worked) "within 5 working days" of Monday
// 9/28 reaches Saturday 10/10: 10/9 is at risk, 10/12 is not.
func TestClassifyAcrossHolidays(t *testing.T) {
	now := time.Date(2026, 9, 28, 10, 0, 0, 0, calendar.Shanghai)
	cases := []struct {
		it    points.Item
		state string
		days  int
	}{
		{points.Item{Status: "upcoming", DueAt: day(10, 9)}, points.Soon, 4},
		{points.Item{Status: "upcoming", DueAt: day(10, 10)}, points.Soon, 5},
		{points.Item{Status: "upcoming", DueAt: day(10, 12)}, points.Safe, 6},
		{points.Item{Status: "upcoming", DueAt: day(9, 28)}, points.Soon, 0},
		// 9/22–24 and 9/28: 中秋节 is Friday 9/25
		{points.Item{Status: "overdue", DueAt: day(9, 21)}, points.Overdue, 4},
		// the workflow may not have said "overdue" yet when its due point just passed
		{points.Item{Status: "upcoming", DueAt: day(9, 25)}, points.Overdue, 1},
		{points.Item{Status: "done", DueAt: day(9, 1)}, points.Done, 0},
		{points.Item{Status: "waiting"}, points.Safe, 0},
	}
	for _, c := range cases {
		l := points.Classify(c.it, now, 5, cal)
		days := l.WorkdaysLeft + l.WorkdaysOverdue
		if l.State != c.state || days != c.days {
			t.Errorf("%s due %s: %s, %d working days; want %s, %d", c.it.Status, c.it.DueAt.Format("01-02"), l.State, days, c.state, c.days)
		}
	}
}

// A unit of three offices: what is lost, what is at risk, per office, and what to do first.
func TestCompute(t *testing.T) {
	now := time.Date(2026, 9, 28, 10, 0, 0, 0, calendar.Shanghai)
	bgs, cws, zfk := points.Office{ID: 1, Name: "办公室"}, points.Office{ID: 2, Name: "财务科"}, points.Office{ID: 3, Name: "政法科"}
	items := []points.Item{
		{ID: 1, Title: "预算公开", Score: 2, Status: "overdue", DueAt: day(9, 21), Offices: []points.Office{cws}},
		{ID: 2, Title: "政策解读", Score: 4, Status: "overdue", DueAt: day(9, 25), Offices: []points.Office{bgs, zfk}},
		{ID: 3, Title: "年报", Score: 4, Status: "upcoming", DueAt: day(10, 9), Offices: []points.Office{bgs}},
		{ID: 4, Title: "栏目更新", Score: 0.5, Status: "upcoming", DueAt: day(10, 12), Offices: []points.Office{bgs}},
		{ID: 5, Title: "依申请公开", Score: 1.5, Status: "done", DueAt: day(9, 1), Offices: []points.Office{zfk}},
		{ID: 6, Title: "规范性文件", Score: 2, Status: "overdue", DueAt: day(9, 14), Offices: []points.Office{zfk}},
	}
	r := points.Compute(items, now, 5, cal)
	if r.Total != 14 || r.Lost != 8 || r.AtRisk != 12 || r.Projected != 6 || r.Done != 1.5 {
		t.Errorf("total %g lost %g at risk %g projected %g done %g", r.Total, r.Lost, r.AtRisk, r.Projected, r.Done)
	}
	wantOffices := []points.OfficeRisk{
		{Office: bgs, Overdue: 4, Soon: 4, AtRisk: 8, Items: 2},
		{Office: zfk, Overdue: 6, AtRisk: 6, Items: 2},
		{Office: cws, Overdue: 2, AtRisk: 2, Items: 1},
	}
	if len(r.Offices) != len(wantOffices) {
		t.Fatalf("offices %+v", r.Offices)
	}
	for i, w := range wantOffices {
		if r.Offices[i] != w {
			t.Errorf("office %d: %+v, want %+v", i, r.Offices[i], w)
		}
	}
	// 4 points overdue by one day before 4 points due in four; then the 2-point items, the
	// longer overdue first
	var order []int64
	for _, l := range r.First {
		order = append(order, l.ID)
	}
	want := []int64{2, 3, 6, 1}
	if len(order) != len(want) {
		t.Fatalf("first %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("first %v, want %v", order, want)
		}
	}
}

// Whatever the items: the projection is the total less what is lost, the at-risk points hold
// the lost ones, each office's points are those of its lines, no line's stake exceeds its 分值,
// and the order never rises in stake.
func TestComputeInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 6))
	now := time.Date(2026, 6, 15, 10, 0, 0, 0, calendar.Shanghai)
	statuses := []string{"upcoming", "overdue", "done", "waiting"}
	rules := []string{"", "每处扣0.5分", "未按时更新扣1分", "不得分", "每次扣2分，最多扣3分", "酌情扣分"}
	for round := range 200 {
		var items []points.Item
		for i := range rng.IntN(30) {
			it := points.Item{ID: int64(i + 1), Score: float64(rng.IntN(10)) / 2, Status: statuses[rng.IntN(len(statuses))],
				Deduction: rules[rng.IntN(len(rules))], Missed: rng.IntN(4)}
			if rng.IntN(5) > 0 {
				it.DueAt = now.AddDate(0, 0, rng.IntN(40)-20)
			}
			for o := range rng.IntN(3) {
				it.Offices = append(it.Offices, points.Office{ID: int64(o + 1), Name: string(rune('甲' + o))})
			}
			items = append(items, it)
		}
		r := points.Compute(items, now, rng.IntN(10), cal)
		if r.Projected != r.Total-r.Lost || r.AtRisk < r.Lost || r.Total < r.AtRisk+r.Done-1e-9 {
			t.Fatalf("round %d: %+v", round, r)
		}
		perOffice := map[int64]float64{}
		for _, l := range r.First {
			if l.State != points.Overdue && l.State != points.Soon {
				t.Fatalf("round %d: %+v listed", round, l)
			}
			if l.Stake > l.Score || l.Stake < 0 {
				t.Fatalf("round %d: %+v stakes more than its 分值", round, l)
			}
			for _, o := range l.Offices {
				perOffice[o.ID] += l.Stake
			}
		}
		for _, o := range r.Offices {
			if d := o.AtRisk - perOffice[o.ID]; d > 1e-9 || d < -1e-9 {
				t.Fatalf("round %d: office %+v, its lines sum to %g", round, o, perOffice[o.ID])
			}
		}
		for i := 1; i < len(r.First); i++ {
			if r.First[i].Stake > r.First[i-1].Stake {
				t.Fatalf("round %d: %v after %v", round, r.First[i], r.First[i-1])
			}
		}
	}
}

// The rules of the items decide what is lost: a recurring item that missed three updates at
// 每处扣0.5分 loses 1.5 of its 2分; 未按时更新扣1分 takes 1 of 4 however many were missed; 不得分
// and a text that says nothing computable take the whole 分值; an item due soon stands to lose
// one more occurrence. What to do first follows the stake, not the 分值.
func TestComputeAppliesRules(t *testing.T) {
	now := time.Date(2026, 9, 28, 10, 0, 0, 0, calendar.Shanghai)
	bgs, cws := points.Office{ID: 1, Name: "办公室"}, points.Office{ID: 2, Name: "财务科"}
	items := []points.Item{
		{ID: 1, Title: "栏目更新", Score: 2, Deduction: "每处扣0.5分", Missed: 3, Status: "overdue", DueAt: day(9, 21), Offices: []points.Office{bgs}},
		{ID: 2, Title: "政策解读", Score: 4, Deduction: "未按时更新扣1分", Missed: 2, Status: "overdue", DueAt: day(9, 25), Offices: []points.Office{bgs, cws}},
		{ID: 3, Title: "预算公开", Score: 3, Deduction: "此项不得分", Status: "overdue", DueAt: day(9, 14), Offices: []points.Office{cws}},
		{ID: 4, Title: "年报", Score: 2.5, Deduction: "发现问题按比重扣分", Status: "upcoming", DueAt: day(10, 9), Offices: []points.Office{bgs}},
		{ID: 5, Title: "动态更新", Score: 2, Deduction: "发现一次扣0.5分", Missed: 1, Status: "upcoming", DueAt: day(10, 9), Offices: []points.Office{cws}},
	}
	r := points.Compute(items, now, 5, cal)
	// lost 1.5 + 1 + 3; at risk also 2.5 (the whole, nothing computable) and 2 × 0.5
	if r.Total != 13.5 || r.Lost != 5.5 || r.AtRisk != 9 || r.Projected != 8 {
		t.Errorf("total %g lost %g at risk %g projected %g", r.Total, r.Lost, r.AtRisk, r.Projected)
	}
	stake := map[int64]float64{}
	occ := map[int64]int{}
	var order []int64
	for _, l := range r.First {
		stake[l.ID], occ[l.ID] = l.Stake, l.Occurrences
		order = append(order, l.ID)
	}
	for id, want := range map[int64]float64{1: 1.5, 2: 1, 3: 3, 4: 2.5, 5: 1} {
		if stake[id] != want {
			t.Errorf("item %d: stake %g, want %g", id, stake[id], want)
		}
	}
	for id, want := range map[int64]int{1: 3, 2: 2, 3: 1, 4: 1, 5: 2} {
		if occ[id] != want {
			t.Errorf("item %d: %d occurrences, want %d", id, occ[id], want)
		}
	}
	// 3 (不得分) and 2.5 first; then 1.5; then the two of 1, the overdue one first
	if want := []int64{3, 4, 1, 2, 5}; !slices.Equal(order, want) {
		t.Errorf("first %v, want %v", order, want)
	}
	wantOffices := []points.OfficeRisk{
		{Office: cws, Overdue: 4, Soon: 1, AtRisk: 5, Items: 3},
		{Office: bgs, Overdue: 2.5, Soon: 2.5, AtRisk: 5, Items: 3},
	}
	if !slices.Equal(r.Offices, wantOffices) {
		t.Errorf("offices %+v, want %+v", r.Offices, wantOffices)
	}
}
