package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
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

	// Request bodies. Every request may send maxFormBody, enough for any form or JSON body
	// but the uploads; a route's upload limit applies only once its caller is known to hold
	// the route's role, so that no anonymous request makes the server buffer more than a sign-in
	// form. Multipart parts beyond multipartMemory go to temporary files.
	maxFormBody     = 64 << 10
	multipartMemory = 1 << 20
	// uploadTimeout replaces the server's read and write timeouts for an admitted upload: a
	// 20 MB list over a 1 Mbit/s county link takes close to three minutes, and its commit may
	// start thousands of workflows.
	uploadTimeout = 10 * time.Minute
)

// loginPolicy is the sign-in backoff: 5 attempts per login (30 per address: an office behind
// one NAT) are evaluated freely, then each further one waits 30 s after the previous, doubling
// up to 15 minutes; an hour without attempts forgets them.
var loginPolicy = store.LoginPolicy{
	FreePerLogin:   5,
	FreePerAddress: 30,
	Delay:          30 * time.Second,
	MaxDelay:       15 * time.Minute,
	Forget:         time.Hour,
}

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

// wrap limits the request body, authenticates, checks the role, the CSRF token and the scope,
// then runs the handler.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := &reqCtx{api: rt.api, ip: s.clientIP(r), route: &rt}
		body := r.Body
		r.Body = http.MaxBytesReader(w, body, maxFormBody)
		err := s.authorize(w, r, rc, rt, body)
		if err == nil {
			err = rt.handle(w, r, rc)
		}
		if err != nil {
			s.fail(w, r, rc, err)
		}
	})
}

// errTooLarge answers a body over its route's limit, naming the file's limit where the body
// is a file.
func errTooLarge(limit int64) error {
	switch limit {
	case maxUpload:
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: "文件超过 20 MB。"}
	case maxRosterForm:
		return &httpError{status: http.StatusRequestEntityTooLarge, msg: "名单文件超过 5 MB。"}
	}
	size := fmt.Sprintf("%d KB", limit>>10)
	if limit >= 1<<20 {
		size = fmt.Sprintf("%d MB", limit>>20)
	}
	return &httpError{status: http.StatusRequestEntityTooLarge, msg: "提交的内容过大（超过 " + size + "）。"}
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request, rc *reqCtx, rt route, body io.ReadCloser) error {
	ctx := r.Context()
	if err := s.authenticate(w, r, rc); err != nil {
		return err
	}
	if rc.user == nil && len(rt.roles) > 0 {
		return errUnauthenticated
	}
	// The role before the CSRF token: the token may be in the body, and a caller without the
	// role is refused before any of it is read.
	if len(rt.roles) > 0 && !rc.is(rt.roles...) {
		return errForbidden
	}
	limit := int64(maxFormBody)
	if rt.upload > 0 && rc.user != nil {
		limit = rt.upload
		r.Body = http.MaxBytesReader(w, body, limit)
		// A writer without deadlines (a test's recorder) keeps the server's, hence no error check.
		rcw := http.NewResponseController(w)
		_ = rcw.SetReadDeadline(time.Now().Add(uploadTimeout))
		_ = rcw.SetWriteDeadline(time.Now().Add(uploadTimeout))
	}
	if unsafeMethod(r.Method) && !rc.viaToken || rt.upload > 0 {
		// Forms are parsed here, with this request's limits, so that no handler parses one
		// with larger defaults; an API call's body is its handler's to read unless multipart.
		ct := r.Header.Get("Content-Type")
		var err error
		switch {
		case strings.HasPrefix(ct, "multipart/form-data"):
			err = r.ParseMultipartForm(multipartMemory)
		case !rt.api && unsafeMethod(r.Method):
			err = r.ParseForm()
		}
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			return errTooLarge(limit)
		case errors.As(err, &ne) && ne.Timeout():
			// the server's read timeout: a body trickled too slowly (the error names sockets)
			return &httpError{status: http.StatusRequestTimeout, msg: "提交超时：网络太慢或连接中断，请重试。"}
		case err != nil && !rt.api:
			return badRequest("表单无效：%v", err)
		}
	}
	if unsafeMethod(r.Method) && !rc.viaToken {
		got := r.Header.Get(csrfHeader)
		if got == "" && !rt.api {
			got = r.PostForm.Get(csrfField)
		}
		if rc.anchor == "" || !hmac.Equal([]byte(got), []byte(rc.csrf)) {
			return &httpError{status: http.StatusForbidden, msg: "表单已过期或来源无效（CSRF 校验失败），请刷新页面后重试。"}
		}
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
			return &httpError{status: http.StatusUnauthorized, msg: "API 令牌无效、已过期或已撤销（修改密码或停用账号后，原有令牌一律作废），请在“我的账号”重新生成。"}
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

// clientIP is the peer address or, when the peer is a trusted proxy, the right-most address
// of X-Forwarded-For that is not a trusted proxy: each proxy appends the address it saw, so
// everything left of the first untrusted hop may have been written by the client itself.
func (s *Server) clientIP(r *http.Request) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			// Not written by a proxy we trust: the hop to its right is as far as we can tell.
			return client
		}
		client = a.Unmap().String()
		if !s.trusted(client) {
			return client
		}
	}
	return client
}

