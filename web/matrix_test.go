package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/store"
)

var roles = []string{"anonymous", "office", "supervisor", "admin"}

// matrixRequest fills a route's pattern for one scope: "own" names 甲局's item, office and unit
// (the office user's 办公室, the supervisor's unit), "foreign" names 乙局's.
func (f *fixture) matrixPath(t *testing.T, rt route, scope string, victim int64) string {
	t.Helper()
	item, office, unit := f.itemA1, f.officeA1, f.unitA
	if scope == "foreign" {
		item, office, unit = f.itemB, f.officeB, f.unitB
	}
	p := strings.ReplaceAll(rt.path, "{$}", "")
	id := ""
	switch rt.scope {
	case scopeItem:
		id = fmt.Sprint(item)
	case scopeOffice:
		id = fmt.Sprint(office)
	case scopeUnit:
		id = fmt.Sprint(unit)
	case scopeNone:
		id = fmt.Sprint(victim) // a user id for /users/{id}, a token id nobody has otherwise
	}
	if rt.param != "" && rt.param != "id" {
		p += "?" + rt.param + "=" + id
	} else {
		p = strings.ReplaceAll(p, "{id}", id)
	}
	if strings.Contains(p, "{token}") {
		var tok string
		switch {
		case strings.HasPrefix(p, "/l/"):
			s, err := links.NewSigner(string(f.srv.opt.Secret), f.srv.opt.BaseURL)
			if err != nil {
				t.Fatal(err)
			}
			action := links.View
			if rt.method == "POST" {
				action = links.Complete
			}
			tok, err = s.Sign(links.Claims{Action: action, ItemID: item, Recipient: "person:1", Expires: testNow.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(p, "/ical/"):
			tok = f.srv.icalToken(office, 1) + ".ics"
		case strings.HasPrefix(p, "/setup/"):
			tok = "no-such-setup-link" // a real one is spent by the first request; setup_test.go uses them
		default:
			t.Fatalf("route %s: no token for this pattern", rt.path)
		}
		p = strings.ReplaceAll(p, "{token}", tok)
	}
	return p
}

// expectation says what the route table promises for a role and scope.
func expectation(rt route, role, scope string) string {
	switch {
	case len(rt.roles) == 0:
		return "allow"
	case role == "anonymous":
		return "login"
	case !slices.Contains(rt.roles, role):
		return "forbid"
	case rt.scope != scopeNone && scope == "foreign" && role != store.RoleAdmin:
		return "forbid"
	}
	return "allow"
}

// TestAuthorizationMatrix sends every route of the table as every role, with the scope
// parameter naming the user's own unit's object and a foreign one, and checks the answer
// against what the table declares. Because it walks s.routes(), a new route is covered the day
// it is added. Every allowed answer is also checked for the foreign item's title, so that a list
// or page that forgets to filter by scope fails here too.
func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	victim, _, err := CreateUser(ctx, f.st, "victim", "", store.RoleOffice, "password-victim", []int64{f.officeB}, nil, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rt := range f.srv.routes() {
		scopes := []string{"own", "foreign"}
		if rt.scope == scopeNone {
			scopes = scopes[:1]
		}
		for _, role := range roles {
			for _, scope := range scopes {
				name := fmt.Sprintf("%s %s as %s (%s)", rt.method, rt.path, role, scope)
				c := f.as(t, role)
				path := f.matrixPath(t, rt, scope, victim.ID)
				var resp *http.Response
				var body string
				switch {
				case rt.method == "GET":
					resp, body = c.get(path)
				case rt.api:
					resp, body = c.json(rt.method, path, map[string]any{})
				default:
					resp, body = c.post(path, nil)
				}
				n++
				want := expectation(rt, role, scope)
				got := resp.StatusCode
				if got >= 500 {
					t.Errorf("%s: status %d: %.300s", name, got, body)
					continue
				}
				switch want {
				case "allow":
					if got == http.StatusUnauthorized || got == http.StatusForbidden {
						t.Errorf("%s: status %d, want access: %.300s", name, got, body)
					}
					if role != "admin" && got == http.StatusOK && strings.Contains(body, foreignTitle) {
						t.Errorf("%s: the answer shows the foreign unit's item", name)
					}
				case "login":
					switch {
					case rt.api && got != http.StatusUnauthorized:
						t.Errorf("%s: status %d, want 401", name, got)
					case !rt.api && rt.method == "GET" && (got != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login")):
						t.Errorf("%s: status %d to %q, want a redirect to /login", name, got, resp.Header.Get("Location"))
					case !rt.api && rt.method != "GET" && got != http.StatusUnauthorized:
						t.Errorf("%s: status %d, want 401", name, got)
					}
				case "forbid":
					if got != http.StatusForbidden {
						t.Errorf("%s: status %d, want 403: %.300s", name, got, body)
					}
				}
			}
		}
	}
	t.Logf("%d requests over %d routes", n, len(f.srv.routes()))
}

// TestRouteTablePolicy checks the table against rules stated independently of it, so that a
// route added with too wide a role list or without a scope fails even though the matrix test
// would faithfully enforce whatever the table says.
func TestRouteTablePolicy(t *testing.T) {
	f := newFixture(t, true)
	publicOK := []string{"GET /login", "POST /login", "GET /l/{token}", "POST /l/{token}", "GET /ical/{token}", "GET /setup/{token}", "POST /setup/{token}"}
	// {id} routes that are not scoped by item, office or unit: they act on the caller's own
	// tokens (the query filters by user) or are admin-only.
	unscopedIDs := []string{"POST /account/tokens/{id}/revoke", "POST /api/tokens/{id}/revoke",
		"POST /admin/users/{id}/disable", "POST /api/users/{id}/disable",
		// People belong to no one unit (one person may serve several); admin-only, and the
		// office or unit of a role they are given is checked against the scope in the handler.
		"GET /admin/people/{id}", "POST /admin/people/{id}", "POST /admin/people/{id}/active",
		"GET /api/people/{id}", "PUT /api/people/{id}", "POST /api/people/{id}/active"}
	adminAPI := []string{"/api/lists", "/api/directory", "/api/calendar", "/api/policy", "/api/units", "/api/people", "/api/deliveries", "/api/outbox", "/api/users", "/api/audit"}
	seen := map[string]bool{}
	for _, rt := range f.srv.routes() {
		key := rt.method + " " + rt.path
		if seen[key] {
			t.Errorf("%s: twice in the table", key)
		}
		seen[key] = true
		if len(rt.roles) == 0 && !slices.Contains(publicOK, key) {
			t.Errorf("%s: public, but not one of the routes allowed to be", key)
		}
		if strings.HasPrefix(rt.path, "/admin/") && !slices.Equal(rt.roles, adminOnly) {
			t.Errorf("%s: an admin page open to %v", key, rt.roles)
		}
		for _, p := range adminAPI {
			if strings.HasPrefix(rt.path, p) && !slices.Equal(rt.roles, adminOnly) {
				t.Errorf("%s: an admin endpoint open to %v", key, rt.roles)
			}
		}
		if strings.HasPrefix(rt.path, "/api/") != rt.api {
			t.Errorf("%s: api flag %v", key, rt.api)
		}
		if strings.Contains(rt.path, "{id}") && rt.scope == scopeNone && !slices.Contains(unscopedIDs, key) {
			t.Errorf("%s: names an object but has no scope", key)
		}
		if (strings.HasPrefix(rt.path, "/items/{id}") || strings.HasPrefix(rt.path, "/api/items/{id}")) && rt.scope != scopeItem {
			t.Errorf("%s: an item route not scoped by item", key)
		}
		if strings.Contains(rt.path, "/offices/{id}") && rt.scope != scopeOffice {
			t.Errorf("%s: an office route not scoped by office", key)
		}
	}
}

// TestCSRFOnEveryUnsafeRoute sends every unsafe route without its CSRF token as a user the
// route admits: each must refuse. The same request with a bearer token (no cookie) needs none.
func TestCSRFOnEveryUnsafeRoute(t *testing.T) {
	f := newFixture(t, true)
	admin := f.as(t, "admin")
	tok := "zwgk_" + randomToken(32)
	if _, err := f.st.CreateAPIToken(context.Background(), f.users["admin"].ID, "matrix", tok, testNow.AddDate(0, 0, 90), store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	bearer := &client{t: t, f: f, bearer: tok}
	for _, rt := range f.srv.routes() {
		if !unsafeMethod(rt.method) {
			continue
		}
		path := f.matrixPath(t, rt, "own", f.users["office2"].ID)
		var resp *http.Response
		var body string
		if rt.api {
			resp, body = admin.do(rt.method, path, strings.NewReader("{}"), "application/json", false)
		} else {
			resp, body = admin.do(rt.method, path, strings.NewReader("note=x"), "application/x-www-form-urlencoded", false)
		}
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("%s %s without CSRF token: status %d: %.200s", rt.method, rt.path, resp.StatusCode, body)
		}
		if rt.api {
			resp, body = bearer.do(rt.method, path, strings.NewReader("{}"), "application/json", false)
			if rt.path == "/api/tokens" { // a token may not mint tokens (TestAPITokenCannotMintTokens)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s with a bearer token: status %d, want 403", rt.method, rt.path, resp.StatusCode)
				}
				continue
			}
			if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 {
				t.Errorf("%s %s with a bearer token: status %d: %.200s", rt.method, rt.path, resp.StatusCode, body)
			}
		}
	}
}

func TestDevRoutesOnlyInDevMode(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	for _, rt := range f.srv.routes() {
		if !rt.dev {
			continue
		}
		resp, _ := admin.get(rt.path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s outside dev mode: status %d, want 404", rt.path, resp.StatusCode)
		}
	}
	_, body := admin.get("/items")
	if strings.Contains(body, "开发模式") {
		t.Error("a production page is marked 开发模式")
	}
}
