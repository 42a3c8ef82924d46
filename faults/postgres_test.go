package faults

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/internal/fixtures"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// cluster is a PostgreSQL server of the test's own, in a temporary directory on a port of its
// own, so that it can be crashed without disturbing anyone else's database.
type cluster struct {
	t      *testing.T
	bin    string // directory of initdb and pg_ctl
	dir    string
	port   int
	asUser *syscall.Credential // PostgreSQL refuses to run as root: as root it runs as postgres
}

// startCluster creates and starts a cluster, or skips the test when the server binaries are
// not installed.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: serverBinaries()}
	if c.bin == "" {
		t.Skip("no PostgreSQL server binaries (initdb and pg_ctl in /usr/lib/postgresql/*/bin or on PATH); Debian: apt-get install postgresql")
	}
	base := t.TempDir()
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user to run the private server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.asUser = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// the server's user must get through the test's temporary directories to its own
		for d := base; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
	}
	c.dir = filepath.Join(base, "pg")
	if err := os.Mkdir(c.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if c.asUser != nil {
		if err := os.Chown(c.dir, int(c.asUser.Uid), int(c.asUser.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.run("initdb", "-D", c.dir, "-U", "zwgk", "--auth=trust", "-E", "UTF8", "--no-instructions"); err != nil {
		t.Fatal(err)
	}
	c.port = testenv.FreePort(t)
	c.start()
	t.Cleanup(func() { _ = c.run("pg_ctl", "-D", c.dir, "-m", "immediate", "-w", "stop") })
	return c
}

func serverBinaries() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(a, b int) bool {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[a])))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[b])))
		return va > vb
	})
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
				return d
			}
		}
	}
	return ""
}

func (c *cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	if c.asUser != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.asUser}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("postgres: %s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server on its port and waits until it accepts connections (after a crash,
// once its recovery from the WAL is done).
func (c *cluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s", c.port, c.dir)
	if err := c.run("pg_ctl", "-D", c.dir, "-o", opts, "-l", filepath.Join(c.dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		c.t.Fatal(err)
	}
}

// crash stops the server the way a power cut or an OOM kill does: no checkpoint, every
// connection cut, recovery from the WAL at the next start.
func (c *cluster) crash() {
	c.t.Helper()
	if err := c.run("pg_ctl", "-D", c.dir, "-m", "immediate", "-w", "stop"); err != nil {
		c.t.Fatal(err)
	}
}

// database creates a database with zwgk's schema and returns its URL.
func (c *cluster) database(ctx context.Context, name string) string {
	c.t.Helper()
	admin := fmt.Sprintf("postgres://zwgk@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		c.t.Fatal(err)
	}
	u := fmt.Sprintf("postgres://zwgk@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
	st, err := store.Open(ctx, u)
	if err != nil {
		c.t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		c.t.Fatal(err)
	}
	return u
}

// PostgreSQL crashes (pg_ctl -m immediate) while the dispatcher sends 1,000 digests, stays
// down a few seconds and comes back on the same port. The deliveries in flight lose their
// database; the dispatch activity fails and is retried; the delivery log, recovered from the
// WAL, must make every recipient end with exactly one message by Message-ID.
func TestPostgresRestartMidDispatch(t *testing.T) {
	const (
		recipients = 1000
		smtpDelay  = 20 * time.Millisecond // 8 conversations at 20 ms: the burst lasts about 3 s
		crashAt    = recipients * 3 / 10
		downtime   = 5 * time.Second
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pg := startCluster(t)
	st, err := store.Open(ctx, pg.database(ctx, "zwgk"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	c := testenv.Temporal(t)
	tq := testenv.TaskQueue(t)
	wc := &workflows.Client{Temporal: c, TaskQueue: tq}
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), activities.DispatcherID(tq), "", "test over") })

	mb := newMailbox(t, smtpDelay, time.Now, nil)
	seeded := time.Now()
	emails, items := fixtures.OfficeList(t, ctx, st, "故障测试", recipients)
	t.Logf("seeded %d offices, contacts and items in %s", recipients, time.Since(seeded).Round(time.Millisecond))
	startWorker(t, c, tq, st, newDeliverer(t, ctx, st, mb))
	window := time.Now().Add(3 * time.Second).Truncate(time.Second)
	fixtures.PlanReminders(t, ctx, st, items, window)
	if err := wc.EnsureDispatcher(ctx); err != nil {
		t.Fatal(err)
	}

	waitFor(t, fmt.Sprintf("%d messages before the crash", crashAt), 3*time.Minute, func() bool { return mb.srv.Count() >= crashAt })
	crashedAt := time.Now()
	pg.crash()
	crashTook := time.Since(crashedAt)
	atCrash := mb.srv.Count()
	time.Sleep(downtime) // the outage itself
	duringOutage := mb.srv.Count() - atCrash
	pg.start()
	restartedAt := time.Now()
	t.Logf("PostgreSQL crashed %s after the window with %d of %d messages at the SMTP server (pg_ctl -m immediate took %s); "+
		"%d more arrived during the %s outage (conversations already past the database); started again after %s",
		crashedAt.Sub(window).Round(time.Millisecond), atCrash, recipients, crashTook.Round(time.Millisecond),
		duringOutage, downtime, restartedAt.Sub(crashedAt).Round(time.Millisecond))

	waitFor(t, "every recipient's message", 4*time.Minute, func() bool { return mb.Served() >= recipients })
	waitFor(t, "every notice settled", 2*time.Minute, func() bool { return settled(t, ctx, st) })
	done := time.Now()
	r := count(t, ctx, st, mb, emails)
	attempts := map[string]int{}
	rows, err := st.Pool.Query(ctx, `SELECT status, count(*) FROM delivery_attempts GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		attempts[s] = n
	}
	if r.rawDuplicates > attempts[store.AttemptUnknown] {
		t.Errorf("%d copies under one Message-ID but only %d attempts whose outcome the crash hid", r.rawDuplicates, attempts[store.AttemptUnknown])
	}
	resumed := mb.FirstAfter(restartedAt)
	t.Logf("recovered: first message %s after PostgreSQL was back, last recipient served %s after it, every notice settled %s after it; "+
		"%s from the window to the end; messages lost %d, recipients with two different messages %d, extra copies under one Message-ID %d "+
		"(conversations the crash cut after the final dot); delivery attempts by outcome %v",
		resumed.Sub(restartedAt).Round(time.Millisecond), mb.Last().Sub(restartedAt).Round(time.Millisecond),
		done.Sub(restartedAt).Round(time.Millisecond), done.Sub(window).Round(time.Millisecond),
		r.lost, r.twice, r.rawDuplicates, attempts)
}
