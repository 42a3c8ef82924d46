package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scope limits what a web user sees: everything for admins, otherwise the items of Offices
// (office users) and of the offices of Units (supervisors).
type Scope struct {
	All     bool
	Offices []int64
	Units   []int64
}

// ScopeOf is the scope of a user by role.
func ScopeOf(u *User) Scope {
	switch u.Role {
	case RoleAdmin:
		return Scope{All: true}
	case RoleSupervisor:
		return Scope{Units: nonNil(u.Units), Offices: []int64{}}
	default:
		return Scope{Offices: nonNil(u.Offices), Units: []int64{}}
	}
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func (sc Scope) args() (bool, []int64, []int64) {
	return sc.All, nonNil(sc.Units), nonNil(sc.Offices)
}

// ItemRow is an item as lists show it: its definition and the state its workflow reported.
type ItemRow struct {
	ID              int64        `json:"id"`
	WorkflowID      string       `json:"workflow_id"`
	ListID          int64        `json:"list_id"`
	UnitID          int64        `json:"unit_id"`
	Unit            string       `json:"unit"`
	Year            int          `json:"year"`
	Seq             int          `json:"seq"`
	Section         string       `json:"section,omitempty"`
	Path            []string     `json:"path"`
	Title           string       `json:"title"`
	Summary         string       `json:"summary"` // the first 500 characters of the requirement
	RuleKind        string       `json:"rule_kind"`
	RuleText        string       `json:"rule_text,omitempty"`
	Status          string       `json:"status"`
	CycleKey        string       `json:"cycle,omitempty"`
	DueAt           *time.Time   `json:"due_at,omitempty"`
	EscalationLevel int          `json:"escalation_level"`
	OverdueSince    *time.Time   `json:"overdue_since,omitempty"`
	LastDoneAt      *time.Time   `json:"last_done_at,omitempty"`
	Provisional     bool         `json:"provisional"`
	Offices         []ItemOffice `json:"offices"`
}

// StatusPending is the status of an item whose workflow has not reported yet.
const StatusPending = "pending"

const itemRowCols = `i.id, i.workflow_id, i.list_id, l.unit_id, un.name, l.year, i.seq, i.section, i.path, i.title, left(i.requirement, 500),
	COALESCE(i.rule_kind, ''), COALESCE(i.rule->>'text', ''),
	COALESCE(s.status, CASE WHEN i.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END),
	COALESCE(s.cycle_key, ''), s.due_at, COALESCE(s.escalation_level, 0), s.overdue_since, s.last_done_at,
	COALESCE(s.provisional, false),
	COALESCE((SELECT json_agg(json_build_object('id', o.id, 'name', o.name, 'role', io.role) ORDER BY io.role DESC, o.name)
	          FROM item_offices io JOIN offices o ON o.id = io.office_id WHERE io.item_id = i.id), '[]')`

const itemFrom = ` FROM items i JOIN lists l ON l.id = i.list_id JOIN units un ON un.id = l.unit_id
	LEFT JOIN item_state s ON s.item_id = i.id `

// scopeCond filters items by the scope in $1 (all), $2 (units), $3 (offices).
const scopeCond = `($1::bool OR l.unit_id = ANY($2::bigint[]) OR EXISTS (SELECT 1 FROM item_offices so WHERE so.item_id = i.id AND so.office_id = ANY($3::bigint[])))`

func scanItemRow(r pgx.Row) (ItemRow, error) {
	var it ItemRow
	var offices []byte
	err := r.Scan(&it.ID, &it.WorkflowID, &it.ListID, &it.UnitID, &it.Unit, &it.Year, &it.Seq, &it.Section, &it.Path, &it.Title, &it.Summary,
		&it.RuleKind, &it.RuleText, &it.Status, &it.CycleKey, &it.DueAt, &it.EscalationLevel, &it.OverdueSince, &it.LastDoneAt,
		&it.Provisional, &offices)
	if err != nil {
		return it, err
	}
	if err := json.Unmarshal(offices, &it.Offices); err != nil {
		return it, err
	}
	return it, nil
}

// ItemFilter selects items for a list page.
type ItemFilter struct {
	Scope  Scope
	Office int64  // 0: any
	Unit   int64  // 0: any
	Status string // "": any except cancelled; "open": not done/cancelled
	Query  string // substring of title or requirement
	Limit  int
	Offset int
}

// Items lists the items in scope, soonest due first (items without a due date last).
func (s *Store) Items(ctx context.Context, f ItemFilter) ([]ItemRow, error) {
	all, units, offices := f.Scope.args()
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 500
	}
	q := `SELECT ` + itemRowCols + itemFrom + ` WHERE ` + scopeCond + `
		AND ($4 = 0 OR EXISTS (SELECT 1 FROM item_offices fo WHERE fo.item_id = i.id AND fo.office_id = $4))
		AND ($5 = 0 OR l.unit_id = $5)
		AND CASE $6
		      WHEN '' THEN i.status <> 'cancelled'
		      WHEN 'open' THEN i.status <> 'cancelled' AND COALESCE(s.status, 'pending') NOT IN ('done', 'cancelled')
		      ELSE COALESCE(s.status, CASE WHEN i.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END) = $6 END
		AND ($7 = '' OR strpos(i.title, $7) > 0 OR strpos(i.requirement, $7) > 0)
		ORDER BY s.due_at ASC NULLS LAST, l.year DESC, i.list_id, i.seq
		LIMIT $8 OFFSET $9`
	rows, err := s.Pool.Query(ctx, q, all, units, offices, f.Office, f.Unit, f.Status, strings.TrimSpace(f.Query), f.Limit, f.Offset)
	return collect(rows, err, "items", scanItemRow)
}

