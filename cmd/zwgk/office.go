package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/zwgk/zwgk/store"
)

func init() {
	register(&command{
		name:    "office",
		summary: "build a unit's office directory: offices, their aliases, and groups such as 各相关科室",
		usage: `add --unit NAME OFFICE… [--alias A…]   (creates the unit when it does not exist)
       | list --unit NAME
       | alias --unit NAME OFFICE ALIAS…
       | group --unit NAME GROUP OFFICE… [--remove]
       | units
Offices are named by name or alias. An alias is another spelling met in lists (司法局 for
区司法局, Traditional 辦公室). A group (各相关科室, 文件起草发布相关业务股室) resolves to the offices
assigned to it; 各科室, 各股室 and 各成员单位 mean every office until assigned.`,
		run: runOffice,
	})
}

// repeated is a repeatable string flag.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func runOffice(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	sub := args[0]
	fs := newFlags(e, "office "+sub)
	unitName := fs.String("unit", "", "the unit (单位)")
	var aliases repeated
	remove := false
	switch sub {
	case "add":
		fs.Var(&aliases, "alias", "an alias of the office (repeatable; only with one OFFICE)")
	case "group":
		fs.BoolVar(&remove, "remove", false, "take the offices out of the group")
	case "list", "alias", "units":
	default:
		return errUsage
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if sub != "units" && *unitName == "" {
		return errUsage
	}
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	if sub == "units" {
		us, err := st.ListUnits(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			fmt.Fprintln(e.stdout, u.Name)
		}
		return nil
	}
	var unit store.Unit
	if sub == "add" {
		var created bool
		if unit, created, err = st.EnsureUnitAudited(ctx, *unitName, cliAudit(e)); err != nil {
			return err
		}
		if created {
			fmt.Fprintf(e.stdout, "新建单位“%s”\n", unit.Name)
		}
	} else if unit, err = st.UnitByName(ctx, *unitName); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("单位“%s”不存在（zwgk office add --unit “%s” 科室… 新建）", *unitName, *unitName)
		}
		return err
	}
	find := func(name string) (store.Office, error) {
		o, err := st.FindOffice(ctx, unit.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			return o, fmt.Errorf("单位“%s”没有科室“%s”（zwgk office list --unit “%s” 查看）", unit.Name, name, unit.Name)
		}
		return o, err
	}
	switch sub {
	case "add":
		if len(pos) == 0 || len(aliases) > 0 && len(pos) != 1 {
			return errUsage
		}
		for _, name := range pos {
			o, err := st.CreateOfficeAudited(ctx, unit.ID, name, aliases, cliAudit(e))
			if errors.Is(err, store.ErrExists) {
				fmt.Fprintf(e.stdout, "已有：%s\n", name)
				continue
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "已添加：%s%s\n", o.Name, aliasNote(o.Aliases))
		}
	case "list":
		if len(pos) != 0 {
			return errUsage
		}
		d, err := st.LoadDirectory(ctx, unit.ID)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "科室\t别名")
		for _, o := range d.Offices {
			names[o.ID] = o.Name
			fmt.Fprintf(tw, "%s\t%s\n", o.Name, strings.Join(o.Aliases, "、"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(d.Groups) > 0 {
			fmt.Fprintln(e.stdout, "\n组：")
			for _, g := range d.Groups {
				var ms []string
				for _, id := range g.OfficeIDs {
					ms = append(ms, names[id])
				}
				fmt.Fprintf(e.stdout, "  %s：%s\n", g.Name, strings.Join(ms, "、"))
			}
		}
	case "alias":
		if len(pos) < 2 {
			return errUsage
		}
		o, err := find(pos[0])
		if err != nil {
			return err
		}
		o, err = st.AddOfficeAliasesAudited(ctx, o.ID, pos[1:], cliAudit(e))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s%s\n", o.Name, aliasNote(o.Aliases))
	case "group":
		if len(pos) < 2 {
			return errUsage
		}
		var ids []int64
		for _, name := range pos[1:] {
			o, err := find(name)
			if err != nil {
				return err
			}
			ids = append(ids, o.ID)
		}
		after, err := st.ChangeGroupMembers(ctx, unit.ID, pos[0], ids, remove, cliAudit(e))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "组“%s”现有 %d 个科室\n", pos[0], len(after))
	}
	return nil
}

func aliasNote(as []string) string {
	if len(as) == 0 {
		return ""
	}
	return "（别名：" + strings.Join(as, "、") + "）"
}
