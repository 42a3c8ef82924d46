package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

func init() {
	register(&command{
		name:    "policy",
		summary: "show or set the reminder and escalation policy of a unit or of one item",
		usage: `show --unit NAME [--item ID] | set --unit NAME [--item ID] (FILE | - | --reset)
A policy is JSON overriding fields of the default (zwgk policy show prints the effective one):
  {"reminders":[10,5,2,0], "send_window":"0 9 * * *",
   "escalation":[{"level":1,"after":1,"target":"contact"}, …], "repeat":5}
An item's policy overrides its unit's. After set, the affected item workflows reload it.`,
		run: runPolicy,
	})
}

func runPolicy(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "set") {
		return errUsage
	}
	verb := args[0]
	fs := newFlags(e, "policy "+verb)
	unit := fs.String("unit", "", "unit name")
	itemID := fs.Int64("item", 0, "item id (default: the unit's policy)")
	reset := fs.Bool("reset", false, "remove the override (set)")
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if *unit == "" || (verb == "show" && len(rest) != 0) || (verb == "set" && (len(rest) == 1) == *reset) {
		return errUsage
	}
	st, done, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	u, err := st.UnitByName(ctx, *unit)
	if err != nil {
		return err
	}
	var item store.ItemDef
	if *itemID != 0 {
		if item, err = st.ItemForWorkflow(ctx, *itemID); err != nil {
			return err
		}
		if item.UnitID != u.ID {
			return fmt.Errorf("item %d belongs to unit %s, not %s", *itemID, item.Unit, u.Name)
		}
	}

	if verb == "show" {
		p, err := schedule.MergePolicy(u.Policy, item.ItemPolicy)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}

	var raw json.RawMessage
	if !*reset {
		var b []byte
		if rest[0] == "-" {
			b, err = io.ReadAll(os.Stdin)
		} else {
			b, err = os.ReadFile(rest[0])
		}
		if err != nil {
			return err
		}
		raw = json.RawMessage(strings.TrimSpace(string(b)))
		// The override must be valid on its own layer and merged with what it sits on.
		if _, err := schedule.MergePolicy(raw); err != nil {
			return fmt.Errorf("policy %s: %w", rest[0], err)
		}
		if *itemID != 0 {
			if _, err := schedule.MergePolicy(u.Policy, raw); err != nil {
				return fmt.Errorf("policy %s over unit %s: %w", rest[0], u.Name, err)
			}
		}
	}
	var refs []store.ItemRef
	if *itemID != 0 {
		ref, err := st.SetItemPolicyAudited(ctx, *itemID, raw, cliAudit(e))
		if err != nil {
			return err
		}
		refs = []store.ItemRef{ref}
	} else {
		if err := st.SetUnitPolicy(ctx, u.ID, raw, cliAudit(e)); err != nil {
			return err
		}
		if refs, err = st.ActiveItemsOfUnit(ctx, u.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "policy saved; %d item workflows to reload\n", len(refs))
	c, err := dialTemporal(ctx, e)
	if err != nil {
		return fmt.Errorf("saved, but the workflows were not told (they reload at their next revision): %w", err)
	}
	defer c.Close()
	cfg, _ := e.config()
	wc := &workflows.Client{Temporal: c, TaskQueue: cfg.Temporal.TaskQueue}
	return wc.Sync(ctx, store.ListChanges{UnitID: u.ID, Changed: refs})
}