// ItemDetail is everything the item page shows.
type ItemDetail struct {
	ItemRow
	ListTitle   string          `json:"list_title"`
	Requirement string          `json:"requirement"`
	Rule        json.RawMessage `json:"rule"`
	Groups      []string        `json:"groups"`
	SourceFile  string          `json:"source_file"`
	SourceRow   int             `json:"source_row"`
	ItemStatus  string          `json:"item_status"` // active or cancelled (the list's view)
	Cycles      []CycleView     `json:"cycles"`
	Events      []EventView     `json:"events"`
}

// CycleView is one cycle of an item as its workflow reported it.
type CycleView struct {
	Key             string     `json:"key"`
	StartsAt        *time.Time `json:"starts_at,omitempty"`
	DueAt           *time.Time `json:"due_at,omitempty"`
	OriginalDueAt   *time.Time `json:"original_due_at,omitempty"`
	Status          string     `json:"status"`
	Required        int        `json:"required"`
	Completions     int        `json:"completions"`
	DoneAt          *time.Time `json:"done_at,omitempty"`
	Late            bool       `json:"late"`
	EscalationLevel int        `json:"escalation_level"`
	EventTitle      string     `json:"event_title,omitempty"`
	EvidenceURL     string     `json:"evidence_url,omitempty"`
	Note            string     `json:"note,omitempty"`
	DoneBy          string     `json:"done_by,omitempty"`
}

