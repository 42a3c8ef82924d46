package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zwgk/zwgk/schedule"
)

// ItemOffice is an office responsible for an item.
type ItemOffice struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"` // lead or co
}

// ItemDef is what an item workflow needs to know about its item: the definition from the
// imported list and the policies that apply to it.
type ItemDef struct {
	ItemID      int64
	ListID      int64
	UnitID      int64
	Unit        string
	Year        int
	WorkflowID  string
	Title       string
	Requirement string
	Status      string // active or cancelled
	Rule        schedule.Rule
	// Raw JSON policy overrides, merged over the default by the schedule package.
	UnitPolicy json.RawMessage
	ItemPolicy json.RawMessage
	Offices    []ItemOffice
	Groups     []string
	// GraceUntil: a late import's "track from today" (zero: escalate as the list says).
	GraceUntil time.Time
}

// ItemForWorkflow loads an item's definition by id.
func (s *Store) ItemForWorkflow(ctx context.Context, itemID int64) (ItemDef, error) {
	var d ItemDef
	var rule []byte
	var grace *time.Time
	err := s.Pool.QueryRow(ctx, `
		SELECT i.id, i.list_id, l.unit_id, u.name, l.year, i.workflow_id, i.title, i.requirement,
		       i.status, i.rule, u.policy, i.policy, i.groups, i.grace_until
		FROM items i JOIN lists l ON l.id = i.list_id JOIN units u ON u.id = l.unit_id
		WHERE i.id = $1`, itemID).Scan(&d.ItemID, &d.ListID, &d.UnitID, &d.Unit, &d.Year, &d.WorkflowID,
		&d.Title, &d.Requirement, &d.Status, &rule, &d.UnitPolicy, &d.ItemPolicy, &d.Groups, &grace)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, notFound("item", itemID)
	}
	if err != nil {
		return d, fmt.Errorf("store: item %d: %w", itemID, err)
	}
	if err := json.Unmarshal(rule, &d.Rule); err != nil {
		return d, fmt.Errorf("store: item %d rule: %w", itemID, err)
	}
	if grace != nil {
		d.GraceUntil = *grace
	}
	d.Offices, err = s.itemOffices(ctx, itemID)
	return d, err
}

func (s *Store) itemOffices(ctx context.Context, itemID int64) ([]ItemOffice, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT o.id, o.name, io.role FROM item_offices io JOIN offices o ON o.id = io.office_id
		WHERE io.item_id = $1 ORDER BY io.role DESC, o.name`, itemID) // 'lead' sorts after 'co'; DESC puts leads first
	return collect(rows, err, fmt.Sprintf("offices of item %d", itemID), func(r pgx.Row) (ItemOffice, error) {
		var o ItemOffice
		return o, r.Scan(&o.ID, &o.Name, &o.Role)
	})
}

// SetItemOffices replaces the offices of an item (a reassignment). Every office must belong to
// the item's unit.
func (s *Store) SetItemOffices(ctx context.Context, itemID int64, offices []ItemOffice) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var unitID int64
		err := tx.QueryRow(ctx, `SELECT l.unit_id FROM items i JOIN lists l ON l.id = i.list_id WHERE i.id = $1`, itemID).Scan(&unitID)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("item", itemID)
		}
		if err != nil {
			return fmt.Errorf("store: item %d: %w", itemID, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM item_offices WHERE item_id = $1`, itemID); err != nil {
			return fmt.Errorf("store: reassign item %d: %w", itemID, err)
		}
		for _, o := range offices {
			tag, err := tx.Exec(ctx, `
				INSERT INTO item_offices (item_id, office_id, role)
				SELECT $1, id, $3 FROM offices WHERE id = $2 AND unit_id = $4`, itemID, o.ID, o.Role, unitID)
			if err != nil {
				return fmt.Errorf("store: reassign item %d to office %d: %w", itemID, o.ID, err)
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("store: reassign item %d: office %d of unit %d: %w", itemID, o.ID, unitID, ErrNotFound)
			}
		}
		return nil
	})
}

