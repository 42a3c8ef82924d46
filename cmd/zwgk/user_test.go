package main

import (
	"bytes"
	"context"
	"os"
	"os/user"
	"regexp"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

func runUserCmd(t *testing.T, dbURL string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	if stdin != "" {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		old := os.Stdin
		os.Stdin = r
		t.Cleanup(func() { os.Stdin = old })
		go func() { w.WriteString(stdin); w.Close() }()
	}
	var out, errb bytes.Buffer
	vars := map[string]string{"ZWGK_DATABASE_URL": dbURL}
	code := run(context.Background(), args, &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errb.String()
}

func TestUserCommand(t *testing.T) {
	url := testenv.DatabaseURL(t)
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Pool.Exec(context.Background(), `
		WITH u AS (INSERT INTO units (name) VALUES ('金寨县某局') RETURNING id)
		INSERT INTO offices (unit_id, name, aliases) SELECT id, '办公室', '{辦公室}' FROM u`); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runUserCmd(t, url, "", "user", "add", "--login", "admin", "--role", "admin")
	if code != 0 || !regexp.MustCompile(`(?m)^password: \S{12,}$`).MatchString(out) {
		t.Fatalf("add admin: %d %q %q", code, out, errs)
	}
	code, out, errs = runUserCmd(t, url, "correct horse battery\n", "user", "add", "--login", "bgs", "--name", "张三", "--role", "office", "--office", "辦公室", "--password-stdin")
	if code != 0 || strings.Contains(out, "password:") {
		t.Fatalf("add office user: %d %q %q", code, out, errs)
	}
	code, out, errs = runUserCmd(t, url, "", "user", "add", "--login", "leader", "--role", "supervisor", "--unit", "金寨县某局")
	if code != 0 {
		t.Fatalf("add supervisor: %d %q %q", code, out, errs)
	}
	code, _, errs = runUserCmd(t, url, "", "user", "add", "--login", "x", "--role", "office", "--office", "财务室")
	if code != 1 || !strings.Contains(errs, "财务室") {
		t.Fatalf("unknown office: %d %q", code, errs)
	}
	code, _, errs = runUserCmd(t, url, "", "user", "add", "--login", "BGS", "--role", "office", "--office", "办公室")
	if code != 1 || !strings.Contains(errs, "登录名已存在") {
		t.Fatalf("duplicate login: %d %q", code, errs)
	}
	code, _, _ = runUserCmd(t, url, "", "user", "add", "--role", "admin")
	if code != 2 {
		t.Fatalf("missing --login: exit %d, want usage (2)", code)
	}
	code, out, errs = runUserCmd(t, url, "", "user", "list")
	if code != 0 || !strings.Contains(out, "bgs") || !strings.Contains(out, "金寨县某局/办公室") || !strings.Contains(out, "(all)") {
		t.Fatalf("list: %d %q %q", code, out, errs)
	}
	u, err := st.UserByLogin(context.Background(), "bgs")
	if err != nil || u.Name != "张三" || len(u.Offices) != 1 {
		t.Fatalf("stored office user %+v %v", u, err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := st.AuditLog(context.Background(), store.AuditFilter{Actor: "cli:" + me.Username})
	if err != nil || len(entries) != 3 {
		t.Fatalf("audit of the CLI: %v %+v", err, entries)
	}
}
