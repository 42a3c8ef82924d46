// Package testenv gives integration tests real peers: a fresh PostgreSQL database for each test
// (cloned from a migrated template made once per test binary) and one in-process Temporal server
// per test binary with zwgk's search attributes registered.
//
// Use it from TestMain so that the databases are dropped and the server stopped at the end:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// PostgreSQL is found at ZWGK_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable). A test that needs it fails, never
// skips, when it does not answer: CI starts it, and a skipped test would report a pass it did not earn.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/temporaltest"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/temporalclient"
)

// AdminURL is the maintenance database that test databases are created from.
func AdminURL() string {
	if u := os.Getenv("ZWGK_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var (
	mu       sync.Mutex
	template string // name of this binary's migrated template database
	created  []string
	tserver  *temporaltest.TestServer
	tclient  client.Client
	// The PID in the name lets a later run drop what a killed one left behind.
	prefix    = "zwgk_t_" + sanitize(filepath.Base(os.Args[0])) + "_p" + strconv.Itoa(os.Getpid()) + "_" + randHex(4)
	pidInName = regexp.MustCompile(`^zwgk_t_.*_p([0-9]+)_[0-9a-f]{8}`)
	nameClean = regexp.MustCompile(`[^a-z0-9_]+`)
)

// Main runs the tests and then removes what they created.
func Main(m *testing.M) {
	code := m.Run()
	mu.Lock()
	if tserver != nil {
		tserver.Stop()
	}
	dbs := append([]string(nil), created...)
	if template != "" {
		dbs = append(dbs, template)
	}
	mu.Unlock()
	if err := dropAll(dbs); err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
	}
	os.Exit(code)
}

// DatabaseURL creates a fresh database with zwgk's schema for this test and returns its URL.
// The database is dropped when Main ends, not at the end of the test, so that a failing test
// can be inspected with ZWGK_TEST_KEEP=1.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tmpl, err := ensureTemplate(ctx)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return createDatabase(ctx, t, tmpl)
}

// EmptyDatabaseURL creates a database without zwgk's schema, for tests of the migrations.
func EmptyDatabaseURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return createDatabase(ctx, t, "")
}

// createDatabase makes a database, a copy of template when one is named, to be dropped by Main.
func createDatabase(ctx context.Context, t testing.TB, template string) string {
	t.Helper()
	name := prefix + "_" + randHex(4)
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if err := admin(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, sql)
		return err
	}); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	mu.Lock()
	created = append(created, name)
	mu.Unlock()
	return withDatabase(AdminURL(), name)
}

// Store opens a fresh migrated database for this test; it is closed at the end of the test.
func Store(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), DatabaseURL(t))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(st.Close)
	return st
}

func ensureTemplate(ctx context.Context) (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if template != "" {
		return template, nil
	}
	dropOrphans(ctx)
	name := prefix + "_tmpl"
	if err := admin(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		return err
	}); err != nil {
		return "", fmt.Errorf("create template database: %w", err)
	}
	template = name
	st, err := store.Open(ctx, withDatabase(AdminURL(), name))
	if err != nil {
		return "", err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return "", err
	}
	return name, nil
}

// dropOrphans drops the test databases of test processes on this machine that are gone (killed,
// or children that exited without cleaning up).
func dropOrphans(ctx context.Context) {
	if _, err := os.Stat("/proc/self"); err != nil {
		return // no /proc: liveness unknown, leave everything alone
	}
	var orphans []string
	_ = admin(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'zwgk\_t\_%'`)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, n := range names {
			m := pidInName.FindStringSubmatch(n)
			if m == nil {
				continue
			}
			if pid, _ := strconv.Atoi(m[1]); pid > 0 && !alive(pid) {
				orphans = append(orphans, n)
			}
		}
		return nil
	})
	if len(orphans) > 0 {
		_ = dropAll(orphans)
	}
}

func alive(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil || !os.IsNotExist(err)
}

func admin(ctx context.Context, fn func(*pgx.Conn) error) error {
	c, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return fmt.Errorf("PostgreSQL at %s does not answer (start it, or set ZWGK_TEST_DATABASE_URL): %w", redact(AdminURL()), err)
	}
	defer c.Close(ctx)
	return fn(c)
}

func dropAll(names []string) error {
	if os.Getenv("ZWGK_TEST_KEEP") != "" || len(names) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return admin(ctx, func(c *pgx.Conn) error {
		for _, n := range names {
			if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)"); err != nil {
				return fmt.Errorf("drop %s: %w", n, err)
			}
		}
		return nil
	})
}

// Temporal returns a client of this binary's in-process Temporal server, started on first use,
// in a namespace that has zwgk's search attributes.
func Temporal(t testing.TB) client.Client {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if tclient != nil {
		return tclient
	}
	tserver = temporaltest.NewServer()
	c := tserver.GetDefaultClient()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := temporalclient.EnsureSearchAttributes(ctx, c, tserver.GetDefaultNamespace()); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	tclient = c
	return c
}

// TemporalAddress is the frontend host:port of the in-process server, for code that dials itself.
func TemporalAddress(t testing.TB) (hostPort, namespace string) {
	Temporal(t)
	return tserver.GetFrontendHostPort(), tserver.GetDefaultNamespace()
}

// FreePort is a loopback port nothing listens on at the moment, for a server a test starts
// (or a client it points at a closed port).
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TaskQueue names a task queue unique to this test, so tests sharing a server do not steal
// each other's tasks.
func TaskQueue(t testing.TB) string {
	return "zwgk-test-" + sanitize(t.Name()) + "-" + randHex(3)
}

func withDatabase(u, db string) string {
	p, err := url.Parse(u)
	if err != nil {
		panic(fmt.Sprintf("testenv: bad ZWGK_TEST_DATABASE_URL: %v", err))
	}
	p.Path = "/" + db
	return p.String()
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	return p.Redacted()
}

func sanitize(s string) string {
	s = nameClean.ReplaceAllString(strings.ToLower(s), "_")
	if len(s) > 20 {
		s = s[:20]
	}
	return strings.Trim(s, "_")
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
