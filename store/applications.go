package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/zwgk/zwgk/calendar"
)

// ApplicationNew is a 政府信息公开申请 as registered, before its workflow has run.
type ApplicationNew struct {
	UnitID           int64
	OfficeID         int64
	Ref              string
	ApplicantType    string
	ApplicantName    string
	ApplicantContact string
	Channel          string
	HandedIn         calendar.Date
	SignedFor        calendar.Date
	Confirmed        calendar.Date
	Received         calendar.Date
	Content          string
	// Due is the first reply due day, so that the register shows it before the workflow's
	// first sync.
	Due       calendar.Date
	CreatedBy string
}

// Application is one row of the register.
type Application struct {
	ID               int64         `json:"id"`
	UnitID           int64         `json:"unit_id"`
	Unit             string        `json:"unit"`
	OfficeID         int64         `json:"office_id"`
	Office           string        `json:"office"`
	Ref              string        `json:"ref,omitempty"`
	ApplicantType    string        `json:"applicant_type"`
	ApplicantName    string        `json:"applicant_name"`
	ApplicantContact string        `json:"applicant_contact,omitempty"`
	Channel          string        `json:"channel"`
	HandedIn         calendar.Date `json:"handed_in,omitzero"`
	SignedFor        calendar.Date `json:"signed_for,omitzero"`
	Confirmed        calendar.Date `json:"confirmed,omitzero"`
	Received         calendar.Date `json:"received"`
	Content          string        `json:"content"`
	ApplicationState
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// ApplicationState is what an application workflow records of its clocks.
type ApplicationState struct {
	State         string        `json:"state"`
	ClockStart    calendar.Date `json:"clock_start"`
	Due           calendar.Date `json:"due,omitzero"`
	CorrectionDue calendar.Date `json:"correction_due,omitzero"`
	ExtensionDays int           `json:"extension_days,omitempty"`
	Level         int           `json:"escalation_level,omitempty"`
	ReplyType     string        `json:"reply_type,omitempty"`
	ReplyReason   string        `json:"reply_reason,omitempty"`
	FinishedOn    calendar.Date `json:"finished_on,omitzero"`
	ClosedAt      time.Time     `json:"closed_at,omitzero"`
	Provisional   bool          `json:"provisional,omitempty"`
}

func dateArg(d calendar.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func dateOf(t *time.Time) calendar.Date {
	if t == nil {
		return calendar.Date{}
	}
	return calendar.D(t.Year(), t.Month(), t.Day())
}

// CreateApplication registers an application and returns its id. The office must belong to the
// unit: an application is handled inside the unit that received it.
func (s *Store) CreateApplication(ctx context.Context, a ApplicationNew) (int64, error) {
	id, err := insertApplication(ctx, s.Pool, a)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("store: create application: %w", err)
	}
	return id, err
}

// insertApplication writes a new application, its clock starting on the day it was received;
// an office outside the unit is not found.
func insertApplication(ctx context.Context, q rowQuerier, a ApplicationNew) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `
		INSERT INTO applications (unit_id, office_id, ref, applicant_type, applicant_name, applicant_contact, channel,
		                          handed_in, signed_for, confirmed, received, content, clock_start, due, created_by)
		SELECT $1, o.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $13, $14
		FROM offices o WHERE o.id = $2 AND o.unit_id = $1
		RETURNING id`,
		a.UnitID, a.OfficeID, strings.TrimSpace(a.Ref), a.ApplicantType, strings.TrimSpace(a.ApplicantName),
		strings.TrimSpace(a.ApplicantContact), a.Channel, dateArg(a.HandedIn), dateArg(a.SignedFor), dateArg(a.Confirmed),
		dateArg(a.Received), strings.TrimSpace(a.Content), dateArg(a.Due), a.CreatedBy).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFound("office of unit", fmt.Sprintf("%d/%d", a.UnitID, a.OfficeID))
	}
	return id, err
}

const applicationCols = `a.id, a.unit_id, u.name, a.office_id, o.name, a.ref, a.applicant_type, a.applicant_name,
	a.applicant_contact, a.channel, a.handed_in, a.signed_for, a.confirmed, a.received, a.content, a.state,
	a.clock_start, a.due, a.correction_due, a.extension_days, a.escalation_level, a.reply_type, a.reply_reason,
	a.finished_on, a.closed_at, a.provisional, a.created_by, a.created_at`

