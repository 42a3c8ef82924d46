package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Person is someone who receives messages.
type Person struct {
	ID       int64
	Name     string
	Email    string
	Mobile   string
	Channels []string // preference order: email, sms
	Alerts   bool     // receives delivery-failure alerts
	Active   bool
	Note     string
	Offices  []PersonOffice // filled by People and Person
	Units    []PersonUnit
}

// PersonOffice is an office a person is attached to.
type PersonOffice struct {
	OfficeID int64
	Office   string
	UnitID   int64
	Unit     string
	Role     string // contact or head
}

// PersonUnit is a unit a person supervises at a level.
type PersonUnit struct {
	UnitID int64
	Unit   string
	Level  int
	Role   string // leader (分管领导), gkb (政务公开办), director (办公室主任)
}

// Office roles and supervisor roles.
const (
	RoleContact  = "contact"
	RoleHead     = "head"
	RoleLeader   = "leader"
	RoleGKB      = "gkb"
	RoleDirector = "director"
)

// ErrDuplicatePerson is returned, wrapped, when an email or mobile already belongs to someone.
var ErrDuplicatePerson = errors.New("email or mobile already belongs to another person")

func normalizePerson(p *Person) error {
	p.Name = strings.TrimSpace(p.Name)
	p.Email = strings.TrimSpace(p.Email)
	p.Mobile = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(p.Mobile))
	// One mainland number, one person: +86 13800138000 from a roster and 13800138000 typed on
	// the web must match.
	for _, cc := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(p.Mobile, cc); ok && len(rest) == 11 && rest[0] == '1' {
			p.Mobile = rest
		}
	}
	if p.Name == "" {
		return errors.New("name is empty")
	}
	if p.Email == "" && p.Mobile == "" {
		return fmt.Errorf("%s has neither email nor mobile", p.Name)
	}
	if len(p.Channels) == 0 {
		if p.Email != "" {
			p.Channels = append(p.Channels, "email")
		}
		if p.Mobile != "" {
			p.Channels = append(p.Channels, "sms")
		}
	}
	seen := map[string]bool{}
	for _, c := range p.Channels {
		if c != "email" && c != "sms" {
			return fmt.Errorf("channel %q: want email or sms", c)
		}
		if seen[c] {
			return fmt.Errorf("channel %s listed twice", c)
		}
		seen[c] = true
	}
	return nil
}

// AddPerson creates a person with CreatePerson's statement but no audit entry: it seeds tests
// and fixtures, which are no change anyone answers for. The CLI and the web use CreatePerson.
// Channels default to email then sms, as far as the addresses exist.
func (s *Store) AddPerson(ctx context.Context, p Person) (int64, error) {
	if err := normalizePerson(&p); err != nil {
		return 0, fmt.Errorf("store: person: %w", err)
	}
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = insertPerson(ctx, tx, p)
		return err
	})
	return id, err
}

