package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/zwgk/zwgk/store"
)

// People who receive messages: contacts and heads of offices, supervisors of units. Who is
// attached where is read by the dispatcher when it sends, so a change here needs no signal to
// any workflow: it applies from the next message on.

type personData struct {
	Person  personJSON        `json:"person"`
	Offices []store.OfficeRow `json:"-"` // for the attach forms
	Units   []store.UnitRow   `json:"-"`
	Levels  []int             `json:"-"`
	// Account is the login linked to the person, if any, and Settings what they chose on it.
	Account   *store.User          `json:"-"`
	Settings  store.PersonSettings `json:"-"`
	formState `json:"-"`
}

// peopleList is the API's list of people, filtered like the directory page.
func (s *Server) peopleList(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	unit, err := intParam(r, "unit")
	if err != nil {
		return err
	}
	office, err := intParam(r, "office")
	if err != nil {
		return err
	}
	ps, err := s.st.People(r.Context(), store.PeopleFilter{UnitID: unit, OfficeID: office, Query: r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"people": peopleView(ps)})
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderPerson(w, r, rc, id, http.StatusOK, formState{})
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, rc *reqCtx, id int64, status int, fs formState) error {
	ctx := r.Context()
	p, err := s.st.Person(ctx, id)
	if err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, status, personView(p))
	}
	d := personData{Person: personView(p), formState: fs, Levels: []int{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	if d.Offices, err = s.st.OfficesInScope(ctx, store.Scope{All: true}); err != nil {
		return err
	}
	if d.Units, err = s.st.UnitsInScope(ctx, store.Scope{All: true}); err != nil {
		return err
	}
	switch d.Account, err = s.st.UserByPerson(ctx, id); {
	case errors.Is(err, store.ErrNotFound):
		d.Account = nil
	case err != nil:
		return err
	}
	if d.Settings, err = s.personSettings(r, id); err != nil {
		return err
	}
	return s.render(w, r, rc, status, "person", p.Name, d)
}

// personCreate adds a person, with an optional first role (the office page's form makes a
// contact of its office at once).
func (s *Server) personCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in newPerson
	form := "new-person"
	if err := decodeInput(r, rc, &in); err != nil {
		// refuse hands an API call its error as it is; a form shows it above what was typed
		return s.refuse(w, r, rc, form, err)
	}
	if !rc.api && in.OfficeID == 0 && in.UnitID == 0 {
		in.Role = "" // the form's role menu without an office: no role yet
	}
	if err := in.check(); err != nil {
		return s.refuse(w, r, rc, form, err)
	}
	var at *store.Attachment
	var where string
	if in.Role != "" || in.OfficeID != 0 || in.UnitID != 0 {
		if in.Role == "" && in.OfficeID != 0 {
			in.Role = store.RoleContact
		}
		a := attachment{OfficeID: in.OfficeID, UnitID: in.UnitID, Role: in.Role, Level: in.Level}
		office, unit, err := s.checkAttachment(ctx, rc, &a, false)
		if err != nil {
			return s.refuse(w, r, rc, form, err)
		}
		at = &store.Attachment{OfficeID: a.OfficeID, UnitID: a.UnitID, Role: a.Role, Level: a.Level}
		where = roleText(a, office, unit)
	}
	id, err := s.st.CreatePerson(ctx, in.person(0), at, rc.audit())
	if errors.Is(err, store.ErrDuplicatePerson) {
		return s.refuse(w, r, rc, form, s.duplicatePerson(ctx, in.personFields, 0))
	}
	if err != nil {
		return err
	}
	p, err := s.st.Person(ctx, id)
	if err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, http.StatusCreated, personView(p))
	}
	msg := fmt.Sprintf("已添加%s。", p.Name)
	if where != "" {
		msg = fmt.Sprintf("已添加%s为%s，下一次提醒起生效。", p.Name, where)
	}
	return s.done(w, r, rc, backTo(r, fmt.Sprintf("/admin/people/%d", id)), msg, nil)
}

// roleText names a role in a sentence: 甲局 办公室的联系人, 甲局的分管领导（3级）.
func roleText(a attachment, office, unit string) string {
	if a.OfficeID != 0 {
		return fmt.Sprintf("%s %s的%s", unit, office, personRoleNames[a.Role])
	}
	return fmt.Sprintf("%s的%s（%d级）", unit, personRoleNames[a.Role], a.Level)
}

