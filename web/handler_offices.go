package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/zwgk/zwgk/store"
)

// An office's page: its name and aliases, the groups it belongs to, its contacts and head (who
// get its reminders and first escalations), and its group-chat robots.

type officeData struct {
	Office    store.Office   `json:"office"`
	Unit      store.Unit     `json:"unit"`
	Groups    []string       `json:"groups"`
	People    []officePerson `json:"people"`
	Robots    []robotJSON    `json:"robots"`
	All       []store.Person `json:"-"` // for the attach form
	formState `json:"-"`
}

type officePerson struct {
	PersonID int64    `json:"person_id"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Mobile   string   `json:"mobile"`
	Channels []string `json:"channels"`
	Active   bool     `json:"active"`
	Role     string   `json:"role"`
}

func (s *Server) officePage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	return s.renderOffice(w, r, rc, rc.office, http.StatusOK, formState{})
}

func (s *Server) renderOffice(w http.ResponseWriter, r *http.Request, rc *reqCtx, id int64, status int, fs formState) error {
	ctx := r.Context()
	o, err := s.st.OfficeByID(ctx, id)
	if err != nil {
		return err
	}
	u, err := s.st.UnitByID(ctx, o.UnitID)
	if err != nil {
		return err
	}
	d := officeData{Office: o, Unit: u, formState: fs, Groups: []string{}, People: []officePerson{}, Robots: []robotJSON{}}
	groups, err := s.st.Groups(ctx, o.UnitID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if slices.Contains(g.OfficeIDs, id) {
			d.Groups = append(d.Groups, g.Name)
		}
	}
	people, err := s.st.People(ctx, store.PeopleFilter{OfficeID: id})
	if err != nil {
		return err
	}
	for _, p := range people {
		for _, po := range p.Offices {
			if po.OfficeID == id {
				d.People = append(d.People, officePerson{PersonID: p.ID, Name: p.Name, Email: p.Email, Mobile: p.Mobile,
					Channels: p.Channels, Active: p.Active, Role: po.Role})
			}
		}
	}
	// heads first: they are who escalations reach
	slices.SortStableFunc(d.People, func(a, b officePerson) int { return strings.Compare(b.Role, a.Role) })
	robots, err := s.st.Robots(ctx, id)
	if err != nil {
		return err
	}
	for _, b := range robots {
		d.Robots = append(d.Robots, robotView(b))
	}
	if !rc.api {
		if d.All, err = s.st.People(ctx, store.PeopleFilter{}); err != nil {
			return err
		}
	}
	return s.render(w, r, rc, status, "office", o.Name+" · "+u.Name, d)
}

// officeUpdate renames an office or replaces its aliases. On a rename the old name becomes an
// alias unless keep_old_name is false, so that lists written with it still match.
func (s *Server) officeUpdate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	in := struct {
		Name        string   `form:"name" json:"name"`
		Aliases     []string `form:"aliases,split" json:"aliases"`
		KeepOldName *bool    `form:"keep_old_name" json:"keep_old_name"`
	}{}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	name, err := checkName(in.Name, "科室")
	if err != nil {
		return s.refuse(w, r, rc, "office", err)
	}
	aliases, err := checkAliases(in.Aliases)
	if err != nil {
		return s.refuse(w, r, rc, "office", err)
	}
	cur, err := s.st.OfficeByID(ctx, rc.office)
	if err != nil {
		return err
	}
	if name != cur.Name && (in.KeepOldName == nil || *in.KeepOldName) && !slices.Contains(aliases, cur.Name) {
		aliases = append(aliases, cur.Name)
	}
	_, after, err := s.st.UpdateOffice(ctx, rc.office, name, aliases, rc.audit())
	if errors.Is(err, store.ErrExists) {
		return s.refuse(w, r, rc, "office", s.nameTaken(ctx, cur.UnitID, rc.office, append([]string{name}, aliases...)))
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("已保存科室“%s”。", after.Name)
	if after.Name != cur.Name {
		msg = fmt.Sprintf("科室“%s”已改名为“%s”；事项、联系人和机器人不变。", cur.Name, after.Name)
	}
	return s.done(w, r, rc, fmt.Sprintf("/admin/offices/%d", rc.office), msg, after)
}

// robotAdd registers the office's group-chat robot. The webhook and the secret are stored for
// sending and never shown again, logged or audited: only the webhook's host and whether the
// robot signs are.
func (s *Server) robotAdd(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in robotInput
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return s.refuse(w, r, rc, "robot", err)
	}
	id, err := s.st.AddRobotAudited(ctx, store.Robot{OfficeID: rc.office, Kind: in.Kind, Name: in.Name, Webhook: in.Webhook, Secret: in.Secret}, rc.audit())
	if err != nil {
		// Whatever the store or the driver said goes to the log: without the credentials.
		msg := err.Error()
		for _, secret := range []string{in.Webhook, in.Secret} {
			if secret != "" {
				msg = strings.ReplaceAll(msg, secret, "…")
			}
		}
		return fmt.Errorf("web: add robot to office %d: %s", rc.office, msg)
	}
	b := robotJSON{ID: id, OfficeID: rc.office, Kind: in.Kind, Name: in.Name, Host: webhookHost(in.Webhook), Signed: in.Secret != "", Active: true}
	if rc.api {
		return writeJSON(w, http.StatusCreated, b)
	}
	return s.done(w, r, rc, fmt.Sprintf("/admin/offices/%d", rc.office),
		fmt.Sprintf("已添加%s机器人；它和科室联系人一样收到本科室的提醒，下一次提醒起生效。", robotKindNames[in.Kind]), b)
}

// robotRemove removes one of the office's robots.
func (s *Server) robotRemove(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in struct {
		Robot int64 `form:"robot" label:"机器人编号" json:"robot"`
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	// Deleting by office and id in one statement keeps another office's robot out of reach.
	gone, err := s.st.DeleteRobotAudited(ctx, rc.office, in.Robot, rc.audit())
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("本科室没有编号为 %d 的机器人。", in.Robot)}
	}
	if err != nil {
		return err
	}
	b := robotView(gone)
	return s.done(w, r, rc, fmt.Sprintf("/admin/offices/%d", rc.office), "已删除机器人，下一次提醒起不再发往该群。", b)
}
