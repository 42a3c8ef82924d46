package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zwgk/zwgk/notify/roster"
	"github.com/zwgk/zwgk/store"
)

func init() {
	register(&command{
		name:    "people",
		summary: "manage who receives reminders: people, their offices and units, office group robots",
		usage: `add --name NAME [--email E] [--mobile M] [--channels email,sms] [--alerts] [--unit U --office O --role contact|head]
       | list [--unit U] [--office O] [--q TEXT]
       | import FILE.xlsx [--unit U] [--dry-run]
       | attach --person ID|EMAIL|MOBILE --unit U [--office O] --role contact|head|leader|gkb|director [--level N] [--detach]
       | remove --person ID|EMAIL|MOBILE
       | robot add --unit U --office O --kind dingtalk|wecom --webhook URL [--secret SEC…] [--name N]
       | robot list | robot remove ID
Roles: contact (科室联系人, gets reminders), head (科室负责人, first escalation), leader (分管领导),
gkb (政务公开办, also gets delivery-failure alerts) and director (办公室主任) supervise a unit at
--level (escalation level, default 1). Channels are tried in order; the next one is used when one
fails for good or its daily quota is used up. The import reads the columns 姓名 邮箱 手机 接收方式
单位 科室 角色 级别 接收告警 备注; it commits all rows or none and names each bad cell.`,
		run: runPeople,
	})
}

func runPeople(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	sub := args[0]
	if sub == "robot" {
		return runRobot(ctx, e, args[1:])
	}
	fs := newFlags(e, "people "+sub)
	var (
		name     = fs.String("name", "", "the person's name")
		emailA   = fs.String("email", "", "email address")
		mobile   = fs.String("mobile", "", "mobile number")
		chans    = fs.String("channels", "", "channels in order of preference: email, sms (default: those with an address)")
		alerts   = fs.Bool("alerts", false, "receives alerts about failed deliveries")
		note     = fs.String("note", "", "a note")
		unitName = fs.String("unit", "", "unit (单位)")
		office   = fs.String("office", "", "office (科室), by name or alias")
		role     = fs.String("role", "", "contact, head, leader, gkb or director")
		level    = fs.Int("level", 1, "escalation level of a supervisor")
		person   = fs.String("person", "", "the person: id, email or mobile")
		query    = fs.String("q", "", "filter by name, email or mobile")
		dryRun   = fs.Bool("dry-run", false, "check the file and show what would change; write nothing")
		detach   = fs.Bool("detach", false, "remove the attachment instead")
	)
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	return runSubcommand(ctx, e, sub, pos, map[string]subcommand{
		"add": {ready: func() bool { return *name != "" }, run: func(st *store.Store) error {
			p := store.Person{Name: *name, Email: *emailA, Mobile: *mobile, Alerts: *alerts, Note: *note}
			if *chans != "" {
				p.Channels = strings.Split(*chans, ",")
			}
			return addPerson(ctx, e, st, p, *unitName, *office, *role, *level)
		}},
		"list": {run: func(st *store.Store) error { return listPeople(ctx, e, st, *query, *unitName, *office) }},
		"attach": {run: func(st *store.Store) error {
			p, err := findPerson(ctx, st, *person)
			if err != nil {
				return err
			}
			return attach(ctx, e, st, p, *unitName, *office, *role, *level, *detach)
		}},
		"remove": {run: func(st *store.Store) error {
			p, err := findPerson(ctx, st, *person)
			if err != nil {
				return err
			}
			if err := st.DeletePersonAudited(ctx, p.ID, cliAudit(e)); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed %s (person %d)\n", p.Name, p.ID)
			return nil
		}},
		"import": {args: 1, run: func(st *store.Store) error { return importRoster(ctx, e, st, pos[0], *unitName, *dryRun) }},
	})
}