// EventView is one entry of an item's history.
type EventView struct {
	Seq      int64           `json:"seq"`
	Kind     string          `json:"kind"`
	CycleKey string          `json:"cycle,omitempty"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Detail   json.RawMessage `json:"detail"`
}

// Item returns one item with its cycles and history.
func (s *Store) Item(ctx context.Context, id int64) (*ItemDetail, error) {
	var d ItemDetail
	var offices []byte
	err := s.Pool.QueryRow(ctx, `SELECT `+itemRowCols+`, l.title, i.requirement, i.rule, i.groups, i.source_file, i.source_row, i.status`+
		itemFrom+` WHERE i.id = $1`, id).Scan(&d.ID, &d.WorkflowID, &d.ListID, &d.UnitID, &d.Unit, &d.Year, &d.Seq, &d.Section, &d.Path, &d.Title, &d.Summary,
		&d.RuleKind, &d.RuleText, &d.Status, &d.CycleKey, &d.DueAt, &d.EscalationLevel, &d.OverdueSince, &d.LastDoneAt,
		&d.Provisional, &offices, &d.ListTitle, &d.Requirement, &d.Rule, &d.Groups, &d.SourceFile, &d.SourceRow, &d.ItemStatus)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("item", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: item %d: %w", id, err)
	}
	if err := json.Unmarshal(offices, &d.Offices); err != nil {
		return nil, fmt.Errorf("store: item %d offices: %w", id, err)
	}
	rows, err := s.Pool.Query(ctx, `SELECT cycle_key, starts_at, due_at, original_due_at, status, required, completions, done_at, late, escalation_level,
		       event_title, evidence_url, note, done_by
		FROM item_cycles WHERE item_id = $1 ORDER BY due_at NULLS LAST, cycle_key`, id)
	if err != nil {
		return nil, fmt.Errorf("store: item %d cycles: %w", id, err)
	}
	d.Cycles, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CycleView, error) {
		var c CycleView
		err := r.Scan(&c.Key, &c.StartsAt, &c.DueAt, &c.OriginalDueAt, &c.Status, &c.Required, &c.Completions, &c.DoneAt, &c.Late, &c.EscalationLevel,
			&c.EventTitle, &c.EvidenceURL, &c.Note, &c.DoneBy)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: item %d cycles: %w", id, err)
	}
	rows, err = s.Pool.Query(ctx, `SELECT seq, kind, cycle_key, at, actor, detail FROM item_events WHERE item_id = $1 ORDER BY at DESC, seq DESC LIMIT 200`, id)
	if err != nil {
		return nil, fmt.Errorf("store: item %d events: %w", id, err)
	}
	d.Events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (EventView, error) {
		var e EventView
		err := r.Scan(&e.Seq, &e.Kind, &e.CycleKey, &e.At, &e.Actor, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: item %d events: %w", id, err)
	}
	if d.Groups == nil {
		d.Groups = []string{}
	}
	return &d, nil
}

// ItemScope is what authorisation needs to know of an item: its unit and offices.
type ItemScope struct {
	ItemID     int64
	WorkflowID string
	UnitID     int64
	Offices    []int64
}

// ItemScopeOf looks up an item's unit and offices.
func (s *Store) ItemScopeOf(ctx context.Context, id int64) (*ItemScope, error) {
	sc := ItemScope{ItemID: id}
	err := s.Pool.QueryRow(ctx, `SELECT i.workflow_id, l.unit_id,
		COALESCE((SELECT array_agg(office_id ORDER BY office_id) FROM item_offices WHERE item_id = i.id), '{}')
		FROM items i JOIN lists l ON l.id = i.list_id WHERE i.id = $1`, id).Scan(&sc.WorkflowID, &sc.UnitID, &sc.Offices)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("item", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: item %d: %w", id, err)
	}
	return &sc, nil
}

// ItemIDByWorkflow finds the item of a workflow ID (signed links name workflows).
func (s *Store) ItemIDByWorkflow(ctx context.Context, workflowID string) (int64, error) {
	var id int64
	err := s.Pool.QueryRow(ctx, `SELECT id FROM items WHERE workflow_id = $1`, workflowID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFound("item workflow", workflowID)
	}
	return id, err
}

// OfficeUnitOf returns the unit of an office.
func (s *Store) OfficeUnitOf(ctx context.Context, officeID int64) (int64, error) {
	var unit int64
	err := s.Pool.QueryRow(ctx, `SELECT unit_id FROM offices WHERE id = $1`, officeID).Scan(&unit)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFound("office", officeID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: office %d: %w", officeID, err)
	}
	return unit, nil
}

// UnitExists reports an error wrapping ErrNotFound for an unknown unit.
func (s *Store) UnitExists(ctx context.Context, unitID int64) error {
	var ok bool
	if err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM units WHERE id = $1)`, unitID).Scan(&ok); err != nil {
		return fmt.Errorf("store: unit %d: %w", unitID, err)
	}
	if !ok {
		return notFound("unit", unitID)
	}
	return nil
}

