package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost
	testenv.Main(m)
}

// testNow is "today" in the handler tests: Wednesday 2024-05-08, 10:00 in Shanghai, right after
// the 劳动节 holiday (5/1–5/5 off, Sunday 4/28 and Saturday 5/11 worked).
var testNow = time.Date(2024, 5, 8, 10, 0, 0, 0, calendar.Shanghai)

// foreignTitle is the title of the one item of the foreign unit: no page that an own-scope user
// can open may contain it.
const foreignTitle = "乙局保密事项FOREIGN"

// fixture is two units: 甲局 (own: offices 办公室 and 法规科) and 乙局 (foreign: 综合科), with
// items in every state the pages show, and a user of each role scoped to 甲局.
type fixture struct {
	st  *store.Store
	srv *Server
	ts  *httptest.Server
	cmd *recorder

	unitA, unitB                int64
	officeA1, officeA2, officeB int64
	// items: A1 overdue (办公室), A2 due soon (法规科), A3 timely (法规科), A4 formula title
	// (办公室, due 2099), A5 done (办公室), B overdue (乙局 综合科)
	itemA1, itemA2, itemA3, itemA4, itemA5, itemB int64

	users map[string]*store.User // by role name: admin, supervisor, office, office2
}

func newFixture(t *testing.T, dev bool) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: testenv.Store(t), cmd: &recorder{}, users: map[string]*store.User{}}
	f.cmd.st = f.st
	q := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := f.st.Pool.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("fixture %q: %v", sql, err)
		}
		return id
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := f.st.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("fixture %q: %v", sql, err)
		}
	}
	f.unitA = q(`INSERT INTO units (name) VALUES ('甲局') RETURNING id`)
	f.unitB = q(`INSERT INTO units (name) VALUES ('乙局') RETURNING id`)
	f.officeA1 = q(`INSERT INTO offices (unit_id, name, aliases) VALUES ($1, '办公室', '{辦公室}') RETURNING id`, f.unitA)
	f.officeA2 = q(`INSERT INTO offices (unit_id, name) VALUES ($1, '法规科') RETURNING id`, f.unitA)
	f.officeB = q(`INSERT INTO offices (unit_id, name) VALUES ($1, '综合科') RETURNING id`, f.unitB)
	listA := q(`INSERT INTO lists (unit_id, year, title) VALUES ($1, 2024, '甲局2024年政务公开任务清单') RETURNING id`, f.unitA)
	listB := q(`INSERT INTO lists (unit_id, year, title) VALUES ($1, 2024, '乙局2024年政务公开任务清单') RETURNING id`, f.unitB)

	item := func(list int64, seq int, title, rule string, office int64) int64 {
		id := q(`INSERT INTO items (list_id, key, seq, title, requirement, rule, path, workflow_id, source_file, source_row)
			VALUES ($1, $2, $3, $4, $5, $6, '{政务公开,主动公开}', $7, 'list.xlsx', $3 + 1) RETURNING id`,
			list, fmt.Sprintf("%016x", seq), seq, title, title+"：按要求在门户网站公开，并报送政务公开办。", rule, fmt.Sprintf("item-%d-%d", list, seq))
		exec(`INSERT INTO item_offices (item_id, office_id, role) VALUES ($1, $2, 'lead')`, id, office)
		return id
	}
	deadline := func(due string) string { return `{"kind":"deadline","text":"` + due + `","due":"` + due + `"}` }
	f.itemA1 = item(listA, 1, "公开2023年度政府信息公开工作年报", deadline("2024-04-30"), f.officeA1)
	f.itemA2 = item(listA, 2, "公开部门预算", deadline("2024-05-13"), f.officeA2)
	f.itemA3 = item(listA, 3, "规范性文件及时公开", `{"kind":"timely","text":"及时公开","clock":{"n":20,"unit":"workday"}}`, f.officeA2)
	f.itemA4 = item(listA, 4, "=HYPERLINK(\"http://evil.example\",\"点我\")", deadline("2099-06-30"), f.officeA1)
	f.itemA5 = item(listA, 5, "公开机构职能", deadline("2024-04-30"), f.officeA1)
	f.itemB = item(listB, 1, foreignTitle, deadline("2024-04-30"), f.officeB)

	state := func(item int64, status string, due *time.Time, level int) {
		exec(`INSERT INTO item_state (item_id, workflow_id, seq, status, cycle_key, due_at, escalation_level, overdue_since)
			SELECT id, workflow_id, 1, $2::text, '2024', $3::timestamptz, $4::int, CASE WHEN $2::text = 'overdue' THEN $3::timestamptz END FROM items WHERE id = $1`, item, status, due, level)
	}
	cycle := func(item int64, key string, due time.Time, status string, done *time.Time, late bool, level int) {
		exec(`INSERT INTO item_cycles (item_id, cycle_key, seq, starts_at, due_at, original_due_at, status, completions, done_at, late, escalation_level, evidence_url, done_by)
			VALUES ($1, $2, 1, $3, $4, $4, $5, CASE WHEN $6::timestamptz IS NULL THEN 0 ELSE 1 END, $6, $7, $8,
			        CASE WHEN $6::timestamptz IS NULL THEN '' ELSE 'https://gk.example.gov.cn/a.html' END, CASE WHEN $6::timestamptz IS NULL THEN '' ELSE 'bangongshi' END)`,
			item, key, due.AddDate(0, -3, 0), due, status, done, late, level)
	}
	apr30 := calendar.D(2024, 4, 30).End()
	may13 := calendar.D(2024, 5, 13).End()
	// A4 is due far ahead of the real clock too, which the completion snapshot counts with.
	jun30 := calendar.D(2099, 6, 30).End()
	done := calendar.D(2024, 4, 20).At(15, 0)
	state(f.itemA1, "overdue", &apr30, 1)
	cycle(f.itemA1, "2024", apr30, "overdue", nil, false, 1)
	state(f.itemA2, "upcoming", &may13, 0)
	cycle(f.itemA2, "2024", may13, "open", nil, false, 0)
	state(f.itemA3, "waiting", nil, 0)
	state(f.itemA4, "upcoming", &jun30, 0)
	cycle(f.itemA4, "2024", jun30, "open", nil, false, 0)
	state(f.itemA5, "done", &apr30, 0)
	cycle(f.itemA5, "2024", apr30, "done", &done, false, 0)
	state(f.itemB, "overdue", &apr30, 2)
	cycle(f.itemB, "2024", apr30, "overdue", nil, false, 2)
	exec(`INSERT INTO item_events (workflow_id, seq, item_id, kind, cycle_key, at, actor, detail)
		SELECT workflow_id, 1, id, 'started', '2024', $2, 'system', '{}' FROM items WHERE id = $1`, f.itemA1, calendar.D(2024, 1, 2).At(9, 0))
	exec(`INSERT INTO item_events (workflow_id, seq, item_id, kind, cycle_key, at, actor, detail)
		SELECT workflow_id, 2, id, 'overdue', '2024', $2, 'system', '{"level":1}' FROM items WHERE id = $1`, f.itemA1, calendar.D(2024, 5, 6).At(9, 0))

	a := store.Audit{Actor: "test"}
	mk := func(key, login, role string, offices, units []int64) {
		u, _, err := CreateUser(ctx, f.st, login, "测试"+key, role, "password-"+login, offices, units, a)
		if err != nil {
			t.Fatalf("fixture user %s: %v", login, err)
		}
		f.users[key] = u
	}
	mk("admin", "root", store.RoleAdmin, nil, nil)
	mk("supervisor", "lingdao", store.RoleSupervisor, nil, []int64{f.unitA})
	mk("office", "bangongshi", store.RoleOffice, []int64{f.officeA1}, nil)
	mk("office2", "fagui", store.RoleOffice, []int64{f.officeA2}, nil)

	f.serve(t, Options{Store: f.st, Items: f.cmd, Dev: dev, Now: func() time.Time { return testNow }})
	return f
}

