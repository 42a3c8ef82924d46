package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrConflict is returned, wrapped, when a list changed between the preview of an import and
// its commit: the admin must look at the new diff.
var ErrConflict = errors.New("changed since it was read")

// List is the task list of a unit for a year.
type List struct {
	ID        int64     `json:"id"`
	UnitID    int64     `json:"unit_id"`
	Year      int       `json:"year"`
	Title     string    `json:"title"`
	Revision  int       `json:"revision"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ListItem is an item of a list as the importer writes and compares it.
type ListItem struct {
	ID          int64           `json:"id,omitempty"`
	Key         string          `json:"key"`
	Seq         int             `json:"seq"`
	Number      string          `json:"number,omitempty"`
	Section     string          `json:"section"`
	Path        []string        `json:"path"`
	Title       string          `json:"title"`
	Requirement string          `json:"requirement"`
	Rule        json.RawMessage `json:"rule"`
	RuleFrom    string          `json:"rule_from"`
	Groups      []string        `json:"groups"`
	OfficesText string          `json:"offices_text"`
	// Offices with ID 0 are created by the commit (CommitList.NewOffices) and found by Name.
	Offices     []ItemOffice `json:"offices"`
	ViaGroups   []string     `json:"-"` // parallel to Offices: the group an office came from
	SourceFile  string       `json:"source_file"`
	SourceRow   int          `json:"source_row"`
	Fingerprint string       `json:"fingerprint"`
	// Rules are all the item's obligations, Rule first (nil: Rule alone); Score the points it is
	// worth at the check, Deduction how they are lost; Fields the columns kept as written;
	// Unassigned (待分派) an owner still to be chosen, held meanwhile by the coordinating office.
	Rules            json.RawMessage   `json:"rules,omitempty"`
	Score            *float64          `json:"score,omitempty"`
	Deduction        string            `json:"deduction,omitempty"`
	Fields           map[string]string `json:"fields,omitempty"`
	Unassigned       bool              `json:"unassigned,omitempty"`
	UnassignedReason string            `json:"unassigned_reason,omitempty"`
	// GraceUntil, set on the items a late import adds with "track from today", is when their
	// escalation ladder starts if they are already overdue (zero: as the list says).
	GraceUntil *time.Time `json:"grace_until,omitempty"`

	// Set when read from the database.
	WorkflowID string `json:"workflow_id,omitempty"`
	Status     string `json:"status,omitempty"`
	CreatedRev int    `json:"created_rev,omitempty"`
	UpdatedRev int    `json:"updated_rev,omitempty"`
	SyncedRev  int    `json:"synced_rev,omitempty"`
}

// WorkflowID is the id of an item's workflow: derived from the unit, the year and the item's
// key, so that a retried import never starts a workflow twice.
func WorkflowID(unitID int64, year int, key string) string {
	return fmt.Sprintf("zwgk/%d/%d/%s", unitID, year, key)
}

// ListCommit is a revision of a list: its complete new set of items.
type ListCommit struct {
	UnitID int64
	Year   int
	Title  string
	// BaseRevision is the revision the caller's diff was made against: when the list has
	// moved on since, CommitList fails with ErrConflict. -1 skips the check.
	BaseRevision int
	SourceFile   string
	SHA256       string
	ImportedBy   string
	// NewOffices are created in the same transaction (an import run with --create-offices).
	NewOffices []string
	Items      []ListItem
	// Audit, when set, is written as list.import in the commit's transaction, with the list as
	// its object and the revision added to its detail (a map, or nothing); nil writes no entry
	// (seeding and tests, which no one answers for).
	Audit *Audit
}

// ListByUnitYear reads a list.
func (s *Store) ListByUnitYear(ctx context.Context, unitID int64, year int) (List, error) {
	var l List
	err := s.Pool.QueryRow(ctx, `SELECT id, unit_id, year, title, revision, updated_at FROM lists WHERE unit_id = $1 AND year = $2`,
		unitID, year).Scan(&l.ID, &l.UnitID, &l.Year, &l.Title, &l.Revision, &l.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return List{}, notFound("list", fmt.Sprintf("%d/%d", unitID, year))
	}
	if err != nil {
		return List{}, fmt.Errorf("store: list %d/%d: %w", unitID, year, err)
	}
	return l, nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

const listItemCols = `i.id, i.key, i.seq, i.number, i.section, i.path, i.title, i.requirement, i.rule, i.rule_from, i.groups,
	i.offices_text, i.source_file, i.source_row, i.fingerprint, i.workflow_id, i.status, i.created_rev, i.updated_rev, i.synced_rev,
	i.rules, i.score::float8, i.deduction, i.fields, i.unassigned, i.unassigned_reason, i.grace_until,
	COALESCE((SELECT json_agg(json_build_object('id', o.id, 'name', o.name, 'role', io.role) ORDER BY io.role DESC, o.name)
	          FROM item_offices io JOIN offices o ON o.id = io.office_id WHERE io.item_id = i.id), '[]')`

func listItems(ctx context.Context, q querier, listID int64, where string) ([]ListItem, error) {
	rows, err := q.Query(ctx, `SELECT `+listItemCols+` FROM items i WHERE i.list_id = $1 `+where+` ORDER BY i.seq, i.id`, listID)
	return collect(rows, err, fmt.Sprintf("items of list %d", listID), func(r pgx.Row) (ListItem, error) {
		var it ListItem
		var offices []byte
		err := r.Scan(&it.ID, &it.Key, &it.Seq, &it.Number, &it.Section, &it.Path, &it.Title, &it.Requirement, &it.Rule, &it.RuleFrom,
			&it.Groups, &it.OfficesText, &it.SourceFile, &it.SourceRow, &it.Fingerprint, &it.WorkflowID, &it.Status,
			&it.CreatedRev, &it.UpdatedRev, &it.SyncedRev, &it.Rules, &it.Score, &it.Deduction, &it.Fields, &it.Unassigned,
			&it.UnassignedReason, &it.GraceUntil, &offices)
		if err != nil {
			return it, err
		}
		return it, json.Unmarshal(offices, &it.Offices)
	})
}

// ListItems reads the list of a unit and year with all its items, cancelled ones included
// (Status says which). A unit and year without a list is ErrNotFound.
func (s *Store) ListItems(ctx context.Context, unitID int64, year int) (List, []ListItem, error) {
	l, err := s.ListByUnitYear(ctx, unitID, year)
	if err != nil {
		return l, nil, err
	}
	items, err := listItems(ctx, s.Pool, l.ID, "")
	return l, items, err
}

// CommitList writes a revision of a list in one transaction: items whose key is new are
// inserted (and cancelled ones that come back are reactivated), items whose fingerprint changed
// are updated in place (same id, same workflow id, so completions survive), stored items
// missing from the revision are cancelled with their history kept. The changes it returns
// include items whose earlier sync never completed, so that calling the syncer with them
// repairs a failed import; MarkSynced records a successful sync.
//
// A revision that changes nothing records no revision and returns empty changes with the
// current revision number.
func (s *Store) CommitList(ctx context.Context, c ListCommit) (ListChanges, error) {
	ch := ListChanges{UnitID: c.UnitID, Year: c.Year}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// one import per unit at a time: the unit row is the lock
		var unit int64
		err := tx.QueryRow(ctx, `SELECT id FROM units WHERE id = $1 FOR UPDATE`, c.UnitID).Scan(&unit)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("unit", c.UnitID)
		}
		if err != nil {
			return fmt.Errorf("store: lock unit %d: %w", c.UnitID, err)
		}
		officeIDs := map[string]int64{}
		for _, name := range c.NewOffices {
			o, err := createOffice(ctx, tx, c.UnitID, name, nil)
			if err != nil {
				return err
			}
			officeIDs[o.Name] = o.ID
		}
		var current int
		err = tx.QueryRow(ctx, `SELECT id, revision FROM lists WHERE unit_id = $1 AND year = $2`, c.UnitID, c.Year).Scan(&ch.ListID, &current)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, `INSERT INTO lists (unit_id, year, title) VALUES ($1, $2, $3) RETURNING id`, c.UnitID, c.Year, c.Title).Scan(&ch.ListID)
		}
		if err != nil {
			return fmt.Errorf("store: list %d/%d: %w", c.UnitID, c.Year, err)
		}
		if c.BaseRevision >= 0 && current != c.BaseRevision {
			return fmt.Errorf("store: list %d/%d is at revision %d, the import was previewed against %d: %w",
				c.UnitID, c.Year, current, c.BaseRevision, ErrConflict)
		}
		rev := current + 1
		stored, err := listItems(ctx, tx, ch.ListID, "")
		if err != nil {
			return err
		}
		byKey := map[string]*ListItem{}
		for i := range stored {
			byKey[stored[i].Key] = &stored[i]
		}
		seen := map[string]bool{}
		var added, changed []ItemRef
		var cosmetic []ListItem
		for _, it := range c.Items {
			if seen[it.Key] {
				return fmt.Errorf("store: list %d/%d: item key %s twice in one revision", c.UnitID, c.Year, it.Key)
			}
			seen[it.Key] = true
			for k := range it.Offices {
				if it.Offices[k].ID == 0 {
					id, ok := officeIDs[it.Offices[k].Name]
					if !ok {
						return fmt.Errorf("store: item %q: office %s is neither stored nor created: %w", it.Title, it.Offices[k].Name, ErrNotFound)
					}
					it.Offices[k].ID = id
				}
			}
			old := byKey[it.Key]
			switch {
			case old == nil:
				ref, err := insertItem(ctx, tx, c, ch.ListID, rev, it)
				if err != nil {
					return err
				}
				added = append(added, ref)
			case old.Status == "cancelled":
				if err := updateItem(ctx, tx, old.ID, rev, it, true); err != nil {
					return err
				}
				added = append(added, ItemRef{ID: old.ID, WorkflowID: old.WorkflowID})
			case old.Fingerprint != it.Fingerprint:
				if err := updateItem(ctx, tx, old.ID, rev, it, false); err != nil {
					return err
				}
				changed = append(changed, ItemRef{ID: old.ID, WorkflowID: old.WorkflowID})
			default:
				it.ID = old.ID
				cosmetic = append(cosmetic, it)
			}
		}
		var removed []ItemRef
		for _, old := range stored {
			if !seen[old.Key] && old.Status != "cancelled" {
				if _, err := tx.Exec(ctx, `UPDATE items SET status = 'cancelled', cancelled_at = now(), updated_rev = $2, updated_at = now() WHERE id = $1`,
					old.ID, rev); err != nil {
					return fmt.Errorf("store: cancel item %d: %w", old.ID, err)
				}
				removed = append(removed, ItemRef{ID: old.ID, WorkflowID: old.WorkflowID})
			}
		}
		// order and position only: no revision of its own, no workflow to tell
		for _, it := range cosmetic {
			if _, err := tx.Exec(ctx, `UPDATE items SET seq = $2, source_file = $3, source_row = $4, number = $5 WHERE id = $1`,
				it.ID, it.Seq, it.SourceFile, it.SourceRow, it.Number); err != nil {
				return fmt.Errorf("store: item %d: %w", it.ID, err)
			}
		}
		if len(added)+len(changed)+len(removed) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE lists SET revision = $2, title = $3, updated_at = now() WHERE id = $1`, ch.ListID, rev, c.Title); err != nil {
				return fmt.Errorf("store: list %d: %w", ch.ListID, err)
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO list_revisions (list_id, revision, source_file, sha256, imported_by, items, added, changed, removed)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				ch.ListID, rev, c.SourceFile, c.SHA256, c.ImportedBy, len(c.Items), len(added), len(changed), len(removed)); err != nil {
				return fmt.Errorf("store: list %d revision %d: %w", ch.ListID, rev, err)
			}
			ch.Revision = rev
		} else {
			ch.Revision = current
		}
		// earlier revisions whose sync did not complete
		pending, err := pendingRefs(ctx, tx, ch.ListID)
		if err != nil {
			return err
		}
		ch.Added = mergeRefs(added, pending.Added)
		ch.Removed = mergeRefs(removed, pending.Removed)
		// an item never started gets started with its latest definition, not revised
		startIDs := map[int64]bool{}
		for _, r := range ch.Added {
			startIDs[r.ID] = true
		}
		for _, r := range mergeRefs(changed, pending.Changed) {
			if !startIDs[r.ID] {
				ch.Changed = append(ch.Changed, r)
			}
		}
		if c.Audit == nil {
			return nil
		}
		a := *c.Audit
		a.Action, a.ObjectType, a.ObjectID = "list.import", "list", fmt.Sprint(ch.ListID)
		detail := map[string]any{}
		if m, ok := a.Detail.(map[string]any); ok {
			detail = maps.Clone(m)
		}
		detail["revision"] = ch.Revision
		a.Detail = detail
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return ListChanges{}, err
	}
	return ch, nil
}

