package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// A unit's page: its offices (and a form to add one), its groups (which offices 各相关科室 and
// the like mean) and its supervisors by escalation level, next to the unit's escalation ladder
// so that the admin sees who each level reaches.

type unitData struct {
	Unit        store.Unit       `json:"unit"`
	Offices     []unitOffice     `json:"offices"`
	Groups      []unitGroup      `json:"groups"`
	Supervisors []unitSupervisor `json:"supervisors"`
	Ladder      []ladderRung     `json:"ladder"`
	// Untold are the offices no contact person can tell, with the active items they hold.
	Untold      []store.UntoldOffice `json:"untold_offices"`
	People      []store.Person       `json:"-"` // for the supervisor form
	Levels      []int                `json:"-"`
	Level       int                  `json:"-"` // the level the supervisor form suggests
	PolicyError string               `json:"policy_error,omitempty"`
	NewGroup    string               `json:"-"` // the refused form of a group not yet on the page`
	All         []store.OfficeRow    `json:"-"`
	formState   `json:"-"`
}

type unitOffice struct {
	store.OfficeRow
	Contacts int `json:"contacts"` // active contacts
	Heads    int `json:"heads"`
	Robots   int `json:"robots"`
}

type unitGroup struct {
	Name    string   `json:"name"`
	Offices []int64  `json:"offices"`
	Names   []string `json:"office_names"`
	Items   int      `json:"items"` // active items of the unit's lists that name the group
}

