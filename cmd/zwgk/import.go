package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

func init() {
	register(&command{
		name:    "import",
		summary: "load a unit's annual task list (xlsx, csv, docx, html or pasted text) and start its item workflows",
		usage: `FILE --unit NAME --year YYYY [--dry-run] [--format text|json] [--create-offices] [--sheet NAME]
       [--default-rule 年底前|常态化…] [--simplified] [--header-row N] [--col-levels B,C] [--col-title D]
       [--col-requirement E] [--col-offices F] [--col-lead F] [--col-co G] [--col-deadline G]
       [--col-frequency H] [--col-seq A] [--map 列名=role,…] [--corrections FILE.json]
       [--coordinator 办公室] [--grace N] [--by NAME] [--no-workflows]
FILE - reads pasted text from standard input. The dry run shows the items, errors, warnings and
what would change against the stored list; without it the list is committed in one transaction
(only when there are no errors) and the item workflows are started, revised or cancelled.
Columns are named by letter, number or header text. --map sets any column's role (seq, level,
task, requirement, offices, lead, co, deadline, frequency, score, subject, field, none);
--corrections applies a corrections file (docs/importing.md); items with no office or an
unassigned group go to the --coordinator office, flagged 待分派.`,
		run: runImport,
	})
}

// parseInterspersed parses flags that may follow positional arguments (zwgk import FILE --unit X).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

