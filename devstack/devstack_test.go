package devstack

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/zwgk/zwgk/temporalclient"
	"github.com/zwgk/zwgk/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// closedURL points at a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "postgres://postgres@" + addr + "/postgres?sslmode=disable&connect_timeout=2"
}

func TestChooseConfiguredURL(t *testing.T) {
	u := testenv.DatabaseURL(t)
	pg, err := ChoosePostgres(context.Background(), PostgresOptions{URL: u, LocalURL: closedURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	if pg.URL != u || pg.Source != "ZWGK_DATABASE_URL" {
		t.Fatalf("got %+v", pg)
	}
	if _, err := ChoosePostgres(context.Background(), PostgresOptions{URL: closedURL(t)}); err == nil {
		t.Fatal("an unreachable ZWGK_DATABASE_URL must be an error, not a fallback")
	}
}

func TestChooseLocalServerCreatesDatabase(t *testing.T) {
	ctx := context.Background()
	db := "zwgk_devstack_" + time.Now().Format("150405")
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, testenv.AdminURL())
		if err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	for range 2 { // the second start finds the database made
		pg, err := ChoosePostgres(ctx, PostgresOptions{LocalURL: testenv.AdminURL(), Database: db, DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		c, err := pgx.Connect(ctx, pg.URL)
		if err != nil {
			t.Fatalf("connect to the chosen %s: %v", pg.URL, err)
		}
		var name string
		c.QueryRow(ctx, "SELECT current_database()").Scan(&name)
		c.Close(ctx)
		if name != db {
			t.Fatalf("connected to %q, want %q", name, db)
		}
		if err := pg.Stop(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestChoosePrivateServerFromBinaries(t *testing.T) {
	if _, err := findBinaries(nil, false); err != nil {
		t.Fatalf("this machine has PostgreSQL installed (CI installs it), but: %v", err)
	}
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "data")
	// The server runs as postgres when the test runs as root: open the temporary directories.
	for d := filepath.Dir(dataDir); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	start := func() *Postgres {
		pg, err := ChoosePostgres(ctx, PostgresOptions{LocalURL: closedURL(t), DataDir: dataDir})
		if err != nil {
			t.Fatal(err)
		}
		return pg
	}
	pg := start()
	c, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		pg.Stop()
		t.Fatal(err)
	}
	_, err = c.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
	c.Close(ctx)
	if err != nil {
		pg.Stop()
		t.Fatal(err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}

	pg = start() // a restarted `zwgk dev` finds its cluster and data
	defer pg.Stop()
	c, err = pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var v string
	if err := c.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != "still here" {
		t.Fatalf("data after restart: %q, %v", v, err)
	}
}

func TestChooseNothingAvailable(t *testing.T) {
	_, err := ChoosePostgres(context.Background(), PostgresOptions{
		LocalURL: closedURL(t), DataDir: t.TempDir(), BinDirs: []string{t.TempDir()}, SkipPATH: true,
	})
	if !errors.Is(err, ErrNoPostgres) {
		t.Fatalf("got %v, want ErrNoPostgres with install instructions", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "apt-get install postgresql") || !strings.Contains(msg, "docker compose up") {
		t.Fatalf("message lacks instructions: %s", msg)
	}
}

func hello(ctx workflow.Context, name string) (string, error) { return "你好, " + name, nil }

// The embedded server persists to SQLite: a workflow run before a restart is found after it,
// and zwgk's search attributes are registered in the namespace.
func TestEmbeddedTemporalSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := StartTemporal(ctx, TemporalOptions{DataDir: dir, Namespace: "zwgk-test"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client(ctx)
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	w := worker.New(c, "q", worker.Options{})
	w.RegisterWorkflow(hello)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "persisted", TaskQueue: "q"}, hello, "zwgk")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != "你好, zwgk" {
		t.Fatalf("workflow result %q, %v", got, err)
	}
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "zwgk-test"})
	if err != nil {
		t.Fatal(err)
	}
	for name := range temporalclient.SearchAttributes {
		if _, ok := sa.GetCustomAttributes()[name]; !ok {
			t.Errorf("search attribute %s not registered", name)
		}
	}
	w.Stop()
	c.Close()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}

	srv, err = StartTemporal(ctx, TemporalOptions{DataDir: dir, Namespace: "zwgk-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err = srv.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := c.DescribeWorkflowExecution(ctx, "persisted", "")
	if err != nil {
		t.Fatalf("workflow lost across restart: %v", err)
	}
	if d.GetWorkflowExecutionInfo().GetStatus().String() != "Completed" {
		t.Fatalf("status after restart: %v", d.GetWorkflowExecutionInfo().GetStatus())
	}
}
