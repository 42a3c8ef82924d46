package web

import (
	"net/http"

	"github.com/zwgk/zwgk/store"
)

type directoryData struct {
	Units   []store.UnitRow   `json:"units"`
	Offices []store.OfficeRow `json:"offices"`
	People  []store.Person    `json:"people"`
	Query   string            `json:"-"`
	Unit    int64             `json:"-"`
	// Every office, for the new person's first role, whatever the unit filter shows.
	AllOffices []store.OfficeRow `json:"-"`
	formState  `json:"-"`
}

// directoryPage is the office and contact directory: units, their offices with item counts, and
// the people who get reminders and escalations, with the forms that add a unit, a person and a
// roster (the unit, office and person pages edit the rest).
func (s *Server) directoryPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	return s.renderDirectory(w, r, rc, http.StatusOK, formState{})
}

func (s *Server) renderDirectory(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, fs formState) error {
	ctx := r.Context()
	unit, err := intParam(r, "unit")
	if err != nil {
		return err
	}
	d := directoryData{Query: r.URL.Query().Get("q"), Unit: unit, formState: fs}
	sc := store.Scope{All: true}
	if unit != 0 {
		sc = store.Scope{Units: []int64{unit}}
	}
	if d.Units, err = s.st.UnitsInScope(ctx, store.Scope{All: true}); err != nil {
		return err
	}
	if d.Offices, err = s.st.OfficesInScope(ctx, sc); err != nil {
		return err
	}
	if d.People, err = s.st.People(ctx, store.PeopleFilter{UnitID: unit, Query: d.Query}); err != nil {
		return err
	}
	d.AllOffices = d.Offices
	if unit != 0 && !rc.api {
		if d.AllOffices, err = s.st.OfficesInScope(ctx, store.Scope{All: true}); err != nil {
			return err
		}
	}
	return s.render(w, r, rc, status, "directory", "科室与联系人", d)
}
