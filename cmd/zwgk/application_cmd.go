package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zwgk/zwgk/annualreport"
	"github.com/zwgk/zwgk/application"
	"github.com/zwgk/zwgk/application/ledger"
	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/internal/yearreport"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

func init() {
	register(&command{
		name:    "application",
		summary: "the 依申请公开 register and the annual report's part 3 (收到和处理政府信息公开申请情况)",
		usage: `list --unit NAME [--year YYYY] [--state STATE] [--overdue] [--format text|json]
       | report --unit NAME [--year YYYY] [--out FILE.xlsx] [--format text|json]
       | import FILE.xlsx --unit NAME [--dry-run]
list prints the unit's applications, overdue first, with their due day and working days left
(the applicant is not printed). report prints part 3 of the year's 政府信息公开工作年度报告 and,
with --out, writes it and part 2 (主动公开) as xlsx; it exits 1 when the numbers do not reconcile as the form requires.
import loads an existing 登记台账 (columns found by their headers: 申请人, 申请人类型, 申请方式,
收到日期, 申请内容, 经办科室, and optionally 编号, 联系方式, 答复日期, 答复结果): all rows or, when a
cell cannot be read, none. Answered rows are recorded as closed; the others get their workflow.
Applications are registered on the web (依申请公开) or through POST /api/applications.`,
		run: runApplication,
	})
}

func runApplication(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	sub := args[0]
	fs := newFlags(e, "application "+sub)
	unitName := fs.String("unit", "", "the unit (单位)")
	year := fs.Int("year", 0, "the year (list: received in it; report: default this year)")
	format := fs.String("format", "text", "text or json")
	var state, out *string
	var overdue, dryRun *bool
	switch sub {
	case "import":
		dryRun = fs.Bool("dry-run", false, "read and check the file, import nothing")
	case "list":
		state = fs.String("state", "", "open, correction, consulting, replied, closed, withdrawn or active")
		overdue = fs.Bool("overdue", false, "only unanswered applications past their due day")
	case "report":
		out = fs.String("out", "", "write the table as xlsx to this file")
	default:
		return errUsage
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if sub == "import" && len(pos) != 1 {
		return errUsage
	}
	if *unitName == "" {
		return errors.New("--unit is required")
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: want text or json", *format)
	}
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	unit, err := st.UnitByName(ctx, *unitName)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("--unit %q: no such unit", *unitName)
	}
	if err != nil {
		return err
	}
	years, err := st.CalendarYears(ctx)
	if err != nil {
		return err
	}
	cal := calendar.New(append(calendar.Official(), years...)...)
	today := calendar.DateOf(time.Now())
	if sub == "import" {
		return importLedger(ctx, e, st, cal, unit, pos[0], *dryRun)
	}
	if sub == "list" {
		return listApplications(ctx, e, st, cal, store.ApplicationFilter{UnitID: unit.ID, Year: *year, State: *state, Overdue: *overdue, Today: today}, *format)
	}
	if *year == 0 {
		*year = today.Year
	}
	p2, t, err := yearreport.Compute(ctx, st, unit.ID, unit.Name, *year)
	if err != nil {
		return err
	}
	if err := printReport(e, t, *format); err != nil {
		return err
	}
	if err := t.Check(); err != nil {
		return fmt.Errorf("the report does not reconcile: %w", err)
	}
	if *out != "" {
		// the file carries both parts of the report, as the web page's download does
		if err := p2.Check(); err != nil {
			return fmt.Errorf("part 2 of the report does not reconcile: %w", err)
		}
		b, err := annualreport.Workbook(p2, t)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		fmt.Fprintf(e.stderr, "wrote %s\n", *out)
	}
	return nil
}