// insertPerson adds a normalized person.
func insertPerson(ctx context.Context, tx pgx.Tx, p Person) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO people (name, email, mobile, channels, alerts, note) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id`, p.Name, p.Email, p.Mobile, p.Channels, p.Alerts, p.Note).Scan(&id)
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("store: person %s: %w", p.Name, ErrDuplicatePerson)
	}
	if err != nil {
		return 0, fmt.Errorf("store: person %s: %w", p.Name, err)
	}
	return id, nil
}

// UpsertPerson creates a person or updates the one with the same email or mobile, as a
// re-imported roster must. created reports which. Two different people matching the email and
// the mobile is an error.
func (s *Store) UpsertPerson(ctx context.Context, p Person) (id int64, created bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		id, created, err = upsertPerson(ctx, tx, p)
		return err
	})
	return id, created, err
}

func upsertPerson(ctx context.Context, tx pgx.Tx, p Person) (int64, bool, error) {
	explicit := len(p.Channels) > 0
	if err := normalizePerson(&p); err != nil {
		return 0, false, fmt.Errorf("store: person: %w", err)
	}
	rows, err := tx.Query(ctx, `
		SELECT id FROM people WHERE ($1 <> '' AND lower(email) = lower($1)) OR ($2 <> '' AND mobile = $2)
		ORDER BY id FOR UPDATE`, p.Email, p.Mobile)
	if err != nil {
		return 0, false, fmt.Errorf("store: person %s: %w", p.Name, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, false, fmt.Errorf("store: person %s: %w", p.Name, err)
	}
	switch len(ids) {
	case 0:
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO people (name, email, mobile, channels, alerts, note) VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id`, p.Name, p.Email, p.Mobile, p.Channels, p.Alerts, p.Note).Scan(&id)
		if err != nil {
			return 0, false, fmt.Errorf("store: person %s: %w", p.Name, err)
		}
		return id, true, nil
	case 1:
		// channels given are the new preference; defaults only add what a new address enables
		_, err := tx.Exec(ctx, `
			UPDATE people SET name = $2, email = CASE WHEN $3 <> '' THEN $3 ELSE email END,
			       mobile = CASE WHEN $4 <> '' THEN $4 ELSE mobile END,
			       channels = CASE WHEN $7 THEN $5
			                  ELSE channels || ARRAY(SELECT unnest($5::text[]) EXCEPT SELECT unnest(channels)) END,
			       alerts = alerts OR $6, active = true, updated_at = now()
			WHERE id = $1`, ids[0], p.Name, p.Email, p.Mobile, p.Channels, p.Alerts, explicit)
		if err != nil {
			return 0, false, fmt.Errorf("store: person %s: %w", p.Name, err)
		}
		return ids[0], false, nil
	default:
		return 0, false, fmt.Errorf("store: person %s: email %s and mobile %s belong to people %d and %d: %w",
			p.Name, p.Email, p.Mobile, ids[0], ids[1], ErrDuplicatePerson)
	}
}