// addPerson creates a person and, with --role or --office, their first role. The role is
// resolved before the person is created, so that a misspelt office leaves no person behind,
// and both are one change in the audit log.
func addPerson(ctx context.Context, e *env, st *store.Store, p store.Person, unitName, office, role string, level int) error {
	var (
		at    *store.Attachment
		where string
	)
	if role != "" || office != "" {
		r, d, err := resolveRole(ctx, st, 0, unitName, office, role, level)
		if err != nil {
			return err
		}
		at, where = &r, roleWhere(r, d)
	}
	id, err := st.CreatePerson(ctx, p, at, cliAudit(e))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %s as person %d\n", p.Name, id)
	if at != nil {
		fmt.Fprintf(e.stdout, "person %d is %s\n", id, where)
	}
	return nil
}

func listPeople(ctx context.Context, e *env, st *store.Store, query, unitName, office string) error {
	f := store.PeopleFilter{Query: query}
	if unitName != "" {
		u, o, err := findUnitOffice(ctx, st, unitName, office)
		if err != nil {
			return err
		}
		f.UnitID, f.OfficeID = u.ID, o.ID
	}
	ps, err := st.People(ctx, f)
	if err != nil {
		return err
	}
	printPeople(e, ps)
	return nil
}

// findUnitOffice looks a unit up by name and, unless office is empty, one of its offices by
// name or alias (the zero office otherwise).
func findUnitOffice(ctx context.Context, st *store.Store, unitName, office string) (store.Unit, store.Office, error) {
	u, err := st.UnitByName(ctx, unitName)
	if err != nil || office == "" {
		return u, store.Office{}, err
	}
	o, err := st.FindOffice(ctx, u.ID, office)
	return u, o, err
}