// serve starts the fixture's server with o, the tests' secret and base URL unless o names
// others, closed when the test ends.
func (f *fixture) serve(t *testing.T, o Options) {
	t.Helper()
	if o.Secret == nil {
		o.Secret = []byte("test-secret-0123456789abcdef-9f3kq7xz")
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://zwgk.test"
	}
	srv, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.ts = httptest.NewServer(srv)
	t.Cleanup(f.ts.Close)
}

// recorder stands in for the lead's workflows.Client in handler tests: it records each command
// and answers with a state, or with err when set.
type recorder struct {
	mu    sync.Mutex
	calls []call
	err   error
	// st, when set, gets each command's audit entry, as the item workflow writes it with the
	// change's history row; the recorded command is without it.
	st *store.Store
}

type call struct {
	op, workflowID string
	arg            any
}

func (r *recorder) record(op, wf string, arg any, audit *store.EventAudit) (workflows.State, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return workflows.State{}, r.err
	}
	if audit != nil && r.st != nil {
		ctx := context.Background()
		var item int64
		if err := r.st.Pool.QueryRow(ctx, `SELECT id FROM items WHERE workflow_id = $1`, wf).Scan(&item); err != nil {
			return workflows.State{}, fmt.Errorf("item of %s: %w", wf, err)
		}
		if err := r.st.RecordAudit(ctx, store.Audit{UserID: audit.UserID, Actor: audit.Actor, IP: audit.IP, Action: audit.Action,
			ObjectType: "item", ObjectID: fmt.Sprint(item), Detail: audit.Detail}); err != nil {
			return workflows.State{}, err
		}
	}
	r.calls = append(r.calls, call{op, wf, arg})
	return workflows.State{Status: "done"}, nil
}