func (a *EventAudit) entry(itemID int64, actor string) Audit {
	out := Audit{UserID: a.UserID, Actor: a.Actor, IP: a.IP, Action: a.Action, ObjectType: "item", ObjectID: fmt.Sprint(itemID)}
	if out.Actor == "" {
		out.Actor = actor
	}
	if len(a.Detail) > 0 {
		out.Detail = a.Detail
	}
	return out
}

// ItemStateRow is the item_state projection.
type ItemStateRow struct {
	Status       string
	Paused       bool
	CycleKey     string
	DueAt        time.Time
	Level        int
	OverdueSince time.Time
	LastDoneAt   time.Time
	Provisional  bool
}

// CycleRow is one item_cycles row.
type CycleRow struct {
	Key         string
	Start       time.Time
	Due         time.Time
	OriginalDue time.Time
	Status      string
	Required    int
	Completions int
	DoneAt      time.Time
	Late        bool
	Level       int
	EventTitle  string
	EvidenceURL string
	Note        string
	DoneBy      string
}

// EventRow is one entry of an item's history.
type EventRow struct {
	Seq      int64
	Kind     string
	CycleKey string
	At       time.Time
	Actor    string
	Detail   map[string]any
	// Audit is the audit entry of the command that made this change, written in the transaction
	// that writes the row, so that a change PostgreSQL shows is never unaudited; nil for the
	// changes the workflow makes by itself (overdue, escalated) and for the importer's.
	Audit *EventAudit `json:",omitempty"`
}

