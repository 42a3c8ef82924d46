package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/zwgk/zwgk/store"
)

const (
	sessionCookie = "zwgk_session"
	anonCookie    = "zwgk_csrf" // anchors the CSRF token of forms shown before sign-in
	flashCookie   = "zwgk_flash"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"

	sessionIdle   = 12 * time.Hour
	sessionMaxAge = 7 * 24 * time.Hour

	// Login throttling: failures counted over throttleWindow, per login and per address.
	throttleWindow   = 15 * time.Minute
	throttlePerLogin = 5
	throttlePerIP    = 30
)

// bcryptCost is a variable so that tests can hash quickly.
var bcryptCost = bcrypt.DefaultCost

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	if len(pw) < 8 {
		return "", errors.New("密码至少 8 个字符")
	}
	if len(pw) > 72 {
		return "", errors.New("密码最多 72 个字节") // bcrypt's limit
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
	return string(h), err
}

// dummyHash is compared against when a login does not exist, so that an unknown login takes as
// long as a wrong password and does not reveal which logins exist.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("zwgk-no-such-user"), bcrypt.DefaultCost)

// randomToken returns n random bytes, base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux; a broken RNG must not mint sessions
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.opt.Secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// csrfToken binds a form to the session (or, before sign-in, to the anonymous cookie).
func (s *Server) csrfToken(anchor string) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("csrf", anchor)[:24])
}

// reqCtx is what the middleware learned about a request.
type reqCtx struct {
	user     *store.User
	scope    store.Scope
	api      bool
	viaToken bool   // bearer token: no cookie, no CSRF
	anchor   string // session token or anonymous cookie the CSRF token is bound to
	csrf     string
	ip       string
	route    *route
	item     *store.ItemScope // set for item-scoped routes
	office   int64            // set for office-scoped routes with a value
	unit     int64            // set for unit-scoped routes
	flash    string
}

func (rc *reqCtx) login() string {
	if rc.user == nil {
		return ""
	}
	return rc.user.Login
}

// audit starts an audit entry for this request's user.
func (rc *reqCtx) audit() store.Audit {
	a := store.Audit{IP: rc.ip, Actor: "anonymous"}
	if rc.user != nil {
		a.UserID, a.Actor = rc.user.ID, rc.user.Login
	}
	return a
}

func (rc *reqCtx) is(roles ...string) bool {
	return rc.user != nil && slices.Contains(roles, rc.user.Role)
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, rc *reqCtx) error