func findPerson(ctx context.Context, st *store.Store, ref string) (store.Person, error) {
	if ref == "" {
		return store.Person{}, errUsage
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && len(ref) < 11 {
		return st.Person(ctx, id)
	}
	return st.PersonByAddress(ctx, ref)
}

// resolveRole turns the names of a role into an attachment, with the office and unit names
// for the audit entry.
func resolveRole(ctx context.Context, st *store.Store, personID int64, unitName, office, role string, level int) (store.Attachment, map[string]any, error) {
	if unitName == "" || role == "" {
		return store.Attachment{}, nil, errUsage
	}
	u, err := st.UnitByName(ctx, unitName)
	if err != nil {
		return store.Attachment{}, nil, err
	}
	at := store.Attachment{PersonID: personID, Role: role}
	detail := map[string]any{"role": role, "office_id": int64(0), "office": "", "unit_id": u.ID, "unit": u.Name, "level": 0}
	switch role {
	case store.RoleContact, store.RoleHead:
		if office == "" {
			return store.Attachment{}, nil, fmt.Errorf("role %s needs --office", role)
		}
		o, err := st.FindOffice(ctx, u.ID, office)
		if err != nil {
			return store.Attachment{}, nil, err
		}
		at.OfficeID = o.ID
		detail["office_id"], detail["office"], detail["unit_id"] = o.ID, o.Name, int64(0)
	case store.RoleLeader, store.RoleGKB, store.RoleDirector:
		at.UnitID, at.Level = u.ID, level
		detail["level"] = level
	default:
		return store.Attachment{}, nil, fmt.Errorf("role %q: want contact, head, leader, gkb or director", role)
	}
	return at, detail, nil
}

func roleWhere(at store.Attachment, detail map[string]any) string {
	if at.OfficeID != 0 {
		return fmt.Sprintf("%s of %s %s", at.Role, detail["unit"], detail["office"])
	}
	return fmt.Sprintf("%s of %s at level %d", at.Role, detail["unit"], at.Level)
}

func attach(ctx context.Context, e *env, st *store.Store, p store.Person, unitName, office, role string, level int, detach bool) error {
	at, detail, err := resolveRole(ctx, st, p.ID, unitName, office, role, level)
	if err != nil {
		return err
	}
	a := cliAudit(e)
	detail["name"] = p.Name
	a.Detail = detail
	if detach {
		err = st.DetachRole(ctx, at, a)
	} else {
		_, err = st.AttachRole(ctx, at, a)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "person %d %s %s\n", p.ID, verb(detach), roleWhere(at, detail))
	return nil
}

func verb(detach bool) string {
	if detach {
		return "is no longer"
	}
	return "is"
}

var roleNames = map[string]string{store.RoleContact: "联系人", store.RoleHead: "负责人", store.RoleLeader: "分管领导",
	store.RoleGKB: "政务公开办", store.RoleDirector: "办公室主任"}

func printPeople(e *env, ps []store.Person) {
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t姓名\t邮箱\t手机\t接收方式\t职责")
	for _, p := range ps {
		var roles []string
		for _, o := range p.Offices {
			roles = append(roles, o.Unit+"/"+o.Office+roleNames[o.Role])
		}
		for _, u := range p.Units {
			roles = append(roles, fmt.Sprintf("%s%s(%d级)", u.Unit, roleNames[u.Role], u.Level))
		}
		if p.Alerts {
			roles = append(roles, "接收告警")
		}
		if !p.Active {
			roles = append(roles, "已停用")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, dash(p.Email), dash(p.Mobile),
			strings.Join(p.Channels, ","), strings.Join(roles, "；"))
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func importRoster(ctx context.Context, e *env, st *store.Store, path, unit string, dryRun bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	defer f.Close()
	rows, err := roster.ReadXLSX(f, path)
	if err == nil {
		var entries []store.RosterEntry
		if entries, err = roster.Resolve(ctx, st, path, rows, unit); err == nil {
			if dryRun {
				fmt.Fprintf(e.stdout, "%s: %d rows are valid; nothing written (--dry-run)\n", path, len(entries))
				return nil
			}
			a := cliAudit(e)
			a.ObjectID, a.Detail = filepath.Base(path), map[string]any{"file": filepath.Base(path), "unit": unit}
			res, err := st.ImportRoster(ctx, entries, a)
			if err != nil {
				return fmt.Errorf("import %s: %w", path, err)
			}
			fmt.Fprintf(e.stdout, "%s: %d people added, %d updated, %d roles attached\n", path, res.Created, res.Updated, res.Attached)
			return nil
		}
	}
	// every bad cell, one per line, then a summary that is the command's error
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, one := range joined.Unwrap() {
			fmt.Fprintln(e.stderr, one)
		}
		return fmt.Errorf("import %s: %d problems; nothing was imported", path, len(joined.Unwrap()))
	}
	return err
}

func runRobot(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	sub := args[0]
	fs := newFlags(e, "people robot "+sub)
	unitName := fs.String("unit", "", "unit (单位)")
	office := fs.String("office", "", "office (科室) whose group chat the robot posts to")
	kind := fs.String("kind", "", "dingtalk or wecom")
	webhook := fs.String("webhook", "", "the robot's webhook URL")
	secret := fs.String("secret", "", "DingTalk signing secret (SEC…), if the robot uses 加签")
	name := fs.String("name", "", "a name, e.g. 办公室工作群")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return runSubcommand(ctx, e, sub, pos, map[string]subcommand{
		"add": {ready: func() bool { return *unitName != "" && *office != "" && *kind != "" && *webhook != "" }, run: func(st *store.Store) error {
			u, o, err := findUnitOffice(ctx, st, *unitName, *office)
			if err != nil {
				return err
			}
			id, err := st.AddRobotAudited(ctx, store.Robot{OfficeID: o.ID, Kind: *kind, Name: *name, Webhook: *webhook, Secret: *secret}, cliAudit(e))
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "robot %d posts to the group of %s %s; try it: zwgk notify test --channel %s --to WEBHOOK\n", id, u.Name, o.Name, *kind)
			return nil
		}},
		"list": {run: func(st *store.Store) error { return listRobots(ctx, e, st) }},
		"remove": {args: 1, run: func(st *store.Store) error {
			id, err := strconv.ParseInt(pos[0], 10, 64)
			if err != nil {
				return errUsage
			}
			if _, err := st.DeleteRobotAudited(ctx, 0, id, cliAudit(e)); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed robot %d\n", id)
			return nil
		}},
	})
}

func listRobots(ctx context.Context, e *env, st *store.Store) error {
	rs, err := st.Robots(ctx, 0)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t单位\t科室\t类型\t名称\t加签")
	for _, r := range rs {
		signed := "否"
		if r.Secret != "" {
			signed = "是"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Unit, r.Office, r.Kind, dash(r.Name), signed)
	}
	return tw.Flush()
}