// personUpdate changes a person's name, addresses, channels, alert flag and note.
func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in personFields
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return s.refuse(w, r, rc, "person", err)
	}
	_, err = s.st.EditPerson(ctx, in.person(id), rc.audit())
	if errors.Is(err, store.ErrDuplicatePerson) {
		return s.refuse(w, r, rc, "person", s.duplicatePerson(ctx, in, id))
	}
	if err != nil {
		return err
	}
	p, err := s.st.Person(ctx, id)
	if err != nil {
		return err
	}
	return s.done(w, r, rc, fmt.Sprintf("/admin/people/%d", id), fmt.Sprintf("已保存%s的信息，下一次提醒起按新的地址和接收方式发送。", p.Name), personView(p))
}

// personActive deactivates a person (they get nothing; their roles are kept for when they come
// back) or activates them again.
func (s *Server) personActive(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// An API call without a body deactivates, as the page's 停用 button does.
	var in struct {
		Active *bool `form:"active" json:"active"`
	}
	if !rc.api || r.ContentLength != 0 {
		if err := decodeInput(r, rc, &in); err != nil {
			return err
		}
	}
	active := in.Active != nil && *in.Active
	if err := s.st.SetPersonActive(ctx, id, active, rc.audit()); err != nil {
		return err
	}
	p, err := s.st.Person(ctx, id)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("已停用%s：不再收到任何提醒，职责保留，下一次提醒起生效。", p.Name)
	if active {
		msg = fmt.Sprintf("已启用%s，下一次提醒起恢复接收。", p.Name)
	}
	return s.done(w, r, rc, backTo(r, fmt.Sprintf("/admin/people/%d", id)), msg, personView(p))
}

func (s *Server) readAttachment(r *http.Request, rc *reqCtx) (attachment, error) {
	var a attachment
	err := decodeInput(r, rc, &a)
	return a, err
}

// personAttach gives a person a role: contact or head of an office, or supervisor of a unit at
// an escalation level. Having it already is not an error.
func (s *Server) personAttach(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	a, err := s.readAttachment(r, rc)
	if err != nil {
		return s.refuse(w, r, rc, "attach", err)
	}
	office, unit, err := s.checkAttachment(ctx, rc, &a, true)
	if err != nil {
		return s.refuse(w, r, rc, "attach", err)
	}
	p, err := s.st.Person(ctx, a.PersonID)
	if errors.Is(err, store.ErrNotFound) {
		return s.refuse(w, r, rc, "attach", badRequest("联系人 %d 不存在。", a.PersonID))
	}
	if err != nil {
		return err
	}
	au := rc.audit()
	au.Detail = map[string]any{"name": p.Name, "role": a.Role, "office_id": a.OfficeID, "office": office, "unit_id": a.UnitID, "unit": unit, "level": a.Level}
	// The store says whether the role is new, in the transaction that audits it: a role that
	// someone else gave in the meantime is neither recorded nor audited twice.
	changed, err := s.st.AttachRole(ctx, store.Attachment{PersonID: a.PersonID, OfficeID: a.OfficeID, UnitID: a.UnitID, Role: a.Role, Level: a.Level}, au)
	if err != nil {
		return err
	}
	what := roleText(a, office, unit)
	msg := fmt.Sprintf("%s已是%s。", p.Name, what)
	if changed {
		msg = fmt.Sprintf("%s现为%s，下一次提醒起生效。", p.Name, what)
	}
	return s.done(w, r, rc, backTo(r, fmt.Sprintf("/admin/people/%d", p.ID)), msg,
		map[string]any{"attached": changed, "person_id": p.ID, "office_id": a.OfficeID, "unit_id": a.UnitID, "role": a.Role, "level": a.Level})
}

// personDetach takes a role away from a person.
func (s *Server) personDetach(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	a, err := s.readAttachment(r, rc)
	if err != nil {
		return err
	}
	office, unit, err := s.checkAttachment(ctx, rc, &a, true)
	if err != nil {
		return err
	}
	p, err := s.st.Person(ctx, a.PersonID)
	if err != nil {
		return err
	}
	au := rc.audit()
	au.Detail = map[string]any{"name": p.Name, "role": a.Role, "office_id": a.OfficeID, "office": office, "unit_id": a.UnitID, "unit": unit, "level": a.Level}
	err = s.st.DetachRole(ctx, store.Attachment{PersonID: a.PersonID, OfficeID: a.OfficeID, UnitID: a.UnitID, Role: a.Role, Level: a.Level}, au)
	what := roleText(a, office, unit)
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("%s不是%s。", p.Name, what)}
	}
	if err != nil {
		return err
	}
	return s.done(w, r, rc, backTo(r, fmt.Sprintf("/admin/people/%d", p.ID)), fmt.Sprintf("%s不再是%s，下一次提醒起生效。", p.Name, what),
		map[string]any{"detached": true, "person_id": p.ID, "office_id": a.OfficeID, "unit_id": a.UnitID, "role": a.Role, "level": a.Level})
}
