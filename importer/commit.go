package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/schedule"
	"github.com/zwgk/zwgk/store"
)

// Syncer is told about every committed change of a list; the workflow lead implements it.
type Syncer interface {
	// Sync starts workflows of added items, tells changed ones to reload (revise) and cancels
	// removed ones. It must be idempotent: after a failure the same changes come again (an
	// added item whose workflow already runs, a removed one whose workflow never started).
	Sync(ctx context.Context, ch store.ListChanges) error
}

// CommitOptions tune Commit.
type CommitOptions struct {
	ImportedBy string
	// BaseRevision is the revision the admin saw the diff against (Diff.BaseRevision); the
	// commit fails with store.ErrConflict when the list has moved on. -1 commits against
	// whatever is stored.
	BaseRevision int
	// GraceDays > 0 tracks a late list "from today": the items it adds that are already overdue
	// start their escalation ladder at the end of the GraceDays-th working day from Now, not at
	// their past due dates. 0 escalates as the list says.
	GraceDays int
	Now       time.Time // the import's time (zero: time.Now)
	// Audit is the list.import entry written with the revision (store.ListCommit.Audit).
	Audit *store.Audit
}

// Committed is what Commit did.
type Committed struct {
	Diff    *Diff             `json:"diff"`
	Changes store.ListChanges `json:"changes"`
	// Synced says the syncer accepted the changes; when false with a nil error, there was no
	// syncer and the workflows start when the next import or Resync runs with one.
	Synced bool `json:"synced"`
}

// ErrNotCommittable is returned, wrapped, for a result with errors.
var ErrNotCommittable = errors.New("the list has errors; nothing was committed")

// Commit writes a checked result as the new revision of its unit's list for its year, in one
// transaction (new offices accepted with CreateOffices included), then hands the changes to
// the syncer. A syncer failure leaves the revision committed and the changes pending: the
// next Commit or Resync of the list passes them again.
func Commit(ctx context.Context, st *store.Store, res *Result, opts CommitOptions, syncer Syncer) (*Committed, error) {
	if !res.OK() {
		return nil, fmt.Errorf("import %s: %d errors: %w", res.File, len(res.Errors), ErrNotCommittable)
	}
	if res.UnitID == 0 {
		return nil, fmt.Errorf("import %s: no unit: %w", res.File, ErrNotCommittable)
	}
	d, err := DiffStored(ctx, st, res)
	if err != nil {
		return nil, err
	}
	if opts.BaseRevision >= 0 && opts.BaseRevision != d.BaseRevision {
		return nil, fmt.Errorf("import %s: the list is at revision %d, the preview was made against revision %d: %w",
			res.File, d.BaseRevision, opts.BaseRevision, store.ErrConflict)
	}
	c := store.ListCommit{
		UnitID: res.UnitID, Year: res.Year, Title: res.Title, BaseRevision: d.BaseRevision,
		SourceFile: res.File, SHA256: res.SHA256, ImportedBy: opts.ImportedBy, NewOffices: res.NewOffices, Audit: opts.Audit,
	}
	var grace *time.Time
	late := map[string]bool{}
	if opts.GraceDays > 0 {
		g, lateItems, err := graceFor(ctx, st, res, opts)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", res.File, err)
		}
		grace = &g
		for _, it := range lateItems {
			late[it.Key] = true
		}
	}
	for _, it := range d.items {
		li, err := listItem(it)
		if err != nil {
			return nil, fmt.Errorf("import %s row %d: %w", res.File, it.Source.Row, err)
		}
		if late[it.Key] {
			li.GraceUntil = grace // kept by the items this revision adds, not by those it changes
		}
		c.Items = append(c.Items, li)
	}
	ch, err := st.CommitList(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", res.File, err)
	}
	out := &Committed{Diff: d, Changes: ch}
	if syncer == nil {
		return out, nil
	}
	if err := syncChanges(ctx, st, syncer, ch); err != nil {
		return out, fmt.Errorf("import %s: revision %d committed, but the workflows were not all updated (run the import again to retry): %w", res.File, ch.Revision, err)
	}
	out.Synced = true
	return out, nil
}

func syncChanges(ctx context.Context, st *store.Store, syncer Syncer, ch store.ListChanges) error {
	if len(ch.Added)+len(ch.Changed)+len(ch.Removed) == 0 {
		return nil
	}
	if err := syncer.Sync(ctx, ch); err != nil {
		return err
	}
	return st.MarkSynced(ctx, ch)
}

// Resync passes the pending changes of a list to the syncer again, after a sync that failed.
func Resync(ctx context.Context, st *store.Store, unitID int64, year int, syncer Syncer) (store.ListChanges, error) {
	ch, err := st.PendingChanges(ctx, unitID, year)
	if err != nil {
		return ch, err
	}
	return ch, syncChanges(ctx, st, syncer, ch)
}

func listItem(it Item) (store.ListItem, error) {
	rule, err := json.Marshal(it.Rule)
	if err != nil {
		return store.ListItem{}, err
	}
	var rules json.RawMessage
	if len(it.Rules) > 0 {
		if rules, err = json.Marshal(it.Rules); err != nil {
			return store.ListItem{}, err
		}
	}
	li := store.ListItem{
		Rules: rules, Score: it.Score, Deduction: it.Deduction, Fields: it.Fields, Unassigned: it.Unassigned,
		UnassignedReason: it.UnassignedReason,
		Key:              it.Key, Seq: it.Seq, Number: it.Number, Section: it.Section, Path: it.Path, Title: it.Title,
		Requirement: it.Requirement, Rule: rule, RuleFrom: it.RuleFrom, Groups: groupNames(it), OfficesText: it.OfficesText,
		SourceFile: it.Source.File, SourceRow: it.Source.Row, Fingerprint: Fingerprint(it),
	}
	for _, o := range it.Offices {
		li.Offices = append(li.Offices, store.ItemOffice{ID: o.ID, Name: o.Name, Role: o.Role})
		li.ViaGroups = append(li.ViaGroups, o.Via)
	}
	return li, nil
}

// graceFor is the end of the GraceDays-th working day after the import, and the items already
// overdue then, which it applies to.
func graceFor(ctx context.Context, st *store.Store, res *Result, opts CommitOptions) (time.Time, []Item, error) {
	years, err := st.CalendarYears(ctx)
	if err != nil {
		return time.Time{}, nil, err
	}
	cal := calendar.New(append(calendar.Official(), years...)...)
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	d, _ := cal.AddWorkingDays(calendar.DateOf(now), opts.GraceDays)
	return d.End(), Late(res, now, cal), nil
}

// Late lists the items of a result that are already overdue at now: a cycle of one of their
// rules fell due before it. A late import shows them, and the admin chooses between tracking
// them from today (CommitOptions.GraceDays) and escalating them as the list says.
func Late(res *Result, now time.Time, cal *calendar.Calendar) []Item {
	var out []Item
	for _, it := range res.Items {
		rules := it.Rules
		if len(rules) == 0 {
			rules = []schedule.Rule{it.Rule}
		}
	rules:
		for _, r := range rules {
			cs, err := schedule.Cycles(r, res.Year, cal)
			if err != nil {
				continue
			}
			for _, c := range cs {
				if !c.Due.IsZero() && c.Due.Before(now) {
					out = append(out, it)
					break rules
				}
			}
		}
	}
	return out
}