// OfficeRow is an office with its unit, for menus and the directory page.
type OfficeRow struct {
	ID      int64    `json:"id"`
	UnitID  int64    `json:"unit_id"`
	Unit    string   `json:"unit"`
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
	Items   int      `json:"items"` // active items it is responsible for
}

// OfficesInScope lists the offices a scope covers, by unit and name.
func (s *Store) OfficesInScope(ctx context.Context, sc Scope) ([]OfficeRow, error) {
	all, units, offices := sc.args()
	rows, err := s.Pool.Query(ctx, `
		SELECT o.id, o.unit_id, u.name, o.name, o.aliases,
		       (SELECT count(*) FROM item_offices io JOIN items i ON i.id = io.item_id WHERE io.office_id = o.id AND i.status = 'active')
		FROM offices o JOIN units u ON u.id = o.unit_id
		WHERE $1::bool OR o.unit_id = ANY($2::bigint[]) OR o.id = ANY($3::bigint[])
		ORDER BY u.name, o.name`, all, units, offices)
	return collect(rows, err, "offices", func(r pgx.Row) (OfficeRow, error) {
		var o OfficeRow
		err := r.Scan(&o.ID, &o.UnitID, &o.Unit, &o.Name, &o.Aliases, &o.Items)
		return o, err
	})
}

// UnitRow is a unit with its policy override.
type UnitRow struct {
	ID     int64           `json:"id"`
	Name   string          `json:"name"`
	Policy json.RawMessage `json:"policy,omitempty"`
}

// UnitsInScope lists the units a scope covers (for office users, the units of their offices).
func (s *Store) UnitsInScope(ctx context.Context, sc Scope) ([]UnitRow, error) {
	all, units, offices := sc.args()
	rows, err := s.Pool.Query(ctx, `SELECT u.id, u.name, u.policy FROM units u
		WHERE $1::bool OR u.id = ANY($2::bigint[]) OR EXISTS (SELECT 1 FROM offices o WHERE o.unit_id = u.id AND o.id = ANY($3::bigint[]))
		ORDER BY u.name`, all, units, offices)
	return collect(rows, err, "units", func(r pgx.Row) (UnitRow, error) {
		var u UnitRow
		err := r.Scan(&u.ID, &u.Name, &u.Policy)
		return u, err
	})
}

// SetUnitPolicy replaces a unit's reminder and escalation policy (JSON of schedule.Policy,
// validated by the caller); nil restores the defaults.
func (s *Store) SetUnitPolicy(ctx context.Context, unitID int64, policy json.RawMessage, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var p any
		if len(policy) > 0 {
			p = policy
		}
		tag, err := tx.Exec(ctx, `UPDATE units SET policy = $2 WHERE id = $1`, unitID, p)
		if err != nil {
			return fmt.Errorf("store: unit %d policy: %w", unitID, err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("unit", unitID)
		}
		a.Action, a.ObjectType, a.ObjectID = "unit.policy", "unit", fmt.Sprint(unitID)
		if len(policy) > 0 {
			a.Detail = map[string]any{"policy": json.RawMessage(policy)}
		} else {
			a.Detail = map[string]any{"policy": nil}
		}
		return writeAudit(ctx, tx, a)
	})
}

// CalendarEntry is one due date in an office's iCalendar feed.
type CalendarEntry struct {
	ItemID      int64
	Title       string
	Requirement string
	CycleKey    string
	DueAt       time.Time
	DoneAt      *time.Time
	Status      string
	Role        string
	UpdatedAt   time.Time
}