// recordAudited records a command without its audit, which record writes as the workflow's
// activity would: the recorded command is compared without it.
func recordAudited[T any](r *recorder, op, wf string, x *T, audit **store.EventAudit) (workflows.State, error) {
	a := *audit
	*audit = nil
	return r.record(op, wf, *x, a)
}

func (r *recorder) last() (call, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return call{}, 0
	}
	return r.calls[len(r.calls)-1], len(r.calls)
}

func (r *recorder) Complete(_ context.Context, wf string, c workflows.Completion) (workflows.State, error) {
	return recordAudited(r, "complete", wf, &c, &c.Audit)
}
func (r *recorder) Reopen(_ context.Context, wf string, x workflows.Reopen) (workflows.State, error) {
	return recordAudited(r, "reopen", wf, &x, &x.Audit)
}
func (r *recorder) Extend(_ context.Context, wf string, x workflows.Extension) (workflows.State, error) {
	return recordAudited(r, "extend", wf, &x, &x.Audit)
}
func (r *recorder) Reassign(_ context.Context, wf string, x workflows.Reassignment) (workflows.State, error) {
	return recordAudited(r, "reassign", wf, &x, &x.Audit)
}
func (r *recorder) RecordEvent(_ context.Context, wf string, x workflows.Event) (workflows.State, error) {
	return recordAudited(r, "event", wf, &x, &x.Audit)
}
func (r *recorder) Pause(_ context.Context, wf string, x workflows.Actor) (workflows.State, error) {
	return recordAudited(r, "pause", wf, &x, &x.Audit)
}
func (r *recorder) Resume(_ context.Context, wf string, x workflows.Actor) (workflows.State, error) {
	return recordAudited(r, "resume", wf, &x, &x.Audit)
}
func (r *recorder) Query(_ context.Context, wf string) (workflows.State, error) {
	return workflows.State{}, nil
}

// client is a browser of one user: a session cookie made directly in the store (or none, for
// an anonymous visitor with only the CSRF cookie).
type client struct {
	t      *testing.T
	f      *fixture
	cookie *http.Cookie
	csrf   string
	bearer string
}

func (f *fixture) as(t *testing.T, role string) *client {
	t.Helper()
	c := &client{t: t, f: f}
	if role == "anonymous" {
		anchor := randomToken(18)
		c.cookie = &http.Cookie{Name: anonCookie, Value: anchor}
		c.csrf = f.srv.csrfToken(anchor)
		return c
	}
	u, ok := f.users[role]
	if !ok {
		t.Fatalf("no user %s", role)
	}
	tok := randomToken(32)
	if err := f.st.CreateSession(context.Background(), tok, u.ID, testNow.Add(time.Hour), "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	c.cookie = &http.Cookie{Name: sessionCookie, Value: tok}
	c.csrf = f.srv.csrfToken(tok)
	return c
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (c *client) do(method, path string, body io.Reader, contentType string, withCSRF bool) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.f.ts.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if withCSRF {
		req.Header.Set(csrfHeader, c.csrf)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	return c.do("GET", path, nil, "", false)
}

func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set(csrfField, c.csrf)
	return c.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", true)
}

func (c *client) json(method, path string, v any) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		body = strings.NewReader(string(b))
	}
	return c.do(method, path, body, "application/json", true)
}

// wantOwnUnitOnly checks that a unit's report at path is refused to lead, a supervisor of unit
// A, for unit B, and to an office user altogether.
func (f *fixture) wantOwnUnitOnly(t *testing.T, lead *client, path string) {
	t.Helper()
	if resp, _ := lead.get(fmt.Sprintf("%s?unit=%d", path, f.unitB)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("%s of a foreign unit: %d", path, resp.StatusCode)
	}
	if resp, _ := f.as(t, "office").get(path); resp.StatusCode != http.StatusForbidden {
		t.Errorf("%s for an office user: %d", path, resp.StatusCode)
	}
}

// wantBadParam checks that c's request of path is refused as a bad request naming the control.
func wantBadParam(t *testing.T, c *client, path, control string) {
	t.Helper()
	resp, body := c.get(path)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, control) {
		t.Errorf("GET %s: the refusal does not name %s: %s", path, control, pageText(body))
	}
}

func wantStatus(t *testing.T, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%.2000s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, body)
	}
}