type importOutput struct {
	*importer.Result
	Diff      *importer.Diff `json:"diff,omitempty"`
	DryRun    bool           `json:"dry_run"`
	Committed bool           `json:"committed"`
	Revision  int            `json:"revision,omitempty"`
	// Workflows says what happened to the workflows: started, not-started (--no-workflows),
	// failed (the revision is committed; run the import again).
	Workflows string `json:"workflows,omitempty"`
}

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import")
	unitName := fs.String("unit", "", "the unit (单位) whose list this is")
	year := fs.Int("year", 0, "the list's year")
	dryRun := fs.Bool("dry-run", false, "show what would be imported and changed; write nothing")
	format := fs.String("format", "text", "output: text or json")
	create := fs.Bool("create-offices", false, "create the offices (and the unit) the directory does not know")
	sheet := fs.String("sheet", "", "read only this sheet of a workbook")
	defRule := fs.String("default-rule", "", "rule wording for items that give none, e.g. 年底前 or 常态化")
	simplified := fs.Bool("simplified", false, "show Traditional text in Simplified characters")
	by := fs.String("by", "", "who imports (recorded with the revision; default: the OS user)")
	noWF := fs.Bool("no-workflows", false, "commit without contacting Temporal; the workflows start on the next import or worker reconcile")
	var maps multiFlag
	fs.Var(&maps, "map", "column roles, 列名=role (repeatable, or comma-separated)")
	corrFile := fs.String("corrections", "", "a corrections file (JSON) to apply")
	coordinator := fs.String("coordinator", "", "the office that holds 待分派 items (default 办公室)")
	grace := fs.Int("grace", 0, "track a late list from today: items already overdue escalate only after this many working days (0: as the list says)")
	var o importer.Overrides
	fs.IntVar(&o.HeaderRow, "header-row", 0, "row of the header in the sheet or table (-1: no header row)")
	fs.StringVar(&o.Seq, "col-seq", "", "column of the sequence number")
	fs.StringVar(&o.Levels, "col-levels", "", "hierarchy columns, top level first, comma-separated")
	fs.StringVar(&o.Title, "col-title", "", "column of the item title (the deepest level)")
	fs.StringVar(&o.Requirement, "col-requirement", "", "column of the requirement text")
	fs.StringVar(&o.Offices, "col-offices", "", "column of the responsible offices")
	fs.StringVar(&o.Lead, "col-lead", "", "column of the lead offices (牵头)")
	fs.StringVar(&o.Co, "col-co", "", "column of the co-responsible offices (配合)")
	fs.StringVar(&o.Deadline, "col-deadline", "", "column of the deadline (完成时限)")
	fs.StringVar(&o.Frequency, "col-frequency", "", "column of the update frequency (更新频率)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *unitName == "" || *year == 0 || (*format != "text" && *format != "json") {
		return errUsage
	}
	if *year < 2000 || *year > 2100 {
		return fmt.Errorf("--year %d: want a year such as 2024", *year)
	}
	name, data, err := readInput(pos[0])
	if err != nil {
		return err
	}
	corr, err := loadCorrections(*corrFile, maps)
	if err != nil {
		return err
	}
	if *by == "" {
		if u, err := user.Current(); err == nil {
			*by = u.Username
		}
	}

	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	var dir *store.Directory
	unit, err := st.UnitByName(ctx, *unitName)
	switch {
	case err == nil:
		if dir, err = st.LoadDirectory(ctx, unit.ID); err != nil {
			return err
		}
	case errors.Is(err, store.ErrNotFound) && *create && !*dryRun:
		u, _, err := st.EnsureUnitAudited(ctx, *unitName, cliAudit(e))
		if err != nil {
			return err
		}
		dir = &store.Directory{Unit: u}
		fmt.Fprintf(e.stderr, "zwgk import: 新建单位“%s”\n", u.Name)
	case errors.Is(err, store.ErrNotFound):
		// preview against an empty directory, and say why nothing can be committed
		dir = &store.Directory{Unit: store.Unit{Name: *unitName}}
	default:
		return err
	}
	if corr == nil && dir.Unit.ID != 0 {
		// the corrections saved with the list's last revision read this one the same way
		raw, err := st.ListCorrections(ctx, dir.Unit.ID, *year)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case len(raw) > 0:
			if corr, err = importer.ParseCorrections(raw); err != nil {
				return fmt.Errorf("corrections saved with the %d list: %w", *year, err)
			}
			fmt.Fprintf(e.stderr, "zwgk import: 沿用上一版清单保存的读法更正（--corrections 可另行指定）\n")
		}
	}
	res := importer.Load(name, data, dir, importer.Options{
		Read: importer.ReadOptions{Sheet: *sheet, Year: *year},
		Build: importer.BuildOptions{Year: *year, Overrides: o, CreateOffices: *create, DefaultRule: *defRule, Simplified: *simplified,
			Corrections: corr, Coordinator: *coordinator},
	})
	if *grace < 0 || *grace > 30 {
		return fmt.Errorf("--grace %d: want 0–30 working days", *grace)
	}
	if years, err := st.CalendarYears(ctx); err == nil && res.OK() {
		cal := calendar.New(append(calendar.Official(), years...)...)
		if late := importer.Late(res, time.Now(), cal); len(late) > 0 {
			msg := fmt.Sprintf("%d 项在导入时已经逾期（如“%s”），导入后会立即按逾期天数逐级督办；加 --grace 5 可从今天起跟踪（宽限 5 个工作日后再逐级督办）", len(late), late[0].Title)
			if *grace > 0 {
				msg = fmt.Sprintf("%d 项在导入时已经逾期（如“%s”）；按 --grace %d，宽限 %d 个工作日后再逐级督办", len(late), late[0].Title, *grace, *grace)
			}
			res.Warnings = append(res.Warnings, importer.Issue{File: res.File, Message: msg})
		}
	}
	if dir.Unit.ID == 0 {
		msg := fmt.Sprintf("单位“%s”不存在：请先用 zwgk office add --unit “%s” 科室… 建立科室目录，或加 --create-offices", *unitName, *unitName)
		if *create {
			msg = fmt.Sprintf("单位“%s”不存在，正式导入时将新建", *unitName)
			res.Warnings = append(res.Warnings, importer.Issue{File: res.File, Message: msg})
		} else {
			res.Errors = append(res.Errors, importer.Issue{File: res.File, Message: msg})
		}
	}
	out := importOutput{Result: res, DryRun: *dryRun}
	if dir.Unit.ID != 0 && len(res.Items) > 0 {
		if out.Diff, err = importer.DiffStored(ctx, st, res); err != nil {
			return err
		}
	}
	var commitErr error
	if !*dryRun && res.OK() {
		var syncer importer.Syncer
		if !*noWF {
			c, err := dialTemporal(ctx, e)
			if err != nil {
				return fmt.Errorf("连接 Temporal 失败，未导入（%w）；加 --no-workflows 可只写入数据库", err)
			}
			defer c.Close()
			cfg, _ := e.config()
			syncer = &workflows.Client{Temporal: c, TaskQueue: cfg.Temporal.TaskQueue}
		}
		base := -1
		if out.Diff != nil {
			base = out.Diff.BaseRevision
		}
		// the diff shown is the commit's, since Commit refuses a list that moved on from base;
		// the entry is written with the revision, so it says what the diff says
		a := cliAudit(e)
		detail := map[string]any{"file": name, "unit": res.Unit, "year": res.Year}
		if out.Diff != nil {
			detail["added"], detail["changed"], detail["removed"] = len(out.Diff.Added), len(out.Diff.Changed), len(out.Diff.Removed)
		}
		a.Detail = detail
		cm, err := importer.Commit(ctx, st, res, importer.CommitOptions{ImportedBy: *by, BaseRevision: base, GraceDays: *grace, Audit: &a}, syncer)
		switch {
		case cm == nil:
			return err
		case err != nil:
			out.Workflows, commitErr = "failed", err
		case cm.Synced:
			out.Workflows = "started"
		default:
			out.Workflows = "not-started"
		}
		out.Committed, out.Revision, out.Diff = true, cm.Changes.Revision, cm.Diff
		if corr != nil && *corrFile != "" || len(maps) > 0 {
			// the corrections go with the list, in the form that reads its next revision
			var saved []byte
			if next := corr.ForNextRevision(res); next != nil {
				if saved, err = json.Marshal(next); err != nil {
					return err
				}
			}
			if err := st.SetListCorrections(ctx, res.UnitID, res.Year, saved); err != nil {
				return err
			}
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		printImport(e.stdout, out)
	}
	switch {
	case commitErr != nil:
		return commitErr
	case !res.OK():
		return fmt.Errorf("%d 个错误，未导入任何内容", len(res.Errors))
	}
	return nil
}

