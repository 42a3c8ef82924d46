package web

import (
	"net/http"

	"github.com/zwgk/zwgk/store"
)

type itemData struct {
	*store.ItemDetail
	Left *left `json:"working_days,omitempty"`
	// What the viewer may do, so that the page shows only the forms that would succeed.
	CanComplete bool `json:"can_complete"`
	CanEvent    bool `json:"can_event"`
	CanReopen   bool `json:"can_reopen"`
	CanExtend   bool `json:"can_extend"`
	CanAdmin    bool `json:"can_admin"`
	// UnitOffices are the offices an admin may reassign the item to.
	UnitOffices []store.OfficeRow `json:"-"`
	// Evidence are the files attached to the item's cycles (handler_evidence.go).
	Evidence []store.Evidence `json:"evidence"`
	Today    string           `json:"-"`
}

func (s *Server) loadItem(r *http.Request, rc *reqCtx) (*itemData, error) {
	ctx := r.Context()
	it, err := s.st.Item(ctx, rc.item.ItemID)
	if err != nil {
		return nil, err
	}
	active := it.ItemStatus == "active" && it.Status != "cancelled"
	d := &itemData{
		ItemDetail:  it,
		Left:        s.cal.left(ctx, s.now(), it.DueAt),
		CanComplete: active && rc.is(store.RoleAdmin, store.RoleOffice) && it.Status != "unparsed" && it.Status != "done",
		CanEvent:    active && rc.is(store.RoleAdmin, store.RoleOffice) && it.RuleKind == "timely",
		CanReopen:   active && anyDone(it.Cycles),
		CanExtend:   active && rc.is(store.RoleAdmin, store.RoleSupervisor),
		CanAdmin:    active && rc.is(store.RoleAdmin),
		Today:       fmtDateInput(s.now()),
	}
	if d.Evidence, err = s.st.ItemEvidence(ctx, it.ID); err != nil {
		return nil, err
	}
	if d.CanAdmin {
		offices, err := s.st.OfficesInScope(ctx, store.Scope{Units: []int64{it.UnitID}})
		if err != nil {
			return nil, err
		}
		d.UnitOffices = offices
	}
	return d, nil
}

// anyDone reports a completed cycle: only then is there a completion to undo.
func anyDone(cs []store.CycleView) bool {
	for _, c := range cs {
		if c.DoneAt != nil {
			return true
		}
	}
	return false
}

// itemPage shows an item: requirement, cycles, history and the forms the viewer may use.
func (s *Server) itemPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.loadItem(r, rc)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "item", d.Title, d)
}

func (s *Server) apiItem(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.loadItem(r, rc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}