const applicationFrom = ` FROM applications a JOIN units u ON u.id = a.unit_id JOIN offices o ON o.id = a.office_id`

func scanApplication(r pgx.Row) (Application, error) {
	var a Application
	var handed, signed, confirmed, received, start, due, corr, finished, closed *time.Time
	err := r.Scan(&a.ID, &a.UnitID, &a.Unit, &a.OfficeID, &a.Office, &a.Ref, &a.ApplicantType, &a.ApplicantName,
		&a.ApplicantContact, &a.Channel, &handed, &signed, &confirmed, &received, &a.Content, &a.State,
		&start, &due, &corr, &a.ExtensionDays, &a.Level, &a.ReplyType, &a.ReplyReason,
		&finished, &closed, &a.Provisional, &a.CreatedBy, &a.CreatedAt)
	if err != nil {
		return a, err
	}
	a.HandedIn, a.SignedFor, a.Confirmed, a.Received = dateOf(handed), dateOf(signed), dateOf(confirmed), dateOf(received)
	a.ClockStart, a.Due, a.CorrectionDue, a.FinishedOn = dateOf(start), dateOf(due), dateOf(corr), dateOf(finished)
	if closed != nil {
		a.ClosedAt = *closed
	}
	return a, nil
}

// Application reads one application.
func (s *Store) Application(ctx context.Context, id int64) (Application, error) {
	a, err := scanApplication(s.Pool.QueryRow(ctx, `SELECT `+applicationCols+applicationFrom+` WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Application{}, notFound("application", id)
	}
	if err != nil {
		return Application{}, fmt.Errorf("store: application %d: %w", id, err)
	}
	return a, nil
}

// ApplicationFilter selects register rows; zero fields do not filter.
type ApplicationFilter struct {
	UnitIDs   []int64 // the units the reader may see; nil: all
	OfficeIDs []int64 // the handling offices the reader may see; nil: all
	UnitID    int64
	OfficeID  int64
	State     string // a state, or "active" for every state in which a clock may run
	Year      int    // received in this year
	Overdue   bool   // unanswered and past its due day on Today
	Today     calendar.Date
	Limit     int
}

// Applications lists the register: overdue first (most overdue first), then by due day, then
// the finished ones, newest first.
func (s *Store) Applications(ctx context.Context, f ApplicationFilter) ([]Application, error) {
	today := f.Today
	if today.IsZero() {
		today = calendar.DateOf(time.Now())
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 500
	}
	var where []string
	args := []any{today.String()}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.UnitIDs != nil {
		add("a.unit_id = ANY($?)", f.UnitIDs)
	}
	if f.OfficeIDs != nil {
		add("a.office_id = ANY($?)", f.OfficeIDs)
	}
	if f.UnitID != 0 {
		add("a.unit_id = $?", f.UnitID)
	}
	if f.OfficeID != 0 {
		add("a.office_id = $?", f.OfficeID)
	}
	switch f.State {
	case "":
	case "active":
		where = append(where, "a.finished_on IS NULL")
	default:
		add("a.state = $?", f.State)
	}
	if f.Year != 0 {
		add("extract(year FROM a.received) = $?", f.Year)
	}
	if f.Overdue {
		where = append(where, "a.finished_on IS NULL AND a.due < $1::date")
	}
	q := `SELECT ` + applicationCols + applicationFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY (a.finished_on IS NULL AND a.due < $1::date) DESC, a.finished_on IS NOT NULL,
		a.due NULLS LAST, a.received DESC, a.id DESC LIMIT $%d`, len(args))
	rows, err := s.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: applications: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Application, error) { return scanApplication(r) })
	if err != nil {
		return nil, fmt.Errorf("store: applications: %w", err)
	}
	return out, nil
}

