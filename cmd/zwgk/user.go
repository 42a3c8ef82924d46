package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/web"
)

// stringList is a repeatable flag: --office A --office B.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func init() {
	register(&command{
		name:    "user",
		summary: "manage web accounts: the first admin, supervisors and office users",
		usage: `add --login L --role admin|supervisor|office [--name N] [--office NAME…] [--unit NAME…] [--password-stdin]
       | list | link LOGIN
Without --password-stdin a password is generated and printed once. link issues a one-time
password setup link (72 hours, the login's earlier links die), prints it once and queues it for
mail to the linked person's email address, if any. An office is named as in the
directory (科室 name or alias, or 单位/科室 when several units have one of that name).`,
		run: runUser,
	})
}

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, e, args[1:])
	case "list":
		if len(args) != 1 {
			return errUsage
		}
		return userList(ctx, e)
	case "link":
		return userLink(ctx, e, args[1:])
	}
	return errUsage
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user add")
	login := fs.String("login", "", "login name (letters, digits, . _ @ -)")
	name := fs.String("name", "", "display name, e.g. 张三")
	role := fs.String("role", "", "admin, supervisor or office")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	var offices, units stringList
	fs.Var(&offices, "office", "office of an office user (repeatable)")
	fs.Var(&units, "unit", "unit of a supervisor (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *login == "" || *role == "" || fs.NArg() > 0 {
		return errUsage
	}
	var password string
	if *stdin {
		pw, err := readPassword(os.Stdin)
		if err != nil {
			return err
		}
		password = pw
	}
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	officeIDs, err := st.OfficeIDsByName(ctx, offices)
	if err != nil {
		return err
	}
	unitIDs, err := st.UnitIDsByName(ctx, units)
	if err != nil {
		return err
	}
	u, pw, err := web.CreateUser(ctx, st, *login, *name, *role, password, officeIDs, unitIDs,
		cliAudit(e))
	if err != nil {
		return web.UserError(err)
	}
	fmt.Fprintf(e.stdout, "created %s user %s (id %d)\n", u.Role, u.Login, u.ID)
	if password == "" {
		fmt.Fprintf(e.stdout, "password: %s\n", pw)
	}
	return nil
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("read password from stdin: empty")
	}
	return pw, nil
}

func userList(ctx context.Context, e *env) error {
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	users, err := st.Users(ctx)
	if err != nil {
		return err
	}
	offices, err := st.OfficesInScope(ctx, store.Scope{All: true})
	if err != nil {
		return err
	}
	units, err := st.UnitsInScope(ctx, store.Scope{All: true})
	if err != nil {
		return err
	}
	officeName := map[int64]string{}
	for _, o := range offices {
		officeName[o.ID] = o.Unit + "/" + o.Name
	}
	unitName := map[int64]string{}
	for _, u := range units {
		unitName[u.ID] = u.Name
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tROLE\tSCOPE\tSTATUS")
	for _, u := range users {
		var scope []string
		for _, id := range u.Offices {
			scope = append(scope, officeName[id])
		}
		for _, id := range u.Units {
			scope = append(scope, unitName[id])
		}
		if u.Role == store.RoleAdmin {
			scope = []string{"(all)"}
		}
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Login, u.Name, u.Role, strings.Join(scope, ", "), status)
	}
	return tw.Flush()
}
