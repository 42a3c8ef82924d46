package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/zwgk/zwgk/store"
)

type usersData struct {
	Users    []*store.User     `json:"users"`
	Offices  []store.OfficeRow `json:"-"`
	Units    []store.UnitRow   `json:"-"`
	Password string            `json:"-"` // a generated password, shown once
	Created  string            `json:"-"`
	Setup    *setupLink        `json:"-"` // an issued setup link, shown once
	People   []store.Person    `json:"-"` // whom an account may be linked to
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.users(r)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "users", "用户管理", d)
}

func (s *Server) users(r *http.Request) (*usersData, error) {
	var d usersData
	var err error
	if d.Users, err = s.st.Users(r.Context()); err != nil {
		return nil, err
	}
	if d.Offices, err = s.st.OfficesInScope(r.Context(), store.Scope{All: true}); err != nil {
		return nil, err
	}
	if d.Units, err = s.st.UnitsInScope(r.Context(), store.Scope{All: true}); err != nil {
		return nil, err
	}
	if d.People, err = s.st.People(r.Context(), store.PeopleFilter{}); err != nil {
		return nil, err
	}
	return &d, nil
}

// userInput is the API body of a new user; Password empty generates one.
type userInput struct {
	Login    string  `form:"login" json:"login"`
	Name     string  `form:"name" json:"name"`
	Role     string  `form:"role" json:"role"`
	Password string  `form:"password" json:"password,omitempty"`
	Offices  []int64 `form:"offices" label:"科室编号" json:"offices,omitempty"`
	Units    []int64 `form:"units" label:"单位编号" json:"units,omitempty"`
	// Setup hands the account over by a setup link instead of a password; Password must be
	// empty then.
	Setup  bool  `form:"setup" json:"setup,omitempty"`
	Person int64 `form:"person" label:"人员（person）编号" json:"person,omitempty"`
}

func (s *Server) usersCreate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in userInput
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	if in.Setup && in.Password != "" {
		return badRequest("选择“发送密码设置链接”时不要填写初始密码（password）。")
	}
	u, pw, err := CreateUser(r.Context(), s.st, in.Login, in.Name, in.Role, in.Password, in.Offices, in.Units, rc.audit())
	if err != nil {
		return err
	}
	if in.Person != 0 {
		// The account exists either way: a person already linked elsewhere is said, not undone.
		if err := s.linkPerson(r, rc, u.ID, in.Person); err != nil {
			return err
		}
		if u, err = s.st.UserByID(r.Context(), u.ID); err != nil {
			return err
		}
	}
	var link *setupLink
	if in.Setup {
		// The generated password is never shown: the link is the only way in.
		if link, err = s.issueSetupLink(r, rc, u); err != nil {
			return err
		}
	}
	if rc.api {
		out := map[string]any{"user": u}
		switch {
		case link != nil:
			out["setup"] = link
		case in.Password == "":
			out["password"] = pw
		}
		return writeJSON(w, http.StatusCreated, out)
	}
	d, err := s.users(r)
	if err != nil {
		return err
	}
	d.Created = u.Login
	switch {
	case link != nil:
		d.Setup = link
	case in.Password == "":
		d.Password = pw
	}
	return s.render(w, r, rc, http.StatusOK, "users", "用户管理", d)
}

func (s *Server) usersDisable(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// The page's button says enable; a script says disabled, and an empty body disables.
	var in struct {
		Disabled *bool `json:"disabled"`
		Enable   bool  `form:"enable" json:"-"`
	}
	if !rc.api || r.ContentLength != 0 {
		if err := decodeInput(r, rc, &in); err != nil {
			return err
		}
	}
	disable := !in.Enable
	if in.Disabled != nil {
		disable = *in.Disabled
	}
	if id == rc.user.ID && disable {
		return badRequest("不能停用自己的账号。")
	}
	if err := s.st.SetUserDisabled(r.Context(), id, disable, rc.audit()); err != nil {
		return err
	}
	msg := "账号已停用。"
	if !disable {
		msg = "账号已启用。"
	}
	return s.done(w, r, rc, "/admin/users", msg, map[string]any{"id": id, "disabled": disable})
}

// CreateUser validates and creates an account; an empty password is generated and returned.
// It is shared by the admin page, the API and `zwgk user add`.
func CreateUser(ctx context.Context, st *store.Store, login, name, role, password string, offices, units []int64, a store.Audit) (*store.User, string, error) {
	login, name = strings.TrimSpace(login), strings.TrimSpace(name)
	if !validLogin(login) {
		return nil, "", badRequest("登录名应为 2–64 个字母、数字或 . _ @ -：%q", login)
	}
	switch role {
	case store.RoleAdmin:
		if len(offices) > 0 || len(units) > 0 {
			return nil, "", badRequest("管理员不限范围，不需要指定科室或单位。")
		}
	case store.RoleSupervisor:
		if len(units) == 0 {
			return nil, "", badRequest("督办领导需要至少一个单位。")
		}
		if len(offices) > 0 {
			return nil, "", badRequest("督办领导按单位授权，不指定科室。")
		}
	case store.RoleOffice:
		if len(offices) == 0 {
			return nil, "", badRequest("科室用户需要至少一个科室。")
		}
		if len(units) > 0 {
			return nil, "", badRequest("科室用户按科室授权，不指定单位。")
		}
	default:
		return nil, "", badRequest("角色应为 admin、supervisor 或 office：%q", role)
	}
	if password == "" {
		password = GeneratePassword()
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, "", badRequest("%v", err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{Login: login, Name: name, Role: role, PasswordHash: hash, Offices: offices, Units: units}, a)
	if errors.Is(err, store.ErrLoginTaken) {
		return nil, "", &httpError{status: http.StatusConflict, msg: "登录名已存在：" + login}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", badRequest("指定的科室或单位不存在。")
	}
	if err != nil {
		return nil, "", err
	}
	return u, password, nil
}

func validLogin(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._@-", c)) {
			return false
		}
	}
	return true
}

// GeneratePassword makes a random password that is easy to read aloud or type on a phone.
func GeneratePassword() string {
	return strings.NewReplacer("-", "x", "_", "y").Replace(randomToken(12))
}

// linkPerson links account id to a person (0 unlinks), naming the form control when refused.
func (s *Server) linkPerson(r *http.Request, rc *reqCtx, id, person int64) error {
	err := s.st.SetUserPerson(r.Context(), id, person, rc.audit())
	switch {
	case errors.Is(err, store.ErrPersonLinked):
		return &httpError{status: http.StatusConflict, msg: "人员（person）已关联到另一个账号，一人只能有一个账号。"}
	case errors.Is(err, store.ErrNotFound):
		return badRequest("人员（person）或用户不存在。")
	}
	return err
}

// usersPerson links an account to the person who receives its reminders, or unlinks it.
func (s *Server) usersPerson(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var in struct {
		User   int64 `form:"user" label:"用户（user）编号" json:"user"`
		Person int64 `form:"person" label:"人员（person）编号" json:"person"`
	}
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	if in.User <= 0 || in.Person < 0 {
		return badRequest("请指定用户（user）和人员（person）。")
	}
	if err := s.linkPerson(r, rc, in.User, in.Person); err != nil {
		return err
	}
	msg := "已关联人员。"
	if in.Person == 0 {
		msg = "已取消关联人员。"
	}
	return s.done(w, r, rc, "/admin/users", msg, map[string]any{"user": in.User, "person": in.Person})
}