// readInput reads FILE, or standard input for "-" (pasted text).
func readInput(path string) (string, []byte, error) {
	if path == "-" {
		b, err := io.ReadAll(io.LimitReader(os.Stdin, importer.MaxBytes+1))
		return "stdin.txt", b, err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, importer.MaxBytes+1))
	if err != nil {
		return "", nil, fmt.Errorf("read %s: %w", path, err)
	}
	return path, b, nil
}

func printImport(w io.Writer, out importOutput) {
	r := out.Result
	fmt.Fprintf(w, "文件：%s（%s）", r.File, r.Format)
	if r.Title != "" {
		fmt.Fprintf(w, "  标题：%s", r.Title)
	}
	fmt.Fprintf(w, "\n单位：%s  年度：%d  事项：%d\n", r.Unit, r.Year, len(r.Items))
	for _, s := range r.Sections {
		fmt.Fprintf(w, "  部分“%s”（%s）：%d 项\n", s.Name, s.Where, s.Items)
	}
	fmt.Fprintln(w)
	for _, it := range r.Items {
		var offices []string
		for _, o := range it.Offices {
			s := o.Name
			if o.Role == importer.Lead {
				s += "（牵头）"
			}
			if o.New {
				s += "（新建）"
			}
			offices = append(offices, s)
		}
		for _, g := range it.Groups {
			if g.PerEvent || len(g.Offices) == 0 {
				offices = append(offices, "〔"+g.Name+"〕")
			}
		}
		rule := it.Rule.String()
		if it.RuleFrom != "" {
			rule = fmt.Sprintf("%s（%s“%s”）", rule, it.RuleFrom, it.Rule.Text)
		}
		fmt.Fprintf(w, "%3d. %s\n     %s｜%s｜第%d行\n", it.Seq, strings.Join(append(append([]string{}, it.Path...), it.Title), " / "),
			strings.Join(offices, "、"), rule, it.Source.Row)
	}
	if len(r.NewOffices) > 0 {
		fmt.Fprintf(w, "\n将新建科室：%s\n", strings.Join(r.NewOffices, "、"))
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\n错误（%d）：\n", len(r.Errors))
		for _, is := range r.Errors {
			fmt.Fprintf(w, "  %s\n", is.Error())
		}
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(w, "\n警告（%d）：\n", len(r.Warnings))
		for _, is := range r.Warnings {
			fmt.Fprintf(w, "  %s\n", is.Error())
		}
	}
	if d := out.Diff; d != nil {
		fmt.Fprintf(w, "\n与已导入的第 %d 版相比：新增 %d 项，修改 %d 项，删除 %d 项，未变 %d 项\n",
			d.BaseRevision, len(d.Added), len(d.Changed), len(d.Removed), d.Unchanged)
		for _, it := range d.Added {
			fmt.Fprintf(w, "  + %s\n", it.Title)
		}
		for _, c := range d.Changed {
			note := strings.Join(c.Fields, "、")
			if c.Reactivated {
				note = "恢复；" + note
			}
			fmt.Fprintf(w, "  ~ %s（%s）\n", c.Item.Title, note)
		}
		for _, s := range d.Removed {
			fmt.Fprintf(w, "  - %s\n", s.Title)
		}
	}
	switch {
	case out.DryRun:
		fmt.Fprintln(w, "\n预览（--dry-run）：未写入任何内容")
	case out.Committed:
		fmt.Fprintf(w, "\n已导入为第 %d 版", out.Revision)
		switch out.Workflows {
		case "started":
			fmt.Fprintln(w, "，工作流已更新")
		case "not-started":
			fmt.Fprintln(w, "，工作流未启动（--no-workflows）：下次导入或 zwgk worker 对账时启动")
		default:
			fmt.Fprintln(w, "，但工作流更新失败：请重新运行导入以重试")
		}
	}
}

// multiFlag is a flag that may be given several times.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// loadCorrections reads --corrections and adds the --map roles to it (--map wins).
func loadCorrections(file string, maps []string) (*importer.Corrections, error) {
	var c *importer.Corrections
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--corrections: %w", err)
		}
		if c, err = importer.ParseCorrections(data); err != nil {
			return nil, fmt.Errorf("--corrections %s: %w", file, err)
		}
	}
	if len(maps) == 0 {
		return c, nil
	}
	m, err := importer.ParseMap(maps)
	if err != nil {
		return nil, err
	}
	if c == nil {
		c = &importer.Corrections{}
	}
	if c.Map == nil {
		c.Map = map[string]importer.Role{}
	}
	for k, v := range m {
		c.Map[k] = v
	}
	return c, nil
}