func (s *Server) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// startSession signs a user in: a new session token, so that a token planted before sign-in
// (session fixation) is worthless.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *store.User, ip string) error {
	return s.openSession(w, r, u, ip, nil)
}

// openSession is startSession; a sign-in passes its session.login entry (a), written with the
// session, and a session renewed after a password change (audited there) passes nil.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, u *store.User, ip string, a *store.Audit) error {
	tok := randomToken(32)
	var err error
	if a != nil {
		err = s.st.CreateSessionAudited(r.Context(), tok, u.ID, s.now().Add(sessionIdle), ip, r.UserAgent(), *a)
	} else {
		err = s.st.CreateSession(r.Context(), tok, u.ID, s.now().Add(sessionIdle), ip, r.UserAgent())
	}
	if err != nil {
		return err
	}
	s.setCookie(w, sessionCookie, tok, sessionMaxAge)
	s.clearCookie(w, anonCookie)
	return nil
}

// loginShape is what users.login may be (migration 00006).
var loginShape = regexp.MustCompile(`^[A-Za-z0-9._@-]{2,64}$`)

// loginRefusal is a sign-in refused by the backoff, with when the next attempt may come.
type loginRefusal struct {
	httpError
	wait time.Duration
}

// checkLogin verifies a login and password with backoff. It returns the user, or an httpError
// (a *loginRefusal when throttled) that the login page shows, and the user the login named if
// any, for the audit log.
func (s *Server) checkLogin(ctx context.Context, login, password, ip string) (*store.User, error) {
	wait, err := s.st.BeginLogin(ctx, login, ip, s.now(), loginPolicy)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		after := strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10) + " 秒"
		if wait >= 2*time.Minute {
			after = strconv.FormatInt(int64((wait+time.Minute-1)/time.Minute), 10) + " 分钟"
		}
		return nil, &loginRefusal{httpError: httpError{status: http.StatusTooManyRequests,
			msg: "登录尝试过于频繁，请 " + after + "后再试。"}, wait: wait}
	}
	var u *store.User
	hash := dummyHash
	// A login of another shape cannot exist (users.login's CHECK), and may not even be text
	// the database takes: it is compared against the dummy hash like an unknown one.
	if loginShape.MatchString(login) {
		u, err = s.st.UserByLogin(ctx, login)
		if err == nil {
			hash = []byte(u.PasswordHash)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	s.passwordChecks.Add(1)
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || u == nil || u.Disabled {
		// 200, not 401: the answer is the sign-in form again with a message, and a 401 without
		// an authentication scheme means nothing to a browser. The attempt stays counted.
		return u, &httpError{status: http.StatusOK, msg: "用户名或密码错误。"}
	}
	if err := s.st.LoginSucceeded(ctx, login, ip); err != nil {
		return nil, err
	}
	return u, nil
}