// ApplicationsOfYear lists what the annual report of a unit counts: every application received
// by the year's end that was not finished before the year began.
func (s *Store) ApplicationsOfYear(ctx context.Context, unitID int64, year int) ([]Application, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+applicationCols+applicationFrom+`
		WHERE a.unit_id = $1 AND a.received <= $3::date AND (a.finished_on IS NULL OR a.finished_on >= $2::date)
		ORDER BY a.received, a.id`,
		unitID, calendar.D(year, 1, 1).String(), calendar.D(year, 12, 31).String())
	if err != nil {
		return nil, fmt.Errorf("store: applications of unit %d in %d: %w", unitID, year, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Application, error) { return scanApplication(r) })
	if err != nil {
		return nil, fmt.Errorf("store: applications of unit %d in %d: %w", unitID, year, err)
	}
	return out, nil
}

// ApplicationIDsToReconcile lists applications whose workflow may need starting: not finished,
// or replied and not yet signed off.
func (s *Store) ApplicationIDsToReconcile(ctx context.Context) ([]int64, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id FROM applications WHERE state NOT IN ('closed', 'withdrawn') ORDER BY id`)
	return collect(rows, err, "applications to reconcile", scalar[int64])
}

// ApplicationSync is one state change of an application workflow.
type ApplicationSync struct {
	ApplicationID int64
	WorkflowID    string
	Seq           int64
	State         ApplicationState
	Events        []EventRow
	// Plan, when set, replaces the pending reminders and escalations of the reply clock.
	Plan *CyclePlan
	// DropAll drops every pending notice of the application (the clock stopped or ended).
	DropAll    bool
	DropReason string
}

// SyncApplication applies an application workflow's change in one transaction, ignoring writes
// older than the stored sequence, and returns the earliest newly planned notice when the
// dispatcher must be woken for it (zero otherwise), as SyncItem does for items.
func (s *Store) SyncApplication(ctx context.Context, in ApplicationSync) (wakeDispatcher time.Time, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		st := in.State
		var closed *time.Time
		if !st.ClosedAt.IsZero() {
			closed = &st.ClosedAt
		}
		if _, err := tx.Exec(ctx, `
			UPDATE applications SET seq = $2, state = $3, clock_start = $4, due = $5, correction_due = $6,
				extension_days = $7, escalation_level = $8, reply_type = $9, reply_reason = $10, finished_on = $11,
				closed_at = $12, provisional = $13, updated_at = now()
			WHERE id = $1 AND seq < $2`,
			in.ApplicationID, in.Seq, st.State, dateArg(st.ClockStart), dateArg(st.Due), dateArg(st.CorrectionDue),
			st.ExtensionDays, st.Level, st.ReplyType, st.ReplyReason, dateArg(st.FinishedOn), closed, st.Provisional); err != nil {
			return fmt.Errorf("store: application %d state: %w", in.ApplicationID, err)
		}
		for _, e := range in.Events {
			detail := []byte("{}")
			if e.Detail != nil {
				b, err := json.Marshal(e.Detail)
				if err != nil {
					return fmt.Errorf("store: application %d event %d: %w", in.ApplicationID, e.Seq, err)
				}
				detail = b
			}
			tag, err := tx.Exec(ctx, `
				INSERT INTO application_events (application_id, seq, kind, at, actor, detail)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
				in.ApplicationID, e.Seq, e.Kind, e.At, e.Actor, detail)
			if err != nil {
				return fmt.Errorf("store: application %d event %d: %w", in.ApplicationID, e.Seq, err)
			}
			if tag.RowsAffected() == 1 && e.Audit != nil {
				a := e.Audit.entry(0, e.Actor)
				a.ObjectType, a.ObjectID = "application", fmt.Sprint(in.ApplicationID)
				if err := writeAudit(ctx, tx, a); err != nil {
					return fmt.Errorf("store: application %d event %d: %w", in.ApplicationID, e.Seq, err)
				}
			}
		}
		if in.DropAll {
			if _, err := tx.Exec(ctx, `
				UPDATE notices SET status = 'dropped', reason = $3
				WHERE workflow_id = $1 AND status = 'pending' AND seq <= $2`,
				in.WorkflowID, in.Seq, in.DropReason); err != nil {
				return fmt.Errorf("store: application %d drop notices: %w", in.ApplicationID, err)
			}
		}
		if in.Plan == nil {
			return nil
		}
		earliest, err := planNotices(ctx, tx, noticeOwner{"application_id", "application", in.ApplicationID}, in.WorkflowID, in.Seq, *in.Plan)
		if err != nil {
			return err
		}
		if earliest.IsZero() {
			return nil
		}
		wakeDispatcher, err = moveWake(ctx, tx, earliest)
		return err
	})
	if err != nil {
		return time.Time{}, err
	}
	return wakeDispatcher, nil
}