// wrap authenticates, checks the role, the CSRF token and the scope, then runs the handler.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := &reqCtx{api: rt.api, ip: s.clientIP(r), route: &rt}
		err := s.authorize(w, r, rc, rt)
		if err == nil {
			err = rt.handle(w, r, rc)
		}
		if err != nil {
			s.fail(w, r, rc, err)
		}
	})
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request, rc *reqCtx, rt route) error {
	ctx := r.Context()
	if err := s.authenticate(w, r, rc); err != nil {
		return err
	}
	if rc.user == nil && len(rt.roles) > 0 {
		return errUnauthenticated
	}
	if unsafeMethod(r.Method) && !rc.viaToken {
		got := r.Header.Get(csrfHeader)
		if got == "" && !rt.api {
			got = r.PostFormValue(csrfField)
		}
		if rc.anchor == "" || !hmac.Equal([]byte(got), []byte(rc.csrf)) {
			return &httpError{status: http.StatusForbidden, msg: "表单已过期或来源无效（CSRF 校验失败），请刷新页面后重试。"}
		}
	}
	if len(rt.roles) > 0 && !rc.is(rt.roles...) {
		return errForbidden
	}
	if rc.user != nil {
		rc.scope = store.ScopeOf(rc.user)
	}
	if rt.scope == scopeNone {
		return nil
	}
	param := rt.param
	if param == "" {
		param = "id"
	}
	raw := r.PathValue(param)
	if raw == "" {
		raw = r.URL.Query().Get(param)
		if raw == "" {
			return nil // an optional filter left empty
		}
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return &httpError{status: http.StatusBadRequest, msg: "参数 " + param + " 不是有效的编号：" + raw}
	}
	switch rt.scope {
	case scopeItem:
		it, err := s.st.ItemScopeOf(ctx, id)
		if err != nil {
			return err
		}
		if !s.canItem(rc, it) {
			return errForbidden
		}
		rc.item = it
	case scopeOffice:
		unit, err := s.st.OfficeUnitOf(ctx, id)
		if err != nil {
			return err
		}
		if !s.canOffice(rc, id, unit) {
			return errForbidden
		}
		rc.office = id
	case scopeUnit:
		if err := s.st.UnitExists(ctx, id); err != nil {
			return err
		}
		ok, err := s.canUnit(ctx, rc, id)
		if err != nil {
			return err
		}
		if !ok {
			return errForbidden
		}
		rc.unit = id
	}
	return nil
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func (s *Server) canItem(rc *reqCtx, it *store.ItemScope) bool {
	switch {
	case rc.user == nil:
		return false
	case rc.scope.All:
		return true
	case slices.Contains(rc.scope.Units, it.UnitID):
		return true
	}
	for _, o := range it.Offices {
		if slices.Contains(rc.scope.Offices, o) {
			return true
		}
	}
	return false
}

func (s *Server) canOffice(rc *reqCtx, office, unit int64) bool {
	return rc.user != nil && (rc.scope.All || slices.Contains(rc.scope.Offices, office) || slices.Contains(rc.scope.Units, unit))
}

func (s *Server) canUnit(ctx context.Context, rc *reqCtx, unit int64) (bool, error) {
	if rc.user == nil {
		return false, nil
	}
	if rc.scope.All || slices.Contains(rc.scope.Units, unit) {
		return true, nil
	}
	for _, o := range rc.scope.Offices {
		u, err := s.st.OfficeUnitOf(ctx, o)
		if err != nil {
			return false, err
		}
		if u == unit {
			return true, nil
		}
	}
	return false, nil
}

// authenticate finds the user by bearer token or session cookie and sets up the CSRF anchor.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return &httpError{status: http.StatusUnauthorized, msg: "Authorization 头应为 Bearer 令牌"}
		}
		u, err := s.st.APITokenUser(ctx, strings.TrimSpace(tok), s.now())
		if errors.Is(err, store.ErrNotFound) {
			return &httpError{status: http.StatusUnauthorized, msg: "API 令牌无效或已撤销"}
		}
		if err != nil {
			return err
		}
		rc.user, rc.viaToken = u, true
		return nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		u, err := s.st.SessionUser(ctx, c.Value, s.now(), sessionIdle, sessionMaxAge)
		switch {
		case err == nil:
			rc.user, rc.anchor = u, c.Value
		case errors.Is(err, store.ErrNotFound):
			s.clearCookie(w, sessionCookie) // expired: fall through as anonymous
		default:
			return err
		}
	}
	if rc.anchor == "" {
		if c, err := r.Cookie(anonCookie); err == nil && len(c.Value) >= 16 {
			rc.anchor = c.Value
		} else if !unsafeMethod(r.Method) {
			// A page that may show a form to an anonymous visitor: give it an anchor.
			rc.anchor = randomToken(18)
			s.setCookie(w, anonCookie, rc.anchor, 0)
		}
	}
	if rc.anchor != "" {
		rc.csrf = s.csrfToken(rc.anchor)
	}
	if c, err := r.Cookie(flashCookie); err == nil {
		rc.flash = unescapeFlash(c.Value)
		s.clearCookie(w, flashCookie)
	}
	return nil
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// clientIP is the peer address, or the first X-Forwarded-For hop behind a trusted proxy.
func (s *Server) clientIP(r *http.Request) string {
	if s.opt.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			first, _, _ := strings.Cut(xff, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// startSession signs a user in: a new session token, so that a token planted before sign-in
// (session fixation) is worthless.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *store.User, ip string) error {
	tok := randomToken(32)
	if err := s.st.CreateSession(r.Context(), tok, u.ID, s.now().Add(sessionIdle), ip, r.UserAgent()); err != nil {
		return err
	}
	s.setCookie(w, sessionCookie, tok, sessionMaxAge)
	s.clearCookie(w, anonCookie)
	return nil
}

// checkLogin verifies a login and password with throttling. It returns the user or an
// httpError that the login page shows.
func (s *Server) checkLogin(ctx context.Context, login, password, ip string) (*store.User, error) {
	now := s.now()
	byLogin, byIP, err := s.st.LoginFailures(ctx, login, ip, now.Add(-throttleWindow))
	if err != nil {
		return nil, err
	}
	if byLogin >= throttlePerLogin || byIP >= throttlePerIP {
		return nil, &httpError{status: http.StatusTooManyRequests, msg: "登录失败次数过多，请 15 分钟后再试。"}
	}
	u, err := s.st.UserByLogin(ctx, login)
	hash := dummyHash
	if err == nil {
		hash = []byte(u.PasswordHash)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil || u.Disabled {
		if err := s.st.RecordLoginFailure(ctx, login, ip, now); err != nil {
			return nil, err
		}
		// 200, not 401: the answer is the sign-in form again with a message, and a 401 without
		// an authentication scheme means nothing to a browser.
		return nil, &httpError{status: http.StatusOK, msg: "用户名或密码错误。"}
	}
	if err := s.st.ClearLoginFailures(ctx, login); err != nil {
		return nil, err
	}
	return u, nil
}