// OfficeCalendar lists the due dates of an office's active items from since on: each cycle the
// workflows reported, or the item's current due date when no cycle is known yet.
func (s *Store) OfficeCalendar(ctx context.Context, officeID int64, since time.Time) ([]CalendarEntry, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT i.id, i.title, i.requirement, c.cycle_key, c.due_at, c.done_at, c.status, io.role, c.updated_at
		FROM item_offices io
		JOIN items i ON i.id = io.item_id AND i.status = 'active'
		JOIN item_cycles c ON c.item_id = i.id
		WHERE io.office_id = $1 AND c.due_at >= $2
		UNION ALL
		SELECT i.id, i.title, i.requirement, s.cycle_key, s.due_at, NULL, s.status, io.role, s.updated_at
		FROM item_offices io
		JOIN items i ON i.id = io.item_id AND i.status = 'active'
		JOIN item_state s ON s.item_id = i.id
		WHERE io.office_id = $1 AND s.due_at >= $2
		  AND NOT EXISTS (SELECT 1 FROM item_cycles c WHERE c.item_id = i.id)
		ORDER BY 5, 1
		LIMIT 5000`, officeID, since)
	return collect(rows, err, fmt.Sprintf("calendar of office %d", officeID), func(r pgx.Row) (CalendarEntry, error) {
		var e CalendarEntry
		err := r.Scan(&e.ItemID, &e.Title, &e.Requirement, &e.CycleKey, &e.DueAt, &e.DoneAt, &e.Status, &e.Role, &e.UpdatedAt)
		return e, err
	})
}

// OfficeName returns an office's name with its unit's.
func (s *Store) OfficeName(ctx context.Context, officeID int64) (unit, office string, err error) {
	err = s.Pool.QueryRow(ctx, `SELECT u.name, o.name FROM offices o JOIN units u ON u.id = o.unit_id WHERE o.id = $1`, officeID).Scan(&unit, &office)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", notFound("office", officeID)
	}
	if err != nil {
		return "", "", fmt.Errorf("store: office %d: %w", officeID, err)
	}
	return unit, office, nil
}

// ListUpload is a list file kept between its preview and its confirmation.
type ListUpload struct {
	Token        string
	UserID       int64
	UnitID       int64
	Year         int
	FileName     string
	Data         []byte
	Options      json.RawMessage
	BaseRevision int
	CreatedAt    time.Time
}

// SaveListUpload keeps an uploaded file for its confirmation and drops uploads older than a day.
func (s *Store) SaveListUpload(ctx context.Context, u ListUpload) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM list_uploads WHERE created_at < now() - interval '1 day'`); err != nil {
			return fmt.Errorf("store: prune uploads: %w", err)
		}
		var uid *int64
		if u.UserID != 0 {
			uid = &u.UserID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO list_uploads (token, user_id, unit_id, year, file_name, data, options, base_revision)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, u.Token, uid, u.UnitID, u.Year, u.FileName, u.Data, u.Options, u.BaseRevision); err != nil {
			return fmt.Errorf("store: save upload %s: %w", u.FileName, err)
		}
		return nil
	})
}

// ListUploadByToken returns a kept upload.
func (s *Store) ListUploadByToken(ctx context.Context, token string) (*ListUpload, error) {
	var u ListUpload
	var uid *int64
	err := s.Pool.QueryRow(ctx, `SELECT token, user_id, unit_id, year, file_name, data, options, base_revision, created_at
		FROM list_uploads WHERE token = $1 AND created_at > now() - interval '1 day'`, token).
		Scan(&u.Token, &uid, &u.UnitID, &u.Year, &u.FileName, &u.Data, &u.Options, &u.BaseRevision, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("list upload", token)
	}
	if err != nil {
		return nil, fmt.Errorf("store: upload: %w", err)
	}
	if uid != nil {
		u.UserID = *uid
	}
	return &u, nil
}