// UpdatePerson replaces a person's fields.
func (s *Store) UpdatePerson(ctx context.Context, p Person) error {
	if err := normalizePerson(&p); err != nil {
		return fmt.Errorf("store: person %d: %w", p.ID, err)
	}
	tag, err := s.Pool.Exec(ctx, `
		UPDATE people SET name = $2, email = $3, mobile = $4, channels = $5, alerts = $6, active = $7,
		       note = $8, updated_at = now()
		WHERE id = $1`, p.ID, p.Name, p.Email, p.Mobile, p.Channels, p.Alerts, p.Active, p.Note)
	if isUniqueViolation(err) {
		return fmt.Errorf("store: person %d: %w", p.ID, ErrDuplicatePerson)
	}
	if err != nil {
		return fmt.Errorf("store: person %d: %w", p.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("person", p.ID)
	}
	return nil
}

const personCols = `p.id, p.name, p.email, p.mobile, p.channels, p.alerts, p.active, p.note`

func scanPerson(r pgx.Row, p *Person) error {
	return r.Scan(&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note)
}

// Person loads a person with their attachments.
func (s *Store) Person(ctx context.Context, id int64) (Person, error) {
	ps, err := s.people(ctx, `WHERE p.id = $1`, id)
	if err != nil {
		return Person{}, err
	}
	if len(ps) == 0 {
		return Person{}, notFound("person", id)
	}
	return ps[0], nil
}

// PersonByAddress finds a person by email (case-insensitive) or mobile.
func (s *Store) PersonByAddress(ctx context.Context, addr string) (Person, error) {
	addr = strings.TrimSpace(addr)
	ps, err := s.people(ctx, `WHERE (lower(p.email) = lower($1) AND p.email <> '') OR (p.mobile = $1 AND p.mobile <> '')`, addr)
	if err != nil {
		return Person{}, err
	}
	if len(ps) == 0 {
		return Person{}, notFound("person", addr)
	}
	return ps[0], nil
}

// PeopleFilter narrows People; zero fields do not filter.
type PeopleFilter struct {
	UnitID   int64 // attached to an office of the unit, or supervising it
	OfficeID int64
	Query    string // substring of name, email or mobile
}

// People lists people with their attachments, by name.
func (s *Store) People(ctx context.Context, f PeopleFilter) ([]Person, error) {
	where := []string{"true"}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.OfficeID != 0 {
		where = append(where, `EXISTS (SELECT 1 FROM office_people op WHERE op.person_id = p.id AND op.office_id = `+arg(f.OfficeID)+`)`)
	}
	if f.UnitID != 0 {
		u := arg(f.UnitID)
		where = append(where, `(EXISTS (SELECT 1 FROM office_people op JOIN offices o ON o.id = op.office_id
			WHERE op.person_id = p.id AND o.unit_id = `+u+`) OR EXISTS (SELECT 1 FROM unit_supervisors us
			WHERE us.person_id = p.id AND us.unit_id = `+u+`))`)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		a := arg("%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%")
		where = append(where, `(p.name ILIKE `+a+` OR p.email ILIKE `+a+` OR p.mobile LIKE `+a+`)`)
	}
	return s.people(ctx, "WHERE "+strings.Join(where, " AND "), args...)
}

func (s *Store) people(ctx context.Context, where string, args ...any) ([]Person, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+personCols+` FROM people p `+where+` ORDER BY p.name, p.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: people: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Person, error) {
		var p Person
		return p, scanPerson(r, &p)
	})
	if err != nil {
		return nil, fmt.Errorf("store: people: %w", err)
	}
	if len(ps) == 0 {
		return ps, nil
	}
	ids := make([]int64, len(ps))
	at := make(map[int64]int, len(ps))
	for i, p := range ps {
		ids[i], at[p.ID] = p.ID, i
	}
	rows, err = s.Pool.Query(ctx, `
		SELECT op.person_id, o.id, o.name, u.id, u.name, op.role
		FROM office_people op JOIN offices o ON o.id = op.office_id JOIN units u ON u.id = o.unit_id
		WHERE op.person_id = ANY($1) ORDER BY u.name, o.name, op.role`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: people offices: %w", err)
	}
	var pid int64
	var po PersonOffice
	if _, err := pgx.ForEachRow(rows, []any{&pid, &po.OfficeID, &po.Office, &po.UnitID, &po.Unit, &po.Role}, func() error {
		ps[at[pid]].Offices = append(ps[at[pid]].Offices, po)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: people offices: %w", err)
	}
	rows, err = s.Pool.Query(ctx, `
		SELECT us.person_id, u.id, u.name, us.level, us.role
		FROM unit_supervisors us JOIN units u ON u.id = us.unit_id
		WHERE us.person_id = ANY($1) ORDER BY u.name, us.level`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: people units: %w", err)
	}
	var pu PersonUnit
	if _, err := pgx.ForEachRow(rows, []any{&pid, &pu.UnitID, &pu.Unit, &pu.Level, &pu.Role}, func() error {
		ps[at[pid]].Units = append(ps[at[pid]].Units, pu)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: people units: %w", err)
	}
	return ps, nil
}

// AttachOfficePerson makes a person a contact or the head of an office, with AttachRole's
// statement but no audit entry (seeding and tests); attaching twice is a no-op.
func (s *Store) AttachOfficePerson(ctx context.Context, officeID, personID int64, role string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := attachTx(ctx, tx, Attachment{PersonID: personID, OfficeID: officeID, Role: role})
		return err
	})
}

// DetachOfficePerson removes one office role of a person, with DetachRole's statement but no
// audit entry (tests).
func (s *Store) DetachOfficePerson(ctx context.Context, officeID, personID int64, role string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return detachTx(ctx, tx, Attachment{PersonID: personID, OfficeID: officeID, Role: role})
	})
}

// AttachSupervisor makes a person a supervisor of a unit at an escalation level (1 is first),
// with AttachRole's statement but no audit entry (seeding and tests); role "" is leader.
func (s *Store) AttachSupervisor(ctx context.Context, unitID, personID int64, level int, role string) error {
	if role == "" {
		role = RoleLeader
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := attachTx(ctx, tx, Attachment{PersonID: personID, UnitID: unitID, Level: level, Role: role})
		return err
	})
}

// Attachment is one role of a person: contact or head of an office (OfficeID), or supervisor of
// a unit (UnitID) as leader, gkb or director at an escalation Level.
type Attachment struct {
	PersonID int64
	OfficeID int64
	UnitID   int64
	Role     string
	Level    int
}

// CreatePerson adds a person and, when at is not nil, their first role, all or nothing.
// An email or mobile that belongs to someone else is ErrDuplicatePerson.
func (s *Store) CreatePerson(ctx context.Context, p Person, at *Attachment, a Audit) (int64, error) {
	if err := normalizePerson(&p); err != nil {
		return 0, fmt.Errorf("store: person: %w", err)
	}
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if id, err = insertPerson(ctx, tx, p); err != nil {
			return err
		}
		detail := map[string]any{"name": p.Name, "email": p.Email, "mobile": p.Mobile, "channels": p.Channels, "alerts": p.Alerts}
		if at != nil {
			at.PersonID = id
			if _, err := attachTx(ctx, tx, *at); err != nil {
				return err
			}
			detail["attach"] = attachDetail(*at)
		}
		a.Action, a.ObjectType, a.ObjectID, a.Detail = "person.create", "person", fmt.Sprint(id), detail
		return writeAudit(ctx, tx, a)
	})
	return id, err
}

func attachDetail(at Attachment) map[string]any {
	if at.OfficeID != 0 {
		return map[string]any{"office_id": at.OfficeID, "role": at.Role}
	}
	return map[string]any{"unit_id": at.UnitID, "role": at.Role, "level": at.Level}
}

// attachTx records a role (AttachRole, CreatePerson, AttachOfficePerson, AttachSupervisor)
// and reports whether it changed anything (a role the person has already is no change).
func attachTx(ctx context.Context, tx pgx.Tx, at Attachment) (bool, error) {
	var (
		n   int64
		err error
	)
	switch {
	case at.OfficeID != 0 && (at.Role == RoleContact || at.Role == RoleHead):
		n, err = execCount(ctx, tx, `INSERT INTO office_people (office_id, person_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			at.OfficeID, at.PersonID, at.Role)
	case at.UnitID != 0 && (at.Role == RoleLeader || at.Role == RoleGKB || at.Role == RoleDirector):
		if at.Level < 1 || at.Level > 9 {
			return false, fmt.Errorf("store: supervisor level %d: want 1 to 9", at.Level)
		}
		n, err = execCount(ctx, tx, `INSERT INTO unit_supervisors (unit_id, person_id, level, role) VALUES ($1, $2, $3, $4)
			ON CONFLICT (unit_id, person_id, level) DO UPDATE SET role = EXCLUDED.role
			WHERE unit_supervisors.role <> EXCLUDED.role`, at.UnitID, at.PersonID, at.Level, at.Role)
	default:
		return false, fmt.Errorf("store: attach person %d: role %q with office %d, unit %d: want contact or head of an office, or leader, gkb or director of a unit",
			at.PersonID, at.Role, at.OfficeID, at.UnitID)
	}
	if isForeignKeyViolation(err) {
		return false, fmt.Errorf("store: attach person %d: office %d or unit %d: %w", at.PersonID, at.OfficeID, at.UnitID, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("store: attach person %d: %w", at.PersonID, err)
	}
	return n > 0, nil
}

// EditPerson replaces a person's name, addresses, channels, alerts flag and note; whether they
// are active is SetPersonActive's. It returns the person as they were.
func (s *Store) EditPerson(ctx context.Context, p Person, a Audit) (Person, error) {
	if err := normalizePerson(&p); err != nil {
		return Person{}, fmt.Errorf("store: person %d: %w", p.ID, err)
	}
	var before Person
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id = $1 FOR UPDATE`, p.ID), &before)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("person", p.ID)
		}
		if err != nil {
			return fmt.Errorf("store: person %d: %w", p.ID, err)
		}
		_, err = tx.Exec(ctx, `UPDATE people SET name = $2, email = $3, mobile = $4, channels = $5, alerts = $6, note = $7,
			updated_at = now() WHERE id = $1`, p.ID, p.Name, p.Email, p.Mobile, p.Channels, p.Alerts, p.Note)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: person %d: %w", p.ID, ErrDuplicatePerson)
		}
		if err != nil {
			return fmt.Errorf("store: person %d: %w", p.ID, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "person.update", "person", fmt.Sprint(p.ID)
		a.Detail = map[string]any{"changed": personChanges(before, p)}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return Person{}, err
	}
	return before, nil
}

// personChanges lists the fields that differ, each as [before, after].
func personChanges(before, after Person) map[string][2]any {
	out := map[string][2]any{}
	add := func(field string, b, a any, same bool) {
		if !same {
			out[field] = [2]any{b, a}
		}
	}
	add("name", before.Name, after.Name, before.Name == after.Name)
	add("email", before.Email, after.Email, strings.EqualFold(before.Email, after.Email))
	add("mobile", before.Mobile, after.Mobile, before.Mobile == after.Mobile)
	add("channels", before.Channels, after.Channels, slices.Equal(before.Channels, after.Channels))
	add("alerts", before.Alerts, after.Alerts, before.Alerts == after.Alerts)
	add("active", before.Active, after.Active, before.Active == after.Active)
	add("note", before.Note, after.Note, before.Note == after.Note)
	return out
}

// SetPersonActive deactivates a person (they receive nothing, their roles are kept) or
// activates them again.
func (s *Store) SetPersonActive(ctx context.Context, id int64, active bool, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var name string
		err := tx.QueryRow(ctx, `UPDATE people SET active = $2, updated_at = now() WHERE id = $1 RETURNING name`, id, active).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("person", id)
		}
		if err != nil {
			return fmt.Errorf("store: person %d: %w", id, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "person.deactivate", "person", fmt.Sprint(id)
		if active {
			a.Action = "person.activate"
		}
		a.Detail = map[string]any{"name": name}
		return writeAudit(ctx, tx, a)
	})
}

// PersonSettings is how a person wants to be reached, within what the admins set up: the
// channels they want of those they have (nil: all), and whether they get the non-urgent
// reminders before and on the due day. Escalations ignore both.
type PersonSettings struct {
	Channels []string `json:"channels,omitempty"`
	Digest   bool     `json:"digest"`
	// Quiet is filled by QuietDaysOf, not PersonSettingsOf (the callers that plan merge them).
	Quiet QuietDays `json:"quiet,omitzero"`
}

// PersonSettingsOf returns the settings of the given people; a person not in the result
// has none (all channels, digest on).
func (s *Store) PersonSettingsOf(ctx context.Context, ids []int64) (map[int64]PersonSettings, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, wanted_channels, digest FROM people
		WHERE id = ANY($1) AND (wanted_channels IS NOT NULL OR NOT digest)`, nonNil(ids))
	if err != nil {
		return nil, fmt.Errorf("store: person settings: %w", err)
	}
	out := map[int64]PersonSettings{}
	var (
		id int64
		ps PersonSettings
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &ps.Channels, &ps.Digest}, func() error {
		out[id] = PersonSettings{Channels: slices.Clone(ps.Channels), Digest: ps.Digest}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: person settings: %w", err)
	}
	return out, nil
}