// EventAudit is what the web knows of a command and the item workflow carries to its history
// row: the audit entry, less the object (the row's item).
type EventAudit struct {
	UserID int64           `json:"user_id,omitempty"`
	Actor  string          `json:"actor"`
	IP     string          `json:"ip,omitempty"`
	Action string          `json:"action"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// NoticePlan is one planned message of a cycle.
type NoticePlan struct {
	Kind   string // reminder, due, overdue, escalation
	Level  int
	Offset int
	Target string // contact, head, supervisor
	At     time.Time
	Urgent bool
}

// CyclePlan plans notices of one cycle. A full plan (Replace) drops the cycle's pending notices
// it does not contain; otherwise its notices are added to those already planned ("still
// overdue" repeats planned one at a time).
type CyclePlan struct {
	CycleKey string
	Due      time.Time
	Replace  bool
	Notices  []NoticePlan
}

// ItemSync is one state change of an item workflow: everything it wants PostgreSQL to show.
type ItemSync struct {
	WorkflowID string
	ItemID     int64
	Seq        int64
	State      ItemStateRow
	Cycles     []CycleRow
	Events     []EventRow
	Plans      []CyclePlan
	// DropCycles drops the pending notices of these cycles (done, cancelled); DropAll of every cycle.
	DropCycles []string
	DropAll    bool
	DropReason string
}

// SyncItem applies a workflow's state change in one transaction. Rows carry the workflow's
// sequence number: a write older than what is stored is ignored, and history events are keyed
// by (workflow_id, seq), so replays and retries are harmless. It returns the earliest instant
// among newly planned notices when that is earlier than the dispatcher's wake-up, meaning the
// caller must wake the dispatcher; zero otherwise.
func (s *Store) SyncItem(ctx context.Context, in ItemSync) (wakeDispatcher time.Time, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		st := in.State
		if _, err := tx.Exec(ctx, `
			INSERT INTO item_state (item_id, workflow_id, seq, status, paused, cycle_key, due_at, escalation_level,
			                        overdue_since, last_done_at, provisional, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
			ON CONFLICT (item_id) DO UPDATE SET
				workflow_id = EXCLUDED.workflow_id, seq = EXCLUDED.seq, status = EXCLUDED.status,
				paused = EXCLUDED.paused, cycle_key = EXCLUDED.cycle_key, due_at = EXCLUDED.due_at,
				escalation_level = EXCLUDED.escalation_level, overdue_since = EXCLUDED.overdue_since,
				last_done_at = EXCLUDED.last_done_at, provisional = EXCLUDED.provisional, updated_at = now()
			WHERE item_state.seq < EXCLUDED.seq`,
			in.ItemID, in.WorkflowID, in.Seq, st.Status, st.Paused, st.CycleKey, nullTime(st.DueAt), st.Level,
			nullTime(st.OverdueSince), nullTime(st.LastDoneAt), st.Provisional); err != nil {
			return fmt.Errorf("store: item %d state: %w", in.ItemID, err)
		}
		for _, c := range in.Cycles {
			if _, err := tx.Exec(ctx, `
				INSERT INTO item_cycles (item_id, cycle_key, seq, starts_at, due_at, original_due_at, status, required,
				                         completions, done_at, late, escalation_level, event_title, evidence_url, note, done_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
				ON CONFLICT (item_id, cycle_key) DO UPDATE SET
					seq = EXCLUDED.seq, starts_at = EXCLUDED.starts_at, due_at = EXCLUDED.due_at,
					original_due_at = EXCLUDED.original_due_at, status = EXCLUDED.status, required = EXCLUDED.required,
					completions = EXCLUDED.completions, done_at = EXCLUDED.done_at, late = EXCLUDED.late,
					escalation_level = EXCLUDED.escalation_level, event_title = EXCLUDED.event_title,
					evidence_url = EXCLUDED.evidence_url, note = EXCLUDED.note, done_by = EXCLUDED.done_by, updated_at = now()
				WHERE item_cycles.seq < EXCLUDED.seq`,
				in.ItemID, c.Key, in.Seq, c.Start, c.Due, c.OriginalDue, c.Status, c.Required, c.Completions,
				nullTime(c.DoneAt), c.Late, c.Level, c.EventTitle, c.EvidenceURL, c.Note, c.DoneBy); err != nil {
				return fmt.Errorf("store: item %d cycle %s: %w", in.ItemID, c.Key, err)
			}
		}
		for _, e := range in.Events {
			detail, err := json.Marshal(e.Detail)
			if err != nil {
				return fmt.Errorf("store: item %d event %d: %w", in.ItemID, e.Seq, err)
			}
			if e.Detail == nil {
				detail = []byte("{}")
			}
			var seq int64
			err = tx.QueryRow(ctx, `
				INSERT INTO item_events (workflow_id, seq, item_id, kind, cycle_key, at, actor, detail)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING seq`,
				in.WorkflowID, e.Seq, in.ItemID, e.Kind, e.CycleKey, e.At, e.Actor, detail).Scan(&seq)
			if errors.Is(err, pgx.ErrNoRows) {
				// written by an earlier try of this sync, with its audit entry
				continue
			}
			if err != nil {
				return fmt.Errorf("store: item %d event %d: %w", in.ItemID, e.Seq, err)
			}
			if e.Audit != nil {
				if err := writeAudit(ctx, tx, e.Audit.entry(in.ItemID, e.Actor)); err != nil {
					return fmt.Errorf("store: item %d event %d: %w", in.ItemID, e.Seq, err)
				}
			}
		}
		if in.DropAll || len(in.DropCycles) > 0 {
			if _, err := tx.Exec(ctx, `
				UPDATE notices SET status = 'dropped', reason = $4
				WHERE workflow_id = $1 AND status = 'pending' AND seq <= $2 AND ($3 OR cycle_key = ANY($5))`,
				in.WorkflowID, in.Seq, in.DropAll, in.DropReason, in.DropCycles); err != nil {
				return fmt.Errorf("store: item %d drop notices: %w", in.ItemID, err)
			}
		}
		var earliest time.Time
		for _, p := range in.Plans {
			at, err := planNotices(ctx, tx, noticeOwner{"item_id", "item", in.ItemID}, in.WorkflowID, in.Seq, p)
			if err != nil {
				return err
			}
			earliest = earlier(earliest, at)
		}
		if earliest.IsZero() {
			return nil
		}
		var err error
		wakeDispatcher, err = moveWake(ctx, tx, earliest)
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return wakeDispatcher, nil
}

// noticeOwner is what a workflow's notices belong to: the column naming it (a constant, never
// input) and how errors name it.
type noticeOwner struct {
	column, what string
	id           int64
}

// planNotices writes one cycle's plan of a workflow's notices, for an item and an application
// alike. A full plan drops the cycle's pending notices it does not contain; the ones it
// contains are inserted or, if pending or dropped and not newer than seq, retimed. It returns
// the earliest notice left pending (zero if none), for the dispatcher's wake-up.
func planNotices(ctx context.Context, tx pgx.Tx, o noticeOwner, workflowID string, seq int64, p CyclePlan) (time.Time, error) {
	if p.Replace {
		if _, err := tx.Exec(ctx, `
			UPDATE notices SET status = 'dropped', reason = 'replanned'
			WHERE workflow_id = $1 AND cycle_key = $2 AND status = 'pending' AND seq < $3`,
			workflowID, p.CycleKey, seq); err != nil {
			return time.Time{}, fmt.Errorf("store: %s %d plan %s: %w", o.what, o.id, p.CycleKey, err)
		}
	}
	var earliest time.Time
	for _, n := range p.Notices {
		var at time.Time
		var pending bool
		err := tx.QueryRow(ctx, `
			INSERT INTO notices (`+o.column+`, workflow_id, cycle_key, due_at, kind, level, "offset", target, at, urgent, seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (workflow_id, cycle_key, due_at, kind, level, "offset", target) DO UPDATE SET
				at = EXCLUDED.at, urgent = EXCLUDED.urgent, seq = EXCLUDED.seq, status = 'pending', reason = ''
			WHERE notices.status IN ('pending', 'dropped') AND notices.seq <= EXCLUDED.seq
			RETURNING at, status = 'pending'`,
			o.id, workflowID, p.CycleKey, p.Due, n.Kind, n.Level, n.Offset, n.Target, n.At, n.Urgent, seq).Scan(&at, &pending)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // already sent or claimed: never again
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("store: %s %d notice %s/%s: %w", o.what, o.id, p.CycleKey, n.Kind, err)
		}
		if pending {
			earliest = earlier(earliest, at)
		}
	}
	return earliest, nil
}

// earlier is the earlier of two times, a zero one standing for none.
func earlier(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

// moveWake brings the dispatcher's wake-up forward to at when at is not later, in the
// transaction that planned the notices, and returns at when the dispatcher must be poked (zero
// otherwise). >= rather than >: a retried activity that already moved the wake-up must still
// poke, or the poke lost with the crashed attempt would never be sent.
func moveWake(ctx context.Context, tx pgx.Tx, at time.Time) (time.Time, error) {
	var wake *time.Time
	if err := tx.QueryRow(ctx, `SELECT wake_at FROM dispatch_wake WHERE id = 1 FOR UPDATE`).Scan(&wake); err != nil {
		return time.Time{}, fmt.Errorf("store: dispatcher wake-up: %w", err)
	}
	if wake != nil && at.After(*wake) {
		return time.Time{}, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE dispatch_wake SET wake_at = $1 WHERE id = 1`, at); err != nil {
		return time.Time{}, fmt.Errorf("store: dispatcher wake-up: %w", err)
	}
	return at, nil
}

// NextNoticeAt returns the time of the earliest pending notice and records it as the
// dispatcher's wake-up, in one transaction with the planners' check. ok is false when nothing
// is pending.
func (s *Store) NextNoticeAt(ctx context.Context) (at time.Time, ok bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM dispatch_wake WHERE id = 1 FOR UPDATE`); err != nil {
			return err
		}
		var next *time.Time
		if err := tx.QueryRow(ctx, `SELECT min(at) FROM notices WHERE status = 'pending'`).Scan(&next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE dispatch_wake SET wake_at = $1 WHERE id = 1`, next); err != nil {
			return err
		}
		if next != nil {
			at, ok = *next, true
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: next notice: %w", err)
	}
	return at, ok, nil
}

// ClaimNotices marks every pending notice due by cutoff as claimed under key, so that a retry
// of the same dispatch works on exactly the same set and later notices wait for the next one.
// It returns how many notices the key holds.
func (s *Store) ClaimNotices(ctx context.Context, key string, cutoff time.Time) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE notices SET status = 'claimed', dispatch_key = $1, dispatch_cutoff = $2
			WHERE status = 'pending' AND at <= $2`, key, cutoff); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM notices WHERE dispatch_key = $1`, key).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: claim notices %s: %w", key, err)
	}
	return n, nil
}

