package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
)

func init() {
	register(&command{
		name:    "rule",
		summary: "read a deadline or frequency wording (4月底, 每月更新, 及时更新…) as a rule",
		usage: `parse [--year YYYY] [--cycles] [--find] TEXT
Prints the rule as JSON; exits 1 when the wording is not understood (the JSON says why).
--year    the list's year, for dates such as 4月底 (default: this year)
--cycles  also print the year's cycles and the default reminder plan of each
--find    search a long requirement text for every rule wording instead of reading a cell`,
		run: runRule,
	})
}

func runRule(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "parse" {
		return errUsage
	}
	fs := newFlags(e, "rule parse")
	year := fs.Int("year", time.Now().In(calendar.Shanghai).Year(), "the list's year")
	withCycles := fs.Bool("cycles", false, "print the cycles of the year and their reminder plan")
	find := fs.Bool("find", false, "find rule wordings in a long text")
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return errUsage
	}
	text := strings.Join(pos, " ")
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if *find {
		ms := schedule.FindAll(text, *year)
		if ms == nil {
			ms = []schedule.Match{}
		}
		return enc.Encode(ms)
	}
	r := schedule.Parse(text, *year)
	if !*withCycles {
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		type planned struct {
			schedule.Cycle
			Plan []schedule.Point `json:"plan"`
		}
		out := struct {
			Rule        schedule.Rule `json:"rule"`
			Description string        `json:"description"`
			Cycles      []planned     `json:"cycles"`
		}{Rule: r, Description: r.String(), Cycles: []planned{}}
		if r.Kind != schedule.KindUnparsed {
			cal := calendar.OfficialCalendar()
			cs, err := schedule.Cycles(r, *year, cal)
			if err != nil {
				return err
			}
			for _, c := range cs {
				pts, err := schedule.Plan(schedule.DefaultPolicy(), c, cal)
				if err != nil {
					return err
				}
				out.Cycles = append(out.Cycles, planned{c, pts})
			}
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if r.Kind == schedule.KindUnparsed {
		return fmt.Errorf("未能识别 %s: %s", strconv.Quote(r.Text), r.Reason)
	}
	return nil
}