// ApplicationSeq is the last sequence an application's workflow recorded, so that a restarted
// workflow continues it instead of writing rows that would be ignored as stale.
func (s *Store) ApplicationSeq(ctx context.Context, id int64) (int64, error) {
	var seq int64
	err := s.Pool.QueryRow(ctx, `SELECT greatest(a.seq, coalesce(max(e.seq), 0)) FROM applications a
		LEFT JOIN application_events e ON e.application_id = a.id WHERE a.id = $1 GROUP BY a.seq`, id).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFound("application", id)
	}
	if err != nil {
		return 0, fmt.Errorf("store: application %d seq: %w", id, err)
	}
	return seq, nil
}

// ApplicationEvents is the case file of an application, oldest first.
func (s *Store) ApplicationEvents(ctx context.Context, id int64) ([]EventRow, error) {
	rows, err := s.Pool.Query(ctx, `SELECT seq, kind, at, actor, detail FROM application_events
		WHERE application_id = $1 ORDER BY seq`, id)
	return collect(rows, err, fmt.Sprintf("events of application %d", id), func(r pgx.Row) (EventRow, error) {
		var e EventRow
		var detail []byte
		if err := r.Scan(&e.Seq, &e.Kind, &e.At, &e.Actor, &detail); err != nil {
			return e, err
		}
		return e, json.Unmarshal(detail, &e.Detail)
	})
}

// ApplicationRecipients resolves a notice target of an application: the handling office's
// contacts (and its robots) or head, or the unit's supervisors at level (falling back to the
// highest level below it, as for items). Nobody is an error wrapping ErrNotFound.
func (s *Store) ApplicationRecipients(ctx context.Context, id int64, target string, level int) ([]Recipient, error) {
	var unitID, officeID int64
	err := s.Pool.QueryRow(ctx, `SELECT unit_id, office_id FROM applications WHERE id = $1`, id).Scan(&unitID, &officeID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("application", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: recipients of application %d: %w", id, err)
	}
	var out []Recipient
	switch target {
	case TargetContact, TargetHead:
		out, err = s.OfficeRecipients(ctx, officeID, target)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	case TargetSupervisor:
		level = max(level, 1)
		rows, err := s.Pool.Query(ctx, `
			WITH lvl AS (SELECT max(us.level) AS level FROM unit_supervisors us
			             JOIN people p ON p.id = us.person_id AND p.active WHERE us.unit_id = $1 AND us.level <= $2)
			SELECT `+personCols+`, us.role, u.name
			FROM unit_supervisors us JOIN lvl ON lvl.level = us.level
			JOIN units u ON u.id = us.unit_id
			JOIN people p ON p.id = us.person_id AND p.active
			WHERE us.unit_id = $1
			ORDER BY us.role, p.name, p.id`, unitID, level)
		if err != nil {
			return nil, fmt.Errorf("store: supervisors of application %d: %w", id, err)
		}
		var p Person
		var role, unit string
		if _, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note, &role, &unit}, func() error {
			out = append(out, personRecipient(p, role, unit))
			return nil
		}); err != nil {
			return nil, fmt.Errorf("store: supervisors of application %d: %w", id, err)
		}
	default:
		return nil, fmt.Errorf("store: recipients of application %d: target %q: want contact, head or supervisor", id, target)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: application %d has no %s recipient: %w", id, target, ErrNotFound)
	}
	return out, nil
}