// StaleDispatch is a dispatch whose notices are still claimed by a dispatcher run other than
// the current one: a run that was terminated or whose Temporal database was lost.
type StaleDispatch struct {
	Key    string
	Cutoff time.Time
}

// StaleDispatches lists the dispatches holding claimed notices whose key does not start with
// prefix (the current run's). A run finishes its dispatch before it continues as new, so any
// such claim belongs to a run that will never finish it.
func (s *Store) StaleDispatches(ctx context.Context, prefix string) ([]StaleDispatch, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT dispatch_key, min(dispatch_cutoff) FROM notices
		WHERE status = 'claimed' AND NOT starts_with(dispatch_key, $1)
		GROUP BY dispatch_key ORDER BY 2, 1`, prefix)
	return collect(rows, err, "stale dispatches", func(r pgx.Row) (StaleDispatch, error) {
		var d StaleDispatch
		return d, r.Scan(&d.Key, &d.Cutoff)
	})
}

// Notice is a claimed notice with what a message about it needs.
type Notice struct {
	ID          int64
	ItemID      int64
	Unit        string
	Title       string
	Requirement string
	Offices     []string // the item's offices, leads first
	CycleKey    string
	Kind        string
	Level       int
	Offset      int
	Target      string
	At          time.Time
	Urgent      bool
	CycleDue    time.Time // the cycle's due now (an extension may have moved it)
	CycleStatus string    // item_cycles.status now
	ItemPaused  bool
	ItemActive  bool

	// ApplicationID is set, and ItemID zero, for a notice about a 政府信息公开申请
	// (ClaimedApplicationNotices).
	ApplicationID int64
	// UnitID is set, and ItemID zero, for a unit's monthly 通报 to one supervisor
	// (ClaimedTongbaoNotices); Requirement then holds its figures.
	UnitID int64
}

// ClaimedNotices lists the notices held by a dispatch key that are not yet settled, with the
// current state of their items so that the dispatcher can drop what no longer applies.
func (s *Store) ClaimedNotices(ctx context.Context, key string) ([]Notice, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT n.id, n.item_id, u.name, i.title, i.requirement,
		       coalesce((SELECT array_agg(o.name ORDER BY io.role = 'lead' DESC, o.name)
		                 FROM item_offices io JOIN offices o ON o.id = io.office_id WHERE io.item_id = i.id), '{}'),
		       n.cycle_key, n.kind, n.level, n."offset", n.target, n.at, n.urgent,
		       coalesce(c.due_at, n.due_at), coalesce(c.status, ''), coalesce(st.paused, false), i.status = 'active'
		FROM notices n
		JOIN items i ON i.id = n.item_id
		JOIN lists l ON l.id = i.list_id
		JOIN units u ON u.id = l.unit_id
		LEFT JOIN item_cycles c ON c.item_id = n.item_id AND c.cycle_key = n.cycle_key
		LEFT JOIN item_state st ON st.item_id = n.item_id
		WHERE n.dispatch_key = $1 AND n.status = 'claimed'
		ORDER BY n.at, n.item_id, n.id`, key)
	return collect(rows, err, "notices of "+key, func(r pgx.Row) (Notice, error) {
		var n Notice
		err := r.Scan(&n.ID, &n.ItemID, &n.Unit, &n.Title, &n.Requirement, &n.Offices, &n.CycleKey,
			&n.Kind, &n.Level, &n.Offset, &n.Target, &n.At, &n.Urgent, &n.CycleDue, &n.CycleStatus,
			&n.ItemPaused, &n.ItemActive)
		return n, err
	})
}