func mergeRefs(a, b []ItemRef) []ItemRef {
	in := map[int64]bool{}
	for _, r := range a {
		in[r.ID] = true
	}
	for _, r := range b {
		if !in[r.ID] {
			a = append(a, r)
			in[r.ID] = true
		}
	}
	return a
}

func insertItem(ctx context.Context, tx pgx.Tx, c ListCommit, listID int64, rev int, it ListItem) (ItemRef, error) {
	ref := ItemRef{WorkflowID: WorkflowID(c.UnitID, c.Year, it.Key)}
	err := tx.QueryRow(ctx, `
		INSERT INTO items (list_id, key, seq, number, section, path, title, requirement, rule, rule_from, groups, offices_text,
		                   source_file, source_row, workflow_id, fingerprint, created_rev, updated_rev,
		                   rules, score, deduction, fields, unassigned, unassigned_reason, grace_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $20, $21, $22, $23, $24)
		RETURNING id`,
		listID, it.Key, it.Seq, it.Number, it.Section, nonNilStrings(it.Path), it.Title, it.Requirement, it.Rule, it.RuleFrom,
		nonNilStrings(it.Groups), it.OfficesText, it.SourceFile, it.SourceRow, ref.WorkflowID, it.Fingerprint, rev,
		rulesJSON(it), it.Score, it.Deduction, nonNilFields(it.Fields), it.Unassigned, it.UnassignedReason, it.GraceUntil).Scan(&ref.ID)
	if isUniqueViolation(err) {
		return ref, fmt.Errorf("store: item %q: workflow id %s already used by another list: %w", it.Title, ref.WorkflowID, ErrExists)
	}
	if err != nil {
		return ref, fmt.Errorf("store: insert item %q: %w", it.Title, err)
	}
	return ref, setOffices(ctx, tx, ref.ID, it)
}

