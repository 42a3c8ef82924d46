package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is the database `zwgk dev` settled on.
type Postgres struct {
	URL    string
	Source string // a sentence for the start-up banner: where the database came from
	stop   func() error
}

// Stop stops a private server; for the other choices it does nothing.
func (p *Postgres) Stop() error {
	if p.stop == nil {
		return nil
	}
	return p.stop()
}

// PostgresOptions configures the choice. The zero value of the optional fields gives the
// production behaviour; tests override them to exercise each branch.
type PostgresOptions struct {
	URL      string // ZWGK_DATABASE_URL; used as is when set
	DataDir  string // a private server lives in DataDir/postgres
	Database string // database to use or create on the local server (default zwgk)
	// LocalURL is the server tried when URL is unset
	// (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
	LocalURL string
	// BinDirs are searched for initdb and pg_ctl after PATH (default /usr/lib/postgresql/*/bin,
	// newest first). SkipPATH ignores PATH, for tests.
	BinDirs  []string
	SkipPATH bool
	Logger   *slog.Logger
}

// ErrNoPostgres says that no server answered and none could be started.
var ErrNoPostgres = errors.New(`no PostgreSQL: nothing answers on localhost:5432 and no initdb/pg_ctl were found.
Install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql), or run the compose stack
(docker compose up -d postgres) and set ZWGK_DATABASE_URL=postgres://zwgk:zwgk@127.0.0.1:5432/zwgk?sslmode=disable`)

// ChoosePostgres picks the database: the configured URL, else the local server on port 5432
// (creating the database if missing), else a private server run from the installed binaries.
func ChoosePostgres(ctx context.Context, o PostgresOptions) (*Postgres, error) {
	if o.Database == "" {
		o.Database = "zwgk"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.URL != "" {
		if err := ping(ctx, o.URL); err != nil {
			return nil, fmt.Errorf("ZWGK_DATABASE_URL: %w", err)
		}
		return &Postgres{URL: o.URL, Source: "ZWGK_DATABASE_URL"}, nil
	}
	local := o.LocalURL
	if local == "" {
		local = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	if err := ping(ctx, local); err == nil {
		u, err := ensureDatabase(ctx, local, o.Database)
		if err != nil {
			return nil, err
		}
		return &Postgres{URL: u, Source: "the PostgreSQL server at " + hostOf(local)}, nil
	} else {
		// Not answering and refusing our login (a Debian server asks for a password over TCP)
		// both lead to a private server; the reason is logged for whoever expected the local one.
		o.Logger.Info("cannot use the local PostgreSQL server; starting a private one from the installed binaries (set ZWGK_DATABASE_URL to use a server of yours)",
			"tried", hostOf(local), "err", err)
	}
	bin, err := findBinaries(o.BinDirs, o.SkipPATH)
	if err != nil {
		return nil, err
	}
	return startPrivate(ctx, bin, filepath.Join(o.DataDir, "postgres"), o.Database, o.Logger)
}

func ping(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.Ping(ctx)
}

// ensureDatabase creates db on the server of adminURL if it is missing and returns its URL.
func ensureDatabase(ctx context.Context, adminURL, db string) (string, error) {
	c, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists); err != nil {
		return "", fmt.Errorf("postgres: look up database %s: %w", db, err)
	}
	if !exists {
		if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil {
			var again bool
			// Two processes starting at once may both try; the loser finds it made.
			if c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&again) != nil || !again {
				return "", fmt.Errorf("postgres: create database %s: %w", db, err)
			}
		}
	}
	p, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	p.Path = "/" + db
	return p.String(), nil
}

type binaries struct{ initdb, pgctl string }

func findBinaries(dirs []string, skipPATH bool) (binaries, error) {
	if !skipPATH {
		i, e1 := exec.LookPath("initdb")
		p, e2 := exec.LookPath("pg_ctl")
		if e1 == nil && e2 == nil {
			return binaries{i, p}, nil
		}
	}
	if dirs == nil {
		found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.Slice(found, func(a, b int) bool { return versionOf(found[a]) > versionOf(found[b]) })
		dirs = found
	}
	for _, d := range dirs {
		b := binaries{filepath.Join(d, "initdb"), filepath.Join(d, "pg_ctl")}
		if isExec(b.initdb) && isExec(b.pgctl) {
			return b, nil
		}
	}
	return binaries{}, ErrNoPostgres
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// startPrivate runs a server of our own in dir on a free loopback port, creating the cluster on
// first use. PostgreSQL refuses to run as root, so as root the server runs as the postgres user.
func startPrivate(ctx context.Context, bin binaries, dir, db string, logger *slog.Logger) (*Postgres, error) {
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cred != nil {
		// The server runs as postgres and must be able to reach its directory inside ours.
		if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		if err := reachable(filepath.Dir(dir)); err != nil {
			return nil, err
		}
	}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("postgres: %s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); os.IsNotExist(err) {
		logger.Info("creating a private PostgreSQL cluster", "dir", dir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		if cred != nil {
			if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("postgres: %w", err)
			}
		}
		if err := run(bin.initdb, "-D", dir, "-U", "zwgk", "--auth=trust", "-E", "UTF8", "--no-instructions"); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// A server left running by a killed `zwgk dev` holds the directory; stop it first.
	_ = run(bin.pgctl, "-D", dir, "-m", "fast", "-w", "stop")
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s", port, dir)
	if err := run(bin.pgctl, "-D", dir, "-o", opts, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		return nil, err
	}
	stop := func() error { return run(bin.pgctl, "-D", dir, "-m", "fast", "-w", "stop") }
	admin := fmt.Sprintf("postgres://zwgk@%s/postgres?sslmode=disable", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	u, err := ensureDatabase(ctx, admin, db)
	if err != nil {
		_ = stop()
		return nil, err
	}
	return &Postgres{URL: u, Source: "a private PostgreSQL server in " + dir, stop: stop}, nil
}

// reachable checks that every directory above dir lets other users through, since a private
// server started by root runs as the postgres user.
func reachable(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for d := abs; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("postgres: running as root, the private server runs as the postgres user, which cannot enter %s; "+
				"run zwgk dev as a normal user, set ZWGK_DATA_DIR to a directory under a path others may traverse, or set ZWGK_DATABASE_URL", d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres: running as root and there is no postgres user to run a private server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "?"
	}
	return p.Host
}