// SettleNotices marks notices sent or dropped (with a reason).
func (s *Store) SettleNotices(ctx context.Context, ids []int64, status, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	if status != "sent" && status != "dropped" {
		return fmt.Errorf("store: settle notices: status %q", status)
	}
	if _, err := s.Pool.Exec(ctx, `
		UPDATE notices SET status = $2, reason = $3, sent_at = CASE WHEN $2 = 'sent' THEN now() END
		WHERE id = ANY($1) AND status = 'claimed'`, ids, status, reason); err != nil {
		return fmt.Errorf("store: settle notices: %w", err)
	}
	return nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ItemProgress is what PostgreSQL remembers of an item workflow: enough for a fresh run (after
// a re-added item, or a Temporal database lost and rebuilt) to resume rather than start over.
type ItemProgress struct {
	Seq           int64
	TrackingStart time.Time
	Cycles        []CycleRow
	Paused        bool
}

// ItemProgressOf reads an item's recorded progress; Seq is 0 when nothing was recorded.
func (s *Store) ItemProgressOf(ctx context.Context, itemID int64) (ItemProgress, error) {
	var p ItemProgress
	err := s.Pool.QueryRow(ctx, `
		SELECT st.seq, st.paused, coalesce((SELECT min(at) FROM item_events e WHERE e.item_id = st.item_id), st.updated_at)
		FROM item_state st WHERE st.item_id = $1`, itemID).Scan(&p.Seq, &p.Paused, &p.TrackingStart)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("store: progress of item %d: %w", itemID, err)
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT cycle_key, starts_at, due_at, original_due_at, status, required, completions,
		       done_at, late, escalation_level, event_title, evidence_url, note, done_by
		FROM item_cycles WHERE item_id = $1 ORDER BY due_at, cycle_key`, itemID)
	if err != nil {
		return p, fmt.Errorf("store: cycles of item %d: %w", itemID, err)
	}
	p.Cycles, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CycleRow, error) {
		var c CycleRow
		var done *time.Time
		err := r.Scan(&c.Key, &c.Start, &c.Due, &c.OriginalDue, &c.Status, &c.Required, &c.Completions, &done,
			&c.Late, &c.Level, &c.EventTitle, &c.EvidenceURL, &c.Note, &c.DoneBy)
		if done != nil {
			c.DoneAt = *done
		}
		return c, err
	})
	if err != nil {
		return p, fmt.Errorf("store: cycles of item %d: %w", itemID, err)
	}
	return p, nil
}

// ItemsToReconcile lists the active items whose workflow may not be running: those that never
// recorded a state (a failed start) and, with all, also those last seen in a state that is not
// final (after Temporal's database was lost).
func (s *Store) ItemsToReconcile(ctx context.Context, all bool) ([]ItemRef, error) {
	return s.itemRefs(ctx, "items to reconcile", `
		SELECT i.id, i.workflow_id FROM items i LEFT JOIN item_state st ON st.item_id = i.id
		WHERE i.status = 'active' AND (st.item_id IS NULL OR ($1 AND st.status NOT IN ('done', 'cancelled')))
		ORDER BY i.id`, all)
}

// ActiveItemsOfUnit lists the active items of a unit's lists, to tell their workflows that the
// unit's policy changed.
func (s *Store) ActiveItemsOfUnit(ctx context.Context, unitID int64) ([]ItemRef, error) {
	return s.itemRefs(ctx, fmt.Sprintf("items of unit %d", unitID), `
		SELECT i.id, i.workflow_id FROM items i JOIN lists l ON l.id = i.list_id
		WHERE l.unit_id = $1 AND i.status = 'active' ORDER BY i.id`, unitID)
}

// itemRefs runs a query of (id, workflow_id) rows.
func (s *Store) itemRefs(ctx context.Context, what, sql string, args ...any) ([]ItemRef, error) {
	rows, err := s.Pool.Query(ctx, sql, args...)
	return collect(rows, err, what, func(r pgx.Row) (ItemRef, error) {
		var it ItemRef
		return it, r.Scan(&it.ID, &it.WorkflowID)
	})
}

// SetItemPolicy replaces an item's own policy override (JSON of schedule.Policy, validated by
// the caller); nil removes it, so the unit's policy applies.
func (s *Store) SetItemPolicy(ctx context.Context, itemID int64, policy json.RawMessage) (ItemRef, error) {
	var ref ItemRef
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		ref, err = setItemPolicy(ctx, tx, itemID, policy)
		return err
	})
	return ref, err
}

func setItemPolicy(ctx context.Context, tx pgx.Tx, itemID int64, policy json.RawMessage) (ItemRef, error) {
	var p any
	if len(policy) > 0 {
		p = policy
	}
	var ref ItemRef
	err := tx.QueryRow(ctx, `UPDATE items SET policy = $2, updated_at = now() WHERE id = $1 RETURNING id, workflow_id`, itemID, p).
		Scan(&ref.ID, &ref.WorkflowID)
	if errors.Is(err, pgx.ErrNoRows) {
		return ref, notFound("item", itemID)
	}
	if err != nil {
		return ref, fmt.Errorf("store: item %d policy: %w", itemID, err)
	}
	return ref, nil
}
