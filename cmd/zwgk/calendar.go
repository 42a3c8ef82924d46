package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

func init() {
	register(&command{
		name:    "calendar",
		summary: "working days (工作日): count them, show a year's holidays, load an admin year",
		usage: `add [--official] DATE N | show [--official] [--file] YEAR | load [--source TEXT] FILE | remove YEAR
add      prints the date N working days after DATE (the day of DATE not counted; N < 0 counts back),
         and says "provisional" when the count reached a year with no holiday schedule.
show     lists a year's days off (休) and make-up working days (班) and where they came from;
         --file prints them in the format of load, to start a correction from.
load     stores a year from a CSV file (DATE,休|班[,NAME] per line, one year per file) in
         PostgreSQL; it replaces the official data of that year.
remove   deletes an admin year, so that the official data applies again.
add and show read the admin years from the database when one is reachable and otherwise say so
and use the official data alone (github.com/6tail/lunar-go); --official skips the database.`,
		run: runCalendar,
	})
}

func runCalendar(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "add":
		return calendarAdd(ctx, e, args[1:])
	case "show":
		return calendarShow(ctx, e, args[1:])
	case "load":
		return calendarLoad(ctx, e, args[1:])
	case "remove":
		return calendarRemove(ctx, e, args[1:])
	}
	return errUsage
}

// parseInterleaved parses flags wherever they appear among the arguments (zwgk calendar add
// 2024-09-10 20 --official) and keeps negative numbers as arguments (-3 working days).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
		for len(args) > 0 {
			if _, err := strconv.Atoi(args[0]); err == nil || !strings.HasPrefix(args[0], "-") {
				pos = append(pos, args[0])
				args = args[1:]
				continue
			}
			break
		}
	}
}

// workCalendar is the official data plus the admin years of the database, or the official data
// alone (saying so on stderr) when no database is reachable or --official is given.
func workCalendar(ctx context.Context, e *env, official bool) (*calendar.Calendar, map[int]store.CalendarYearInfo) {
	if official {
		return calendar.OfficialCalendar(), nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		fmt.Fprintf(e.stderr, "zwgk calendar: 未连接数据库，仅使用官方数据（%d 年及以前）: no database (%v); using the official data alone, without admin years\n",
			calendar.LastOfficialYear(), err)
		return calendar.OfficialCalendar(), nil
	}
	defer closeStore()
	years, err := st.CalendarYears(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "zwgk calendar: reading admin years failed (%v); using the official data alone\n", err)
		return calendar.OfficialCalendar(), nil
	}
	infos := map[int]store.CalendarYearInfo{}
	for _, y := range years {
		if info, err := st.CalendarYear(ctx, y.Year); err == nil {
			infos[y.Year] = info
		}
	}
	return calendar.New(append(calendar.Official(), years...)...), infos
}

func calendarAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "calendar add")
	official := fs.Bool("official", false, "use the official data only, not the database's admin years")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return errUsage
	}
	from, err := calendar.ParseDate(pos[0])
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(pos[1])
	if err != nil || n < -100000 || n > 100000 {
		return fmt.Errorf("working-day count %q: want a whole number between -100000 and 100000", pos[1])
	}
	cal, _ := workCalendar(ctx, e, *official)
	got, provisional := cal.AddWorkingDays(from, n)
	if !provisional {
		fmt.Fprintf(e.stdout, "%s %s\n", got, got.WeekdayName())
		return nil
	}
	lo, hi := from, got
	if hi.Before(lo) {
		lo, hi = hi, lo
	}
	var unknown []string
	for y := lo.Year; y <= hi.Year; y++ {
		if !cal.Known(y) {
			unknown = append(unknown, strconv.Itoa(y))
		}
	}
	fmt.Fprintf(e.stdout, "%s %s provisional: no holiday schedule for %s, Monday–Friday assumed (暂定：%s 年节假日安排未加载，按周一至周五计算)\n",
		got, got.WeekdayName(), strings.Join(unknown, ", "), strings.Join(unknown, "、"))
	return nil
}

func calendarShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "calendar show")
	official := fs.Bool("official", false, "use the official data only, not the database's admin years")
	asFile := fs.Bool("file", false, "print the year in the format of `calendar load`")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage
	}
	year, err := strconv.Atoi(pos[0])
	if err != nil || year < 1900 || year > 2200 {
		return fmt.Errorf("year %q: want 1900–2200", pos[0])
	}
	cal, infos := workCalendar(ctx, e, *official)
	y, ok := cal.Year(year)
	if !ok {
		fmt.Fprintf(e.stdout, "%d: no holiday schedule (official data ends in %d, no admin year loaded).\n"+
			"Working days are taken as Monday–Friday and every result is provisional (暂定).\n"+
			"Load the State Council's schedule with `zwgk calendar load FILE` once it is published.\n",
			year, calendar.LastOfficialYear())
		return nil
	}
	if *asFile {
		_, err := e.stdout.Write(calendar.FormatYearFile(y))
		return err
	}
	fmt.Fprintf(e.stdout, "%d 年节假日安排\nsource: %s\n", year, y.Source)
	if info, ok := infos[year]; ok {
		fmt.Fprintf(e.stdout, "loaded by %s at %s", info.LoadedBy, info.LoadedAt.In(calendar.Shanghai).Format("2006-01-02 15:04"))
		if year <= calendar.LastOfficialYear() {
			fmt.Fprint(e.stdout, "; replaces the official data of this year")
		}
		fmt.Fprintln(e.stdout)
	}
	type row struct {
		d    calendar.Date
		kind string
	}
	var rows []row
	for _, d := range y.Holidays {
		rows = append(rows, row{d, "休"})
	}
	for _, d := range y.Workdays {
		rows = append(rows, row{d, "班"})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].d.Before(rows[j].d) })
	offWeekdays := 0
	for _, r := range rows {
		note := ""
		if r.kind == "班" {
			note = "（调休上班）"
		} else if wd := r.d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			offWeekdays++
		}
		fmt.Fprintf(e.stdout, "%s %s %s %s%s\n", r.kind, r.d, r.d.WeekdayName(), y.Names[r.d], note)
	}
	total, _ := cal.WorkingDaysBetween(calendar.D(year-1, 12, 31), calendar.D(year, 12, 31))
	fmt.Fprintf(e.stdout, "%d days off (%d of them Monday–Friday), %d make-up working days; %d working days in %d\n",
		len(y.Holidays), offWeekdays, len(y.Workdays), total, year)
	return nil
}

func calendarLoad(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "calendar load")
	source := fs.String("source", "", `where the schedule comes from, e.g. "国办发明电〔2026〕7号" (default: the file name)`)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errUsage
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	y, err := calendar.ParseYearFile(pos[0], data)
	if err != nil {
		return err
	}
	y.Source = "admin: " + filepath.Base(pos[0])
	if *source != "" {
		y.Source = "admin: " + *source + " (" + filepath.Base(pos[0]) + ")"
	}
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return fmt.Errorf("load needs the database: %w", err)
	}
	defer closeStore()
	if err := st.SaveCalendarYear(ctx, y, cliAudit(e)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "loaded %d: %d days off, %d make-up working days (source: %s)\n", y.Year, len(y.Holidays), len(y.Workdays), y.Source)
	if off, ok := calendar.OfficialCalendar().Year(y.Year); ok {
		diff := 0
		admin, was := calendar.New(y), calendar.New(off)
		for d := calendar.D(y.Year, 1, 1); d.Year == y.Year; d = d.AddDays(1) {
			if admin.IsWorkingDay(d) != was.IsWorkingDay(d) {
				diff++
			}
		}
		fmt.Fprintf(e.stdout, "it replaces the official data of %d (%d days differ). Running workflows pick it up when they next load their item.\n", y.Year, diff)
	}
	return nil
}

func calendarRemove(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return errUsage
	}
	year, err := strconv.Atoi(args[0])
	if err != nil {
		return errUsage
	}
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := st.DeleteCalendarYear(ctx, year, cliAudit(e)); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no admin year %d", year)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "removed the admin year %d\n", year)
	return nil
}
