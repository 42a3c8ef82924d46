package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/zwgk/zwgk/points"
	"github.com/zwgk/zwgk/store"
)

// The points at stake (/points): for a unit's scored lists, what the leaders ask before a check —
// how many points would be lost if it were today, which offices hold them, and which items to
// do first. Items without a 分值 are not in it.

const (
	pointsWithinDefault = 5
	pointsWithinMax     = 60
)

type pointsData struct {
	Units    []store.UnitRow
	Unit     int64
	UnitName string
	Years    []int
	Year     int // 0: every list year
	Within   int
	At       time.Time
	Report   points.Report
	First    []pointsLine
	Items    int // scored items
}

type pointsLine struct {
	points.Line
	StateText string
	RuleText  string // the rule as computed: 每次扣0.5分，扣完为止
	Applied   string // how it came to the stake: 每次扣0.5分 × 3次 = 1.5分
}

func (s *Server) pointsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := &pointsData{Unit: rc.unit, Within: pointsWithinDefault, At: s.now()}
	if v := q.Get("within"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > pointsWithinMax {
			return badRequest("“几个工作日内到期”无效：%s（应为 0 到 %d 的整数）", v, pointsWithinMax)
		}
		d.Within = n
	}
	var err error
	if d.Year, err = yearParam(r, 0, 2100); err != nil {
		return err
	}
	if d.Units, d.Unit, err = s.pageUnits(ctx, rc, d.Unit); err != nil {
		return err
	}
	if d.UnitName, err = s.st.UnitName(ctx, d.Unit); err != nil {
		return err
	}
	if d.Years, err = s.st.ListYears(ctx, rc.scope); err != nil {
		return err
	}
	scored, err := s.st.ScoredItems(ctx, store.PointsFilter{Scope: rc.scope, Unit: d.Unit, Year: d.Year})
	if err != nil {
		return err
	}
	d.Items = len(scored)
	items := make([]points.Item, 0, len(scored))
	for _, it := range scored {
		pi := points.Item{ID: it.ID, Title: it.Title, Score: it.Score, Deduction: it.Deduction, Status: it.Status, Missed: it.Missed}
		if it.DueAt != nil {
			pi.DueAt = *it.DueAt
		}
		for _, o := range it.Offices {
			pi.Offices = append(pi.Offices, points.Office{ID: o.ID, Name: o.Name})
		}
		items = append(items, pi)
	}
	d.Report = points.Compute(items, d.At, d.Within, s.cal.get(ctx))
	for _, l := range d.Report.First {
		d.First = append(d.First, pointsLine{Line: l, StateText: label(pointsStateLabels, l.State),
			RuleText: l.Rule.String(), Applied: l.Rule.Applied(l.Score, l.Occurrences)})
	}
	return s.render(w, r, rc, http.StatusOK, "points", fmt.Sprintf("%s 考核分值风险", d.UnitName), d)
}