// ErrChannelNotHeld is returned, wrapped, when settings want a channel the person does not have.
var ErrChannelNotHeld = errors.New("channel not among the person's channels")

// SetPersonSettings saves a person's settings. Wanted channels must be among the person's
// channels (those the admins set up, with an address); all of them is stored as nil, so that
// a channel the admins add later is wanted too.
func (s *Store) SetPersonSettings(ctx context.Context, id int64, ps PersonSettings, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var have []string
		err := tx.QueryRow(ctx, `SELECT channels FROM people WHERE id = $1 FOR UPDATE`, id).Scan(&have)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("person", id)
		}
		if err != nil {
			return fmt.Errorf("store: person %d: %w", id, err)
		}
		var want []string
		for _, c := range have {
			if slices.Contains(ps.Channels, c) {
				want = append(want, c)
			}
		}
		for _, c := range ps.Channels {
			if !slices.Contains(have, c) {
				return fmt.Errorf("store: person %d channel %q: %w", id, c, ErrChannelNotHeld)
			}
		}
		if len(want) == 0 {
			return fmt.Errorf("store: person %d: no channel wanted", id)
		}
		var stored any
		if len(want) < len(have) {
			stored = want
		}
		if _, err := tx.Exec(ctx, `UPDATE people SET wanted_channels = $2, digest = $3, updated_at = now() WHERE id = $1`,
			id, stored, ps.Digest); err != nil {
			return fmt.Errorf("store: person %d settings: %w", id, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "person.settings", "person", fmt.Sprint(id)
		a.Detail = map[string]any{"channels": want, "digest": ps.Digest}
		return writeAudit(ctx, tx, a)
	})
}