func updateItem(ctx context.Context, tx pgx.Tx, id int64, rev int, it ListItem, reactivate bool) error {
	_, err := tx.Exec(ctx, `
		UPDATE items SET seq = $2, number = $3, section = $4, path = $5, title = $6, requirement = $7, rule = $8, rule_from = $9,
		       groups = $10, offices_text = $11, source_file = $12, source_row = $13, fingerprint = $14, updated_rev = $15,
		       updated_at = now(),
		       status = CASE WHEN $16 THEN 'active' ELSE status END,
		       cancelled_at = CASE WHEN $16 THEN NULL ELSE cancelled_at END,
		       synced_rev = CASE WHEN $16 THEN 0 ELSE synced_rev END,
		       rules = $17, score = $18, deduction = $19, fields = $20, unassigned = $21, unassigned_reason = $22
		WHERE id = $1`,
		id, it.Seq, it.Number, it.Section, nonNilStrings(it.Path), it.Title, it.Requirement, it.Rule, it.RuleFrom,
		nonNilStrings(it.Groups), it.OfficesText, it.SourceFile, it.SourceRow, it.Fingerprint, rev, reactivate,
		rulesJSON(it), it.Score, it.Deduction, nonNilFields(it.Fields), it.Unassigned, it.UnassignedReason)
	if err != nil {
		return fmt.Errorf("store: update item %d: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM item_offices WHERE item_id = $1`, id); err != nil {
		return fmt.Errorf("store: offices of item %d: %w", id, err)
	}
	return setOffices(ctx, tx, id, it)
}

// rulesJSON is the item's rules for the rules column: [] when it has none of its own.
func rulesJSON(it ListItem) json.RawMessage {
	if len(it.Rules) == 0 {
		return json.RawMessage("[]")
	}
	return it.Rules
}

func nonNilFields(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func setOffices(ctx context.Context, tx pgx.Tx, itemID int64, it ListItem) error {
	for k, o := range it.Offices {
		via := ""
		if k < len(it.ViaGroups) {
			via = it.ViaGroups[k]
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO item_offices (item_id, office_id, role, via_group) VALUES ($1, $2, $3, $4)
			ON CONFLICT (item_id, office_id) DO UPDATE SET role = CASE WHEN EXCLUDED.role = 'lead' THEN 'lead' ELSE item_offices.role END`,
			itemID, o.ID, o.Role, via); err != nil {
			if isForeignKeyViolation(err) {
				return fmt.Errorf("store: item %q: office %d: %w", it.Title, o.ID, ErrNotFound)
			}
			return fmt.Errorf("store: offices of item %q: %w", it.Title, err)
		}
	}
	return nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// pendingRefs are the items whose workflow has not been told about their last revision: a
// cancelled one is to be cancelled, one never synced is to be started, others revised.
func pendingRefs(ctx context.Context, q querier, listID int64) (ListChanges, error) {
	var ch ListChanges
	rows, err := q.Query(ctx, `SELECT id, workflow_id, status, synced_rev FROM items WHERE list_id = $1 AND synced_rev < updated_rev ORDER BY seq, id`, listID)
	if err != nil {
		return ch, fmt.Errorf("store: pending items of list %d: %w", listID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref ItemRef
		var status string
		var synced int
		if err := rows.Scan(&ref.ID, &ref.WorkflowID, &status, &synced); err != nil {
			return ch, fmt.Errorf("store: pending items of list %d: %w", listID, err)
		}
		switch {
		case status == "cancelled":
			ch.Removed = append(ch.Removed, ref)
		case synced == 0:
			ch.Added = append(ch.Added, ref)
		default:
			ch.Changed = append(ch.Changed, ref)
		}
	}
	if err := rows.Err(); err != nil {
		return ch, fmt.Errorf("store: pending items of list %d: %w", listID, err)
	}
	return ch, nil
}

// PendingChanges lists what the syncer still has to do for a list after a sync that failed.
func (s *Store) PendingChanges(ctx context.Context, unitID int64, year int) (ListChanges, error) {
	l, err := s.ListByUnitYear(ctx, unitID, year)
	if err != nil {
		return ListChanges{}, err
	}
	ch, err := pendingRefs(ctx, s.Pool, l.ID)
	ch.ListID, ch.UnitID, ch.Year, ch.Revision = l.ID, unitID, year, l.Revision
	return ch, err
}

// MarkSynced records that the workflows of these items know their current revision. A
// cancelled item that was never started counts as synced too.
func (s *Store) MarkSynced(ctx context.Context, ch ListChanges) error {
	var ids []int64
	for _, refs := range [][]ItemRef{ch.Added, ch.Changed, ch.Removed} {
		for _, r := range refs {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.Pool.Exec(ctx, `UPDATE items SET synced_rev = updated_rev WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("store: mark items synced: %w", err)
	}
	return nil
}

// ListRevision is one import of a list.
type ListRevision struct {
	Revision   int       `json:"revision"`
	SourceFile string    `json:"source_file"`
	SHA256     string    `json:"sha256"`
	ImportedBy string    `json:"imported_by"`
	ImportedAt time.Time `json:"imported_at"`
	Items      int       `json:"items"`
	Added      int       `json:"added"`
	Changed    int       `json:"changed"`
	Removed    int       `json:"removed"`
}

// ListRevisions lists the imports of a list, newest first.
func (s *Store) ListRevisions(ctx context.Context, listID int64) ([]ListRevision, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT revision, source_file, sha256, imported_by, imported_at, items, added, changed, removed
		FROM list_revisions WHERE list_id = $1 ORDER BY revision DESC`, listID)
	return collect(rows, err, fmt.Sprintf("revisions of list %d", listID), func(r pgx.Row) (ListRevision, error) {
		var v ListRevision
		return v, r.Scan(&v.Revision, &v.SourceFile, &v.SHA256, &v.ImportedBy, &v.ImportedAt, &v.Items, &v.Added, &v.Changed, &v.Removed)
	})
}

// ListByID reads a list by its id.
func (s *Store) ListByID(ctx context.Context, id int64) (List, error) {
	var l List
	err := s.Pool.QueryRow(ctx, `SELECT id, unit_id, year, title, revision, updated_at FROM lists WHERE id = $1`, id).
		Scan(&l.ID, &l.UnitID, &l.Year, &l.Title, &l.Revision, &l.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, notFound("list", id)
	}
	if err != nil {
		return l, fmt.Errorf("store: list %d: %w", id, err)
	}
	return l, nil
}

// ListCorrections returns the corrections saved with the list of a unit and year (nil when it
// has none). A unit and year without a list is ErrNotFound.
func (s *Store) ListCorrections(ctx context.Context, unitID int64, year int) ([]byte, error) {
	var c []byte
	err := s.Pool.QueryRow(ctx, `SELECT corrections FROM lists WHERE unit_id = $1 AND year = $2`, unitID, year).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("store: list %d/%d: %w", unitID, year, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: corrections of list %d/%d: %w", unitID, year, err)
	}
	return c, nil
}

// SetListCorrections saves the corrections of the list of a unit and year (nil clears them).
func (s *Store) SetListCorrections(ctx context.Context, unitID int64, year int, c []byte) error {
	tag, err := s.Pool.Exec(ctx, `UPDATE lists SET corrections = $3 WHERE unit_id = $1 AND year = $2`, unitID, year, c)
	if err != nil {
		return fmt.Errorf("store: corrections of list %d/%d: %w", unitID, year, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: list %d/%d: %w", unitID, year, ErrNotFound)
	}
	return nil
}