func listApplications(ctx context.Context, e *env, st *store.Store, cal *calendar.Calendar, f store.ApplicationFilter, format string) error {
	if f.State != "" && f.State != "active" {
		known := false
		for _, s := range []string{application.StateOpen, application.StateCorrection, application.StateConsulting,
			application.StateReplied, application.StateClosed, application.StateWithdrawn} {
			known = known || s == f.State
		}
		if !known {
			return fmt.Errorf("--state %q: want open, correction, consulting, replied, closed, withdrawn or active", f.State)
		}
	}
	rows, err := st.Applications(ctx, f)
	if err != nil {
		return err
	}
	type line struct {
		ID       int64         `json:"id"`
		Ref      string        `json:"ref,omitempty"`
		Office   string        `json:"office"`
		Received calendar.Date `json:"received"`
		State    string        `json:"state"`
		Due      calendar.Date `json:"due,omitzero"`
		DaysLeft *int          `json:"days_left,omitempty"`
		Reply    string        `json:"reply,omitempty"`
	}
	var out []line
	for _, a := range rows {
		l := line{ID: a.ID, Ref: a.Ref, Office: a.Office, Received: a.Received, State: a.State, Due: a.Due, Reply: a.ReplyType}
		if a.ReplyReason != "" {
			l.Reply += "/" + a.ReplyReason
		}
		if a.FinishedOn.IsZero() && !a.Due.IsZero() && a.State != application.StateConsulting {
			n := application.DaysLeft(cal, f.Today, a.Due)
			l.DaysLeft = &n
		}
		out = append(out, l)
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		if out == nil {
			out = []line{}
		}
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREF\tOFFICE\tRECEIVED\tSTATE\tDUE\tLEFT\tREPLY")
	for _, l := range out {
		due, left := "-", "-"
		if !l.Due.IsZero() {
			due = l.Due.String()
		}
		if l.DaysLeft != nil {
			left = fmt.Sprint(*l.DaysLeft)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.Ref, l.Office, l.Received, l.State, due, left, l.Reply)
	}
	return tw.Flush()
}

func printReport(e *env, t annualreport.Part3, format string) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(t)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(e.stdout, "%s %d年 三、收到和处理政府信息公开申请情况\n", t.Unit, t.Year)
	fmt.Fprintln(tw, "\t"+strings.Join(annualreport.Columns, "\t")+"\t")
	for _, r := range t.Rows {
		cells := make([]string, len(r.Counts))
		for i, n := range r.Counts {
			cells[i] = fmt.Sprint(n)
		}
		if r.Code == annualreport.CodeResults {
			cells = make([]string, len(r.Counts))
		}
		fmt.Fprintln(tw, r.Label+"\t"+strings.Join(cells, "\t")+"\t")
	}
	return tw.Flush()
}

// importLedger loads an existing register into the unit, all rows or none.
func importLedger(ctx context.Context, e *env, st *store.Store, cal *calendar.Calendar, unit store.Unit, file string, dryRun bool) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	rows, issues, err := ledger.Read(file, data)
	if err != nil {
		return err
	}
	offices, err := st.Offices(ctx, unit.ID)
	if err != nil {
		return err
	}
	in, more := ledger.Build(unit.ID, rows, offices, cal, "cli")
	issues = append(issues, more...)
	for _, is := range issues {
		fmt.Fprintf(e.stderr, "%s: %s\n", file, is)
	}
	if len(issues) > 0 {
		return fmt.Errorf("%d rows cannot be read; nothing was imported", len(issues))
	}
	if dryRun {
		fmt.Fprintf(e.stdout, "%d applications would be imported (dry run)\n", len(in))
		return nil
	}
	open, err := st.ImportApplications(ctx, in, filepath.Base(file), cliAudit(e))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d applications, %d still open\n", len(in), len(open))
	if len(open) == 0 {
		return nil
	}
	c, err := dialTemporal(ctx, e)
	if err != nil {
		return fmt.Errorf("imported, but the workflows of the %d open applications were not started (the worker starts them when it starts): %w", len(open), err)
	}
	defer c.Close()
	cfg, err := e.config()
	if err != nil {
		return err
	}
	wc := &workflows.Client{Temporal: c, TaskQueue: cfg.Temporal.TaskQueue}
	var errs []error
	for _, id := range open {
		errs = append(errs, wc.StartApplication(ctx, id))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("imported, but some workflows did not start (the worker starts them when it starts): %w", err)
	}
	return nil
}
