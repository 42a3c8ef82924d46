package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/zwgk/zwgk/activities"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/preview"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

func init() {
	register(&command{
		name:    "preview",
		summary: "print the reminders, due points and escalations a list will produce",
		usage: `(--list ID | FILE --year YYYY [--unit NAME]) [--from DATE] [--to DATE] [--format jsonl|text]
Runs the real item workflow code in Temporal's time-skipping test environment, with activities
that record instead of writing, from --from (default: today, or January 1 of a past list year)
to --to (default: January 31 after the list year). Recurring cycles that end before --from are
history and produce nothing; a deadline already past is overdue at once and escalates, as it
would if the list went live that day. A FILE is read like ` + "`zwgk import --dry-run`" + `; with
--unit and a reachable database its offices are matched against that unit's directory and
the unit's policy applies. JSON lines carry item, office, cycle, kind (reminder, due,
escalation), level and at (RFC 3339, +08:00).`,
		run: runPreview,
	})
}

func runPreview(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "preview")
	listID := fs.Int64("list", 0, "id of an imported list")
	year := fs.Int("year", 0, "list year (FILE)")
	unit := fs.String("unit", "", "unit whose directory and policy apply (FILE)")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD")
	toS := fs.String("to", "", "day after the last, YYYY-MM-DD")
	format := fs.String("format", "jsonl", "jsonl or text")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if (*listID == 0) == (len(rest) != 1) || (*format != "jsonl" && *format != "text") {
		return errUsage
	}
	var defs []activities.ItemDefinition
	if *listID != 0 {
		defs, *year, err = previewList(ctx, e, *listID)
	} else {
		defs, err = previewFile(ctx, e, rest[0], *year, *unit)
	}
	if err != nil {
		return err
	}
	from, to, err := previewRange(*fromS, *toS, *year)
	if err != nil {
		return err
	}

	all := make([][]preview.Entry, len(defs))
	errs := make([]error, len(defs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, d := range defs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			all[i], errs[i] = preview.Item(d, from, to)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var out []preview.Entry
	for _, es := range all {
		out = append(out, es...)
	}
	slices.SortStableFunc(out, func(a, b preview.Entry) int {
		return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.Item, b.Item))
	})
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	for _, en := range out {
		if *format == "jsonl" {
			if err := enc.Encode(en); err != nil {
				return err
			}
			continue
		}
		at, _ := time.Parse(time.RFC3339, en.At)
		level := ""
		if en.Kind == "escalation" {
			level = " L" + strconv.Itoa(en.Level)
		}
		fmt.Fprintf(e.stdout, "%s %s  %-10s  %-12s  %-8s %s  %s\n", at.Format("2006-01-02 15:04"), weekday(at),
			en.Kind+level, en.Cycle, en.Target, en.Office, en.Title)
	}
	fmt.Fprintf(e.stderr, "%d items, %d entries from %s to %s\n", len(defs), len(out), from.Format(time.DateOnly), to.Format(time.DateOnly))
	return nil
}

func weekday(t time.Time) string {
	return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[t.In(calendar.Shanghai).Weekday()]
}

// previewRange defaults to the rest of the list's year, as if it went live today, and to the
// whole year of a past list.
func previewRange(fromS, toS string, year int) (time.Time, time.Time, error) {
	today := calendar.DateOf(time.Now())
	from := today
	if year != 0 && year < today.Year {
		from = calendar.D(year, 1, 1)
	}
	if year == 0 {
		year = today.Year
	}
	to := calendar.D(year+1, 2, 1)
	var err error
	if fromS != "" {
		if from, err = calendar.ParseDate(fromS); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--from: %w", err)
		}
	}
	if toS != "" {
		if to, err = calendar.ParseDate(toS); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--to: %w", err)
		}
	}
	if !from.Before(to) {
		return time.Time{}, time.Time{}, errors.New("--from must be before --to")
	}
	return from.Start(), to.Start(), nil
}

// previewList reads an imported list's active items as the worker would.
func previewList(ctx context.Context, e *env, id int64) ([]activities.ItemDefinition, int, error) {
	st, done, err := openStore(ctx, e)
	if err != nil {
		return nil, 0, err
	}
	defer done()
	l, err := st.ListByID(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	_, items, err := st.ListItems(ctx, l.UnitID, l.Year)
	if err != nil {
		return nil, 0, err
	}
	acts := &activities.Activities{Store: st}
	var defs []activities.ItemDefinition
	for _, it := range items {
		if it.Status == "cancelled" {
			continue
		}
		d, err := acts.LoadItem(ctx, it.ID)
		if err != nil {
			return nil, 0, err
		}
		d.Prior = activities.ItemProgress{} // a preview starts from scratch at --from
		defs = append(defs, d)
	}
	return defs, l.Year, nil
}

// previewFile reads a list file without committing it. The database is optional: without it
// offices are taken as written and the default policy and official calendar apply.
func previewFile(ctx context.Context, e *env, path string, year int, unit string) ([]activities.ItemDefinition, error) {
	if year == 0 {
		return nil, errors.New("--year is required with a FILE")
	}
	// as import reads it: never more than the importer's cap, so a huge file is refused, not read
	path, data, err := readInput(path)
	if err != nil {
		return nil, err
	}
	var (
		dir    *store.Directory
		admin  []calendar.Year
		policy = schedule.DefaultPolicy()
	)
	if unit != "" {
		st, done, err := openStore(ctx, e)
		if err != nil {
			return nil, err
		}
		defer done()
		if admin, err = st.CalendarYears(ctx); err != nil {
			return nil, err
		}
		u, err := st.UnitByName(ctx, unit)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// As `zwgk import --dry-run` does: a unit not yet in the directory is previewed against
			// an empty directory and the default policy, so an admin can check a list before
			// setting the unit up.
			fmt.Fprintf(e.stderr, "zwgk preview: 单位“%s”尚未建立，按空的通讯录和默认策略预览\n", unit)
			dir = &store.Directory{Unit: store.Unit{Name: unit}}
		case err != nil:
			return nil, err
		default:
			if dir, err = st.LoadDirectory(ctx, u.ID); err != nil {
				return nil, err
			}
			if policy, err = schedule.MergePolicy(u.Policy); err != nil {
				return nil, fmt.Errorf("unit %s policy: %w", unit, err)
			}
		}
	}
	res := importer.Load(path, data, dir, importer.Options{Build: importer.BuildOptions{Year: year, CreateOffices: true}})
	// A preview is for checking the clocks: problems that would block the import (a group with
	// no offices yet) are reported but do not hide the timeline of the items that have them.
	for _, is := range res.Errors {
		fmt.Fprintln(e.stderr, "warning:", is.Error())
	}
	if len(res.Items) == 0 {
		return nil, fmt.Errorf("preview %s: no items", path)
	}
	cal := activities.CalendarFor(year, admin)
	var defs []activities.ItemDefinition
	for _, it := range res.Items {
		d := activities.ItemDefinition{
			ItemID: int64(it.Seq), Unit: res.Unit, Year: year, Title: it.Title, Status: "active",
			Rule: it.Rule, Policy: policy, Calendar: cal,
		}
		for _, o := range it.Offices {
			d.Offices = append(d.Offices, store.ItemOffice{ID: o.ID, Name: o.Name, Role: o.Role})
		}
		for _, g := range it.Groups {
			if len(d.Offices) == 0 {
				d.Offices = append(d.Offices, store.ItemOffice{Name: g.Name, Role: g.Role})
			}
		}
		defs = append(defs, d)
	}
	return defs, nil
}