// DeleteListUpload forgets an upload once committed.
func (s *Store) DeleteListUpload(ctx context.Context, token string) error {
	_, err := s.Pool.Exec(ctx, `DELETE FROM list_uploads WHERE token = $1`, token)
	return err
}

// ListSummary is a list with its unit and item counts, for the lists page.
type ListSummary struct {
	ID        int64     `json:"id"`
	UnitID    int64     `json:"unit_id"`
	Unit      string    `json:"unit"`
	Year      int       `json:"year"`
	Title     string    `json:"title"`
	Revision  int       `json:"revision"`
	Active    int       `json:"active"`
	Cancelled int       `json:"cancelled"`
	Pending   int       `json:"pending_sync"` // revisions not yet passed to the workflows
	UpdatedAt time.Time `json:"updated_at"`
}

// ListSummaries lists every list, newest year first.
func (s *Store) ListSummaries(ctx context.Context) ([]ListSummary, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT l.id, l.unit_id, u.name, l.year, l.title, l.revision,
		       count(i.id) FILTER (WHERE i.status = 'active'), count(i.id) FILTER (WHERE i.status = 'cancelled'),
		       count(i.id) FILTER (WHERE i.synced_rev < i.updated_rev), l.updated_at
		FROM lists l JOIN units u ON u.id = l.unit_id LEFT JOIN items i ON i.list_id = l.id
		GROUP BY l.id, u.name ORDER BY l.year DESC, u.name`)
	return collect(rows, err, "lists", func(r pgx.Row) (ListSummary, error) {
		var l ListSummary
		err := r.Scan(&l.ID, &l.UnitID, &l.Unit, &l.Year, &l.Title, &l.Revision, &l.Active, &l.Cancelled, &l.Pending, &l.UpdatedAt)
		return l, err
	})
}

// SetListUploadBase records the revision a kept upload was previewed against, once its preview
// came out clean.
func (s *Store) SetListUploadBase(ctx context.Context, token string, base int) error {
	_, err := s.Pool.Exec(ctx, `UPDATE list_uploads SET base_revision = $2 WHERE token = $1`, token, base)
	return err
}

// OfficeOption is an office in a filter menu.
type OfficeOption struct {
	ID     int64  `json:"id"`
	UnitID int64  `json:"unit_id"`
	Unit   string `json:"unit"`
	Name   string `json:"name"`
}

// OfficeOptions lists the offices of a scope for a filter menu, cheaply (no counts): the offices
// of unit when it is set, else of the scope; nothing for an unfiltered admin, who picks a unit
// first (a menu of every office of a large installation helps nobody).
func (s *Store) OfficeOptions(ctx context.Context, sc Scope, unit int64) ([]OfficeOption, error) {
	if sc.All && unit == 0 {
		return nil, nil
	}
	all, units, offices := sc.args()
	rows, err := s.Pool.Query(ctx, `
		SELECT o.id, o.unit_id, u.name, o.name FROM offices o JOIN units u ON u.id = o.unit_id
		WHERE ($1::bool OR o.unit_id = ANY($2::bigint[]) OR o.id = ANY($3::bigint[])) AND ($4 = 0 OR o.unit_id = $4)
		ORDER BY u.name, o.name LIMIT 1000`, all, units, offices, unit)
	return collect(rows, err, "office options", func(r pgx.Row) (OfficeOption, error) {
		var o OfficeOption
		return o, r.Scan(&o.ID, &o.UnitID, &o.Unit, &o.Name)
	})
}

// SetListUploadOptions replaces the options (and corrections) a kept upload is read with.
func (s *Store) SetListUploadOptions(ctx context.Context, token string, options []byte) error {
	tag, err := s.Pool.Exec(ctx, `UPDATE list_uploads SET options = $2 WHERE token = $1`, token, options)
	if err != nil {
		return fmt.Errorf("store: upload options: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: upload %s: %w", "…"+token[max(0, len(token)-4):], ErrNotFound)
	}
	return nil
}