// ClaimedApplicationNotices lists the application notices a dispatch key holds, shaped like item
// notices so that the dispatcher bundles them into the same digests. Title says 依申请公开 and
// the register number, never the applicant: messages leave the unit's handlers.
func (s *Store) ClaimedApplicationNotices(ctx context.Context, key string) ([]Notice, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT n.id, a.id, u.name, a.ref, a.content, o.name, n.cycle_key, n.kind, n.level, n."offset", n.target,
		       n.at, n.urgent, a.due, a.state
		FROM notices n
		JOIN applications a ON a.id = n.application_id
		JOIN units u ON u.id = a.unit_id
		JOIN offices o ON o.id = a.office_id
		WHERE n.dispatch_key = $1 AND n.status = 'claimed'
		ORDER BY n.at, a.id, n.id`, key)
	return collect(rows, err, "application notices of "+key, func(r pgx.Row) (Notice, error) {
		var n Notice
		var ref, content, office, state string
		var due *time.Time
		if err := r.Scan(&n.ID, &n.ApplicationID, &n.Unit, &ref, &content, &office, &n.CycleKey, &n.Kind, &n.Level,
			&n.Offset, &n.Target, &n.At, &n.Urgent, &due, &state); err != nil {
			return n, err
		}
		if ref == "" {
			ref = fmt.Sprintf("第%d号", n.ApplicationID)
		}
		n.Title = "【依申请公开】" + ref + " 答复期限"
		n.Requirement = truncateRunes(content, 60)
		n.Offices = []string{office}
		n.ItemActive = state != "withdrawn"
		switch state {
		case "replied", "closed", "withdrawn":
			n.CycleStatus = "done"
		case "correction", "consulting":
			// the clock is stopped: what was planned for the old due day no longer holds
			n.ItemPaused = true
		}
		if d := dateOf(due); !d.IsZero() {
			n.CycleDue = d.End()
		} else {
			n.ItemPaused = true
		}
		return n, nil
	})
}

func truncateRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// UnitPolicyOfApplication is the reminder policy override of the application's unit (nil when
// the unit has none): applications are reminded and escalated by the same policy as items.
func (s *Store) UnitPolicyOfApplication(ctx context.Context, id int64) (json.RawMessage, error) {
	var p []byte
	err := s.Pool.QueryRow(ctx, `SELECT u.policy FROM applications a JOIN units u ON u.id = a.unit_id WHERE a.id = $1`, id).Scan(&p)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("application", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: policy of application %d: %w", id, err)
	}
	return p, nil
}

// ApplicationImport is a row of an existing register: a new application, answered already when
// Replied is set.
type ApplicationImport struct {
	ApplicationNew
	Replied     calendar.Date
	ReplyType   string
	ReplyReason string
	Line        int // source row, for the case file
}

// ImportApplications registers the rows of an imported ledger in one transaction: all or none.
// Answered rows are recorded as closed with an "imported" case-file entry and get no workflow;
// it returns the ids of the others, whose workflows the caller starts.
func (s *Store) ImportApplications(ctx context.Context, rows []ApplicationImport, source string, a Audit) (open []int64, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		open = nil
		for _, r := range rows {
			id, err := insertApplication(ctx, tx, r.ApplicationNew)
			if errors.Is(err, ErrNotFound) {
				return err
			}
			if err != nil {
				return fmt.Errorf("store: import application (row %d): %w", r.Line, err)
			}
			if r.Replied.IsZero() {
				open = append(open, id)
				continue
			}
			if _, err := tx.Exec(ctx, `
				UPDATE applications SET seq = 1, state = 'closed', reply_type = $2, reply_reason = $3, finished_on = $4,
					closed_at = now(), updated_at = now() WHERE id = $1`,
				id, r.ReplyType, r.ReplyReason, dateArg(r.Replied)); err != nil {
				return fmt.Errorf("store: import application (row %d): %w", r.Line, err)
			}
			detail, _ := json.Marshal(map[string]any{"source": source, "line": r.Line, "type": r.ReplyType, "reason": r.ReplyReason,
				"replied": r.Replied.String()})
			if _, err := tx.Exec(ctx, `INSERT INTO application_events (application_id, seq, kind, at, actor, detail)
				VALUES ($1, 1, 'imported', now(), $2, $3)`, id, r.CreatedBy, detail); err != nil {
				return fmt.Errorf("store: import application (row %d): %w", r.Line, err)
			}
		}
		a.Action, a.ObjectType = "application.import", "application"
		a.Detail = map[string]any{"source": source, "rows": len(rows), "open": len(open)}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return open, nil
}