type unitSupervisor struct {
	PersonID int64  `json:"person_id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Level    int    `json:"level"`
	Active   bool   `json:"active"`
}

// ladderRung is one level of the unit's escalation policy and who it reaches.
type ladderRung struct {
	Level  int      `json:"level"`
	After  int      `json:"after"` // working days after the due day
	Target string   `json:"target"`
	Who    []string `json:"who"` // supervisors reached; empty for contact and head (the item's offices)
	Empty  bool     `json:"nobody"`
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	return s.renderUnit(w, r, rc, rc.unit, http.StatusOK, formState{})
}

func (s *Server) renderUnit(w http.ResponseWriter, r *http.Request, rc *reqCtx, id int64, status int, fs formState) error {
	ctx := r.Context()
	u, err := s.st.UnitByID(ctx, id)
	if err != nil {
		return err
	}
	d := unitData{Unit: u, formState: fs, Offices: []unitOffice{}, Groups: []unitGroup{}, Supervisors: []unitSupervisor{}, Ladder: []ladderRung{}}
	offices, err := s.st.OfficesInScope(ctx, store.Scope{Units: []int64{id}})
	if err != nil {
		return err
	}
	d.All = offices
	if d.Untold, err = s.st.UntoldOffices(ctx, id); err != nil {
		return err
	}
	people, err := s.st.People(ctx, store.PeopleFilter{UnitID: id})
	if err != nil {
		return err
	}
	robots, err := s.st.Robots(ctx, 0)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range offices {
		uo := unitOffice{OfficeRow: o}
		names[o.ID] = o.Name
		for _, p := range people {
			for _, po := range p.Offices {
				if po.OfficeID == o.ID && p.Active {
					if po.Role == store.RoleHead {
						uo.Heads++
					} else {
						uo.Contacts++
					}
				}
			}
		}
		for _, b := range robots {
			if b.OfficeID == o.ID && b.Active {
				uo.Robots++
			}
		}
		d.Offices = append(d.Offices, uo)
	}
	for _, p := range people {
		for _, pu := range p.Units {
			if pu.UnitID == id {
				d.Supervisors = append(d.Supervisors, unitSupervisor{PersonID: p.ID, Name: p.Name, Role: pu.Role, Level: pu.Level, Active: p.Active})
			}
		}
	}
	slices.SortStableFunc(d.Supervisors, func(a, b unitSupervisor) int { return a.Level - b.Level })

	groups, err := s.st.Groups(ctx, id)
	if err != nil {
		return err
	}
	used, err := s.st.GroupUsage(ctx, id)
	if err != nil {
		return err
	}
	for _, g := range groups {
		ug := unitGroup{Name: g.Name, Offices: g.OfficeIDs}
		for _, o := range g.OfficeIDs {
			ug.Names = append(ug.Names, names[o])
		}
		d.Groups = append(d.Groups, ug)
	}
	for _, g := range used {
		i := slices.IndexFunc(d.Groups, func(ug unitGroup) bool { return ug.Name == g.Name })
		if i < 0 {
			d.Groups = append(d.Groups, unitGroup{Name: g.Name, Offices: []int64{}, Items: g.Items})
			continue
		}
		d.Groups[i].Items = g.Items
	}
	slices.SortStableFunc(d.Groups, func(a, b unitGroup) int { return strings.Compare(a.Name, b.Name) })
	if g, ok := strings.CutPrefix(fs.Form, "group:"); ok && !slices.ContainsFunc(d.Groups, func(ug unitGroup) bool { return ug.Name == g }) {
		d.NewGroup = fs.Form
	}

	p, err := schedule.MergePolicy(u.Policy)
	if err != nil {
		d.PolicyError = err.Error()
		p = schedule.DefaultPolicy()
	}
	for _, l := range p.Escalation {
		rung := ladderRung{Level: l.Level, After: l.After, Target: l.Target, Who: []string{}}
		if l.Target == schedule.TargetSupervisor {
			sups, err := s.st.SupervisorsAt(ctx, id, l.Level)
			if err != nil {
				return err
			}
			for _, sv := range sups {
				rung.Who = append(rung.Who, fmt.Sprintf("%s（%s，%d级）", sv.Person.Name, personRoleNames[sv.Role], sv.Level))
			}
			rung.Empty = len(rung.Who) == 0
			if d.Level == 0 {
				d.Level = l.Level
			}
		}
		d.Ladder = append(d.Ladder, rung)
	}
	if d.Level == 0 {
		d.Level = 1
	}
	d.Levels = []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	if !rc.api {
		if d.People, err = s.st.People(ctx, store.PeopleFilter{}); err != nil {
			return err
		}
	}
	return s.render(w, r, rc, status, "unit", u.Name, d)
}

// unitCreate adds a unit (单位).
func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in struct {
		Name string `form:"name" json:"name"`
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	name, err := checkName(in.Name, "单位")
	if err != nil {
		return s.refuse(w, r, rc, "new-unit", err)
	}
	u, created, err := s.st.EnsureUnitAudited(ctx, name, rc.audit())
	if err != nil {
		return err
	}
	if !created {
		return s.refuse(w, r, rc, "new-unit", &httpError{status: http.StatusConflict, msg: fmt.Sprintf("单位“%s”已存在。", name)})
	}
	if rc.api {
		return writeJSON(w, http.StatusCreated, u)
	}
	return s.done(w, r, rc, fmt.Sprintf("/admin/units/%d", u.ID), fmt.Sprintf("已新建单位“%s”，请添加它的科室。", name), u)
}

// officeCreate adds an office to the unit, with the other spellings lists use for it.
func (s *Server) officeCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in struct {
		Name    string   `form:"name" json:"name"`
		Aliases []string `form:"aliases,split" json:"aliases"`
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	name, err := checkName(in.Name, "科室")
	if err != nil {
		return s.refuse(w, r, rc, "new-office", err)
	}
	aliases, err := checkAliases(in.Aliases)
	if err != nil {
		return s.refuse(w, r, rc, "new-office", err)
	}
	o, err := s.st.CreateOfficeAudited(ctx, rc.unit, name, aliases, rc.audit())
	if errors.Is(err, store.ErrExists) {
		return s.refuse(w, r, rc, "new-office", s.nameTaken(ctx, rc.unit, 0, append([]string{name}, aliases...)))
	}
	if err != nil {
		return err
	}
	if rc.api {
		return writeJSON(w, http.StatusCreated, o)
	}
	return s.done(w, r, rc, fmt.Sprintf("/admin/units/%d", rc.unit), fmt.Sprintf("已添加科室“%s”。", o.Name), o)
}

func checkAliases(in []string) ([]string, error) {
	var out []string
	for _, a := range in {
		a = strings.TrimSpace(a)
		if a == "" || slices.Contains(out, a) {
			continue
		}
		if tooLong(a, 100) {
			return nil, badRequest("别名过长（最多 100 个字）：%s…", string([]rune(a)[:20]))
		}
		out = append(out, a)
	}
	if len(out) > 50 {
		return nil, badRequest("别名太多（最多 50 个）。")
	}
	return out, nil
}

// nameTaken explains which office of the unit already uses one of the names.
func (s *Server) nameTaken(ctx context.Context, unit, self int64, names []string) error {
	for _, n := range names {
		o, err := s.st.FindOffice(ctx, unit, n)
		if err == nil && o.ID != self {
			what := "名称"
			if o.Name != n {
				what = "别名"
			}
			return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("“%s”已是本单位科室“%s”的%s：同一单位内名称和别名不能重复。", n, o.Name, what)}
		}
	}
	return &httpError{status: http.StatusConflict, msg: "名称或别名已被本单位的其他科室使用。"}
}

// groupsSet says which offices a group of the unit means (各相关科室 → 办公室、财务室): the
// offices given replace the members; none forgets the group.
func (s *Server) groupsSet(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in struct {
		Name    string  `form:"name" json:"name"`
		Offices []int64 `form:"offices" label:"科室编号" json:"offices"`
	}
	// The name decodes before the offices, so a bad office id is shown on its group's form.
	derr := decodeInput(r, rc, &in)
	form := "group:" + strings.TrimSpace(in.Name)
	if derr != nil {
		return s.refuse(w, r, rc, form, derr)
	}
	name, err := checkName(in.Name, "组")
	if err != nil {
		return s.refuse(w, r, rc, form, err)
	}
	before, err := s.st.SetGroupMembers(ctx, rc.unit, name, in.Offices, rc.audit())
	if errors.Is(err, store.ErrNotFound) {
		return s.refuse(w, r, rc, form, badRequest("所选科室不都属于本单位，请刷新页面后重选。"))
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("已更新组“%s”：%d 个科室。", name, len(in.Offices))
	if len(in.Offices) == 0 {
		msg = fmt.Sprintf("已清空组“%s”。", name)
	}
	msg += "下次导入或重新预览清单时按新的组成员分配；已导入事项的责任科室不变，需要时在事项页“调整责任科室”。"
	return s.done(w, r, rc, fmt.Sprintf("/admin/units/%d", rc.unit), msg,
		map[string]any{"unit_id": rc.unit, "name": name, "offices": in.Offices, "before": before})
}
