package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/store"
)

type loginData struct {
	Login string
	Next  string
	Error string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	next := safeNext(r.URL.Query().Get("next"))
	if rc.user != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, rc, http.StatusOK, "login", "登录", loginData{Next: next})
}

// loginForm is the sign-in form; next is where the user was going, checked by safeNext.
type loginForm struct {
	Login    string `form:"login,trim"`
	Password string `form:"password"`
	Next     string `form:"next"`
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	var in loginForm
	if err := decodeInput(r, rc, &in); err != nil {
		return err
	}
	login, next := in.Login, safeNext(in.Next)
	u, err := s.checkLogin(ctx, login, in.Password, rc.ip)
	var refused *loginRefusal
	if errors.As(err, &refused) {
		// Not audited: refusals cost nothing to send, and the append-only log would keep a
		// flood forever; the attempts the backoff let through are.
		s.log.Info("web: login refused by backoff", "login", login, "ip", rc.ip, "wait", refused.wait)
		w.Header().Set("Retry-After", strconv.FormatInt(int64((refused.wait+time.Second-1)/time.Second), 10))
		return s.render(w, r, rc, refused.status, "login", "登录", loginData{Login: login, Next: next, Error: refused.msg})
	}
	if he, ok := err.(*httpError); ok {
		a := store.Audit{Actor: auditLogin(login), IP: rc.ip, Action: "session.login_failed", ObjectType: "user"}
		a.Detail = map[string]any{"login": auditLogin(login)}
		if u != nil {
			a.ObjectID = itoa(u.ID)
		}
		if aerr := s.st.RecordAudit(ctx, a); aerr != nil {
			return aerr
		}
		return s.render(w, r, rc, he.status, "login", "登录", loginData{Login: login, Next: next, Error: he.msg})
	}
	if err != nil {
		return err
	}
	if err := s.openSession(w, r, u, rc.ip, &store.Audit{UserID: u.ID, Actor: u.Login, IP: rc.ip}); err != nil {
		return err
	}
	// Sign-ins are rare enough to carry the housekeeping: expired sessions, forgotten login
	// attempts and link nonces past their links' expiry.
	if err := s.st.PruneWebState(ctx, s.now(), loginPolicy.Forget); err != nil {
		s.log.Warn("web: prune sessions", "err", err)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// auditLogin is the login a failed attempt typed, cut to what a login can be: the audit log
// keeps it forever, and the form field is the attacker's to fill.
func auditLogin(login string) string {
	if login == "" {
		return "anonymous"
	}
	login = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1 // PostgreSQL's text takes no NUL, and the audit page shows lines
		}
		return r
	}, strings.ToValidUTF8(login, "\uFFFD"))
	if r := []rune(login); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return login
}

// safeNext keeps redirects after sign-in on this site: next must be a path of this origin,
// starting with one "/", without control characters or backslashes (browsers drop tabs and
// newlines and read "\" as "/", which turns "/\t/evil.example" or "/\evil.example" into
// "//evil.example", another site), checked before and after percent-decoding.
func safeNext(next string) string {
	if !sameOriginPath(next) {
		return "/"
	}
	return next
}

func sameOriginPath(next string) bool {
	decoded, err := url.PathUnescape(next)
	if err != nil {
		return false
	}
	for _, p := range []string{next, decoded} {
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 0x20 || p[i] == 0x7f {
				return false
			}
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	c, cerr := r.Cookie(sessionCookie)
	var err error
	switch {
	case cerr == nil && rc.user != nil:
		err = s.st.DeleteSessionAudited(r.Context(), c.Value, rc.user.ID, rc.audit())
	case cerr == nil:
		err = s.st.DeleteSession(r.Context(), c.Value)
	case rc.user != nil:
		// signed in without a session cookie: there is no session to end with the entry
		a := rc.audit()
		a.Action, a.ObjectType, a.ObjectID = "session.logout", "user", itoa(rc.user.ID)
		err = s.st.RecordAudit(r.Context(), a)
	}
	if err != nil {
		return err
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// home sends each role to its main page.
func (s *Server) home(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	next := "/items"
	if rc.is(store.RoleAdmin, store.RoleSupervisor) {
		next = "/dashboard"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
