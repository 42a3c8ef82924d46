package web

import (
	"net/http"

	"github.com/zwgk/zwgk/store"
)

// itemLine is an item with its working days left, as lists show it.
type itemLine struct {
	store.ItemRow
	Left *left `json:"working_days,omitempty"`
}

type itemsData struct {
	Items     []itemLine        `json:"items"`
	Offices   []store.OfficeRow `json:"-"`
	Units     []store.UnitRow   `json:"-"`
	Years     []int             `json:"-"`
	Office    int64             `json:"-"`
	Unit      int64             `json:"-"`
	Year      int               `json:"-"`
	Status    string            `json:"-"`
	Query     string            `json:"-"`
	Truncated bool              `json:"truncated"`
	// ExportURL is the xlsx export of the filter shown.
	ExportURL string `json:"-"`
	// The summary line an office user reads first: overdue, and due within 5 working days, of
	// the items listed.
	OverdueCount int `json:"overdue"`
	DueSoonCount int `json:"due_soon"`
}

const itemsPageLimit = 500

// itemQuery reads the list filter of a request (office, unit, year, status, q), checking the
// unit against the caller's scope; the office was checked by the route.
func (s *Server) itemQuery(r *http.Request, rc *reqCtx, limit int) (store.ItemQuery, *itemsData, error) {
	ctx := r.Context()
	q := r.URL.Query()
	d := &itemsData{Office: rc.office, Status: q.Get("status"), Query: q.Get("q")}
	if d.Status == "" && !rc.api {
		d.Status = "open"
	}
	if _, ok := statusLabels[d.Status]; d.Status != "" && !ok {
		return store.ItemQuery{}, nil, badRequest("未知的状态：%s", d.Status)
	}
	unit, err := intParam(r, "unit")
	if err != nil {
		return store.ItemQuery{}, nil, err
	}
	if unit != 0 {
		ok, err := s.canUnit(ctx, rc, unit)
		if err != nil {
			return store.ItemQuery{}, nil, err
		}
		if !ok {
			return store.ItemQuery{}, nil, errForbidden
		}
	}
	d.Unit = unit
	year, err := intParam(r, "year")
	if err != nil {
		return store.ItemQuery{}, nil, err
	}
	if year != 0 && (year < 2000 || year > 2100) {
		return store.ItemQuery{}, nil, badRequest("“年度”无效：%d", year)
	}
	d.Year = int(year)
	d.ExportURL = "/export/items.xlsx?" + itemFilterQuery(d)
	return store.ItemQuery{
		ItemFilter: store.ItemFilter{Scope: rc.scope, Office: rc.office, Unit: unit, Status: d.Status, Query: d.Query, Limit: limit},
		Year:       d.Year,
	}, d, nil
}

func (s *Server) listItems(r *http.Request, rc *reqCtx) (*itemsData, error) {
	ctx := r.Context()
	fq, d, err := s.itemQuery(r, rc, itemsPageLimit+1)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.ReportItems(ctx, fq)
	if err != nil {
		return nil, err
	}
	if len(rows) > itemsPageLimit {
		rows, d.Truncated = rows[:itemsPageLimit], true
	}
	now := s.now()
	d.Items = make([]itemLine, len(rows))
	for i, it := range rows {
		d.Items[i] = itemLine{ItemRow: it.ItemRow, Left: s.cal.left(ctx, now, it.DueAt)}
		switch l := d.Items[i].Left; {
		case l == nil || it.Status == "done":
		case l.Overdue:
			d.OverdueCount++
		case l.Days <= 5:
			d.DueSoonCount++
		}
	}
	return d, nil
}

// itemsPage is "my items": the items of the user's offices (or units), soonest due first.
func (s *Server) itemsPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.listItems(r, rc)
	if err != nil {
		return err
	}
	if d.Offices, err = s.st.OfficesInScope(r.Context(), rc.scope); err != nil {
		return err
	}
	if d.Units, err = s.st.UnitsInScope(r.Context(), rc.scope); err != nil {
		return err
	}
	if d.Years, err = s.st.ListYears(r.Context(), rc.scope); err != nil {
		return err
	}
	title := "我的事项"
	if rc.is(store.RoleAdmin) {
		title = "全部事项"
	}
	return s.render(w, r, rc, http.StatusOK, "items", title, d)
}

func (s *Server) apiItems(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.listItems(r, rc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// apiOffices lists the offices the caller may see.
func (s *Server) apiOffices(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	offices, err := s.st.OfficesInScope(r.Context(), rc.scope)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"offices": offices})
}
