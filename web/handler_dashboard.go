package web

import (
	"net/http"
	"strconv"

	"github.com/zwgk/zwgk/store"
)

type dashboardData struct {
	Offices []officeLine `json:"offices"`
	Overdue []itemLine   `json:"overdue"`
	DueSoon []itemLine   `json:"due_soon"`
	StatsAt any          `json:"stats_at,omitempty"`
	Totals  officeLine   `json:"totals"`
	// Applications are the 依申请公开 cases overdue or due within 5 working days.
	Applications []applicationView `json:"applications"`
	// The filters, echoed for the form.
	Units      []store.UnitRow      `json:"-"`
	Unit       int64                `json:"-"`
	Office     int64                `json:"-"`
	MinLevel   int                  `json:"-"`
	Sort       string               `json:"-"`
	AllOffices []store.OfficeOption `json:"-"`
}

type officeLine struct {
	store.OfficeSummary
	CompletionRate string `json:"completion_rate"` // done / due-or-done cycles, "—" when none
	OnTimeRate     string `json:"on_time_rate"`
}

// dashboardPage is the supervisor's escalation dashboard: overdue and escalated items by office
// and level, items due in the next 7 days, completion rates per office.
func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := store.DashboardFilter{Scope: rc.scope, Office: rc.office, Sort: q.Get("sort"), Now: s.now()}
	switch f.Sort {
	case "", "due", "level", "office":
	default:
		return badRequest("未知的排序方式：%s（可选 due、level、office）", f.Sort)
	}
	var err error
	if f.Unit, err = intParam(r, "unit"); err != nil {
		return err
	}
	if f.Unit != 0 {
		ok, err := s.canUnit(ctx, rc, f.Unit)
		if err != nil {
			return err
		}
		if !ok {
			return errForbidden
		}
	}
	if v := q.Get("level"); v != "" {
		if f.MinLevel, err = strconv.Atoi(v); err != nil || f.MinLevel < 0 {
			return badRequest("督办级别应为非负整数：%s", v)
		}
	}
	if err := s.stats.ensure(ctx); err != nil {
		return err
	}
	db, err := s.st.Dashboard(ctx, f)
	if err != nil {
		return err
	}
	d := dashboardData{Unit: f.Unit, Office: f.Office, MinLevel: f.MinLevel, Sort: f.Sort}
	if db.StatsAt != nil {
		d.StatsAt = *db.StatsAt
	}
	for _, o := range db.Offices {
		o.Overdue = o.OverdueFrom(f.MinLevel)
		d.Offices = append(d.Offices, rates(o))
	}
	db.Totals.Overdue = db.Totals.OverdueFrom(f.MinLevel)
	d.Totals = rates(store.OfficeSummary{Stats: db.Totals})
	now := s.now()
	for _, it := range db.Overdue {
		d.Overdue = append(d.Overdue, itemLine{ItemRow: it, Left: s.cal.left(ctx, now, it.DueAt)})
	}
	for _, it := range db.DueSoon {
		d.DueSoon = append(d.DueSoon, itemLine{ItemRow: it, Left: s.cal.left(ctx, now, it.DueAt)})
	}
	if !rc.api {
		if d.Units, err = s.st.UnitsInScope(ctx, rc.scope); err != nil {
			return err
		}
		if d.AllOffices, err = s.st.OfficeOptions(ctx, rc.scope, f.Unit); err != nil {
			return err
		}
	}
	if d.Applications, err = s.dashboardApplications(ctx, rc, f.Unit); err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "dashboard", "督办看板", d)
}

func rates(o store.OfficeSummary) officeLine {
	return officeLine{OfficeSummary: o, CompletionRate: percent(o.CyclesDone, o.CyclesClosed), OnTimeRate: percent(o.CyclesOnTime, o.CyclesClosed)}
}
