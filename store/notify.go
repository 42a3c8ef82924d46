package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ---- people, robots and where they are attached ----

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

// Robot is an office group chat reached through a webhook.
type Robot struct {
	ID       int64
	OfficeID int64
	Office   string
	Unit     string
	Kind     string // dingtalk or wecom
	Name     string
	Webhook  string
	Secret   string
	Active   bool
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

// AddPerson creates a person; Channels default to email then sms, as far as the addresses exist.
func (s *Store) AddPerson(ctx context.Context, p Person) (int64, error) {
	if err := normalizePerson(&p); err != nil {
		return 0, fmt.Errorf("store: person: %w", err)
	}
	var id int64
	err := s.Pool.QueryRow(ctx, `
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

// DeletePerson removes a person and their attachments; the delivery log keeps their name.
func (s *Store) DeletePerson(ctx context.Context, id int64) error {
	tag, err := s.Pool.Exec(ctx, `DELETE FROM people WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete person %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("person", id)
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

// RosterEntry is one row of a people roster: a person and, optionally, one office role and one
// supervisor role.
type RosterEntry struct {
	Row      int // for error messages
	Person   Person
	OfficeID int64  // 0: no office role
	Role     string // contact or head
	UnitID   int64  // 0: no supervisor role
	Level    int
	SupRole  string // leader, gkb or director
}

// RosterResult counts what ImportRoster did.
type RosterResult struct {
	Created  int // new people
	Updated  int // rows that matched an existing person by email or mobile
	Attached int // office and supervisor roles recorded (existing ones count too)
}

// ImportRoster upserts people and attaches them, all or nothing: an error names the row. It
// audits roster.import in the same transaction: the caller names the file (a.ObjectID) and
// gives a.Detail as a map (file, unit), to which the counts are added.
func (s *Store) ImportRoster(ctx context.Context, entries []RosterEntry, a Audit) (RosterResult, error) {
	var res RosterResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		res = RosterResult{}
		for _, e := range entries {
			id, created, err := upsertPerson(ctx, tx, e.Person)
			if err != nil {
				return fmt.Errorf("row %d: %w", e.Row, err)
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
			if e.OfficeID != 0 {
				if e.Role != RoleContact && e.Role != RoleHead {
					return fmt.Errorf("row %d: office role %q: want contact or head", e.Row, e.Role)
				}
				if _, err := tx.Exec(ctx, `INSERT INTO office_people (office_id, person_id, role) VALUES ($1, $2, $3)
					ON CONFLICT DO NOTHING`, e.OfficeID, id, e.Role); err != nil {
					return fmt.Errorf("row %d: %w", e.Row, err)
				}
				res.Attached++
			}
			if e.UnitID != 0 {
				if _, err := tx.Exec(ctx, `INSERT INTO unit_supervisors (unit_id, person_id, level, role) VALUES ($1, $2, $3, $4)
					ON CONFLICT (unit_id, person_id, level) DO UPDATE SET role = EXCLUDED.role`, e.UnitID, id, e.Level, e.SupRole); err != nil {
					return fmt.Errorf("row %d: %w", e.Row, err)
				}
				res.Attached++
			}
		}
		a.Action, a.ObjectType = "roster.import", "roster"
		a.Detail = rosterDetail(a.Detail, len(entries), res)
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return RosterResult{}, fmt.Errorf("store: roster: %w", err)
	}
	return res, nil
}

// AttachOfficePerson makes a person a contact or the head of an office; attaching twice is a no-op.
func (s *Store) AttachOfficePerson(ctx context.Context, officeID, personID int64, role string) error {
	if role != RoleContact && role != RoleHead {
		return fmt.Errorf("store: office role %q: want contact or head", role)
	}
	if _, err := s.Pool.Exec(ctx, `
		INSERT INTO office_people (office_id, person_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		officeID, personID, role); err != nil {
		return fmt.Errorf("store: attach person %d to office %d: %w", personID, officeID, err)
	}
	return nil
}

// DetachOfficePerson removes one office role of a person.
func (s *Store) DetachOfficePerson(ctx context.Context, officeID, personID int64, role string) error {
	tag, err := s.Pool.Exec(ctx, `DELETE FROM office_people WHERE office_id = $1 AND person_id = $2 AND role = $3`,
		officeID, personID, role)
	if err != nil {
		return fmt.Errorf("store: detach person %d from office %d: %w", personID, officeID, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("office attachment", fmt.Sprintf("%d/%d/%s", officeID, personID, role))
	}
	return nil
}

// AttachSupervisor makes a person a supervisor of a unit at an escalation level (1 is first).
func (s *Store) AttachSupervisor(ctx context.Context, unitID, personID int64, level int, role string) error {
	if role == "" {
		role = RoleLeader
	}
	if role != RoleLeader && role != RoleGKB && role != RoleDirector {
		return fmt.Errorf("store: supervisor role %q: want leader, gkb or director", role)
	}
	if level < 1 || level > 9 {
		return fmt.Errorf("store: supervisor level %d: want 1 to 9", level)
	}
	if _, err := s.Pool.Exec(ctx, `
		INSERT INTO unit_supervisors (unit_id, person_id, level, role) VALUES ($1, $2, $3, $4)
		ON CONFLICT (unit_id, person_id, level) DO UPDATE SET role = EXCLUDED.role`,
		unitID, personID, level, role); err != nil {
		return fmt.Errorf("store: attach supervisor %d to unit %d: %w", personID, unitID, err)
	}
	return nil
}

// DetachSupervisor removes a supervisor from one level of a unit.
func (s *Store) DetachSupervisor(ctx context.Context, unitID, personID int64, level int) error {
	tag, err := s.Pool.Exec(ctx, `DELETE FROM unit_supervisors WHERE unit_id = $1 AND person_id = $2 AND level = $3`,
		unitID, personID, level)
	if err != nil {
		return fmt.Errorf("store: detach supervisor %d from unit %d: %w", personID, unitID, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("supervisor", fmt.Sprintf("%d/%d/%d", unitID, personID, level))
	}
	return nil
}

// AddRobot registers an office group chat's robot webhook.
func (s *Store) AddRobot(ctx context.Context, r Robot) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = addRobot(ctx, tx, r)
		return err
	})
	return id, err
}

func addRobot(ctx context.Context, tx pgx.Tx, r Robot) (int64, error) {
	if r.Kind != "dingtalk" && r.Kind != "wecom" {
		return 0, fmt.Errorf("store: robot kind %q: want dingtalk or wecom", r.Kind)
	}
	if !strings.HasPrefix(r.Webhook, "https://") && !strings.HasPrefix(r.Webhook, "http://") {
		return 0, fmt.Errorf("store: robot webhook %q is not an http(s) URL", r.Webhook)
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO office_robots (office_id, kind, name, webhook, secret) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (office_id, webhook) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
		   secret = EXCLUDED.secret, active = true
		RETURNING id`, r.OfficeID, r.Kind, r.Name, r.Webhook, r.Secret).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: robot of office %d: %w", r.OfficeID, err)
	}
	return id, nil
}

// Robots lists robots, of one office when officeID is not 0.
func (s *Store) Robots(ctx context.Context, officeID int64) ([]Robot, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT r.id, r.office_id, o.name, u.name, r.kind, r.name, r.webhook, r.secret, r.active
		FROM office_robots r JOIN offices o ON o.id = r.office_id JOIN units u ON u.id = o.unit_id
		WHERE $1 = 0 OR r.office_id = $1 ORDER BY u.name, o.name, r.id`, officeID)
	if err != nil {
		return nil, fmt.Errorf("store: robots: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Robot, error) {
		var b Robot
		return b, r.Scan(&b.ID, &b.OfficeID, &b.Office, &b.Unit, &b.Kind, &b.Name, &b.Webhook, &b.Secret, &b.Active)
	})
	if err != nil {
		return nil, fmt.Errorf("store: robots: %w", err)
	}
	return out, nil
}

// DeleteRobot removes a robot.
func (s *Store) DeleteRobot(ctx context.Context, id int64) error {
	tag, err := s.Pool.Exec(ctx, `DELETE FROM office_robots WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: delete robot %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("robot", id)
	}
	return nil
}

// ---- recipients of escalation targets ----

// Recipient is a person or an office robot as a message addressee. Secret and Webhook are kept
// out of JSON so that a recipient passed through a workflow does not put them in its history;
// a workflow should carry Key and let the delivery resolve it with Store.Recipient.
type Recipient struct {
	Key      string   `json:"key"`  // person:ID or robot:ID
	Kind     string   `json:"kind"` // person or robot
	ID       int64    `json:"id"`
	Name     string   `json:"name"`
	Email    string   `json:"email,omitempty"`
	Mobile   string   `json:"mobile,omitempty"`
	Channels []string `json:"channels"` // preference order; a robot's is its kind
	Webhook  string   `json:"-"`
	Secret   string   `json:"-"`
	Role     string   `json:"role,omitempty"`   // contact, head, leader, gkb, director, robot
	Office   string   `json:"office,omitempty"` // through which office or unit they were reached
}

// Escalation targets of RecipientsFor.
const (
	TargetContact    = "contact"
	TargetHead       = "head"
	TargetSupervisor = "supervisor"
)

// PersonKey and RobotKey name recipients in the delivery log and in workflows.
func PersonKey(id int64) string { return "person:" + strconv.FormatInt(id, 10) }

// RobotKey is the recipient key of a robot.
func RobotKey(id int64) string { return "robot:" + strconv.FormatInt(id, 10) }

func personRecipient(p Person, role, office string) Recipient {
	return Recipient{Key: PersonKey(p.ID), Kind: "person", ID: p.ID, Name: p.Name, Email: p.Email,
		Mobile: p.Mobile, Channels: p.Channels, Role: role, Office: office}
}

func robotRecipient(b Robot) Recipient {
	name := b.Name
	if name == "" {
		name = b.Office + "工作群"
	}
	return Recipient{Key: RobotKey(b.ID), Kind: "robot", ID: b.ID, Name: name, Channels: []string{b.Kind},
		Webhook: b.Webhook, Secret: b.Secret, Role: "robot", Office: b.Office}
}

// RecipientsFor resolves who gets a message about an item for an escalation target:
//   - contact: the contacts of the item's offices (lead offices first), then those offices' robots;
//   - head: the heads of the item's offices, lead offices first;
//   - supervisor: the supervisors of the item's unit at level; when nobody is set up at that
//     level, those of the highest level below it, so that an escalation never goes nowhere.
//
// Inactive people and robots are skipped; a person reached twice appears once, in the first
// place. No recipient at all is an error wrapping ErrNotFound: the message would be lost.
func (s *Store) RecipientsFor(ctx context.Context, itemID int64, target string, level int) ([]Recipient, error) {
	var out []Recipient
	seen := map[string]bool{}
	add := func(r Recipient) {
		if !seen[r.Key] {
			seen[r.Key] = true
			out = append(out, r)
		}
	}
	switch target {
	case TargetContact, TargetHead:
		rows, err := s.Pool.Query(ctx, `
			SELECT `+personCols+`, o.name
			FROM item_offices io
			JOIN offices o ON o.id = io.office_id
			JOIN office_people op ON op.office_id = io.office_id AND op.role = $2
			JOIN people p ON p.id = op.person_id AND p.active
			WHERE io.item_id = $1
			ORDER BY io.role = 'lead' DESC, o.name, o.id, p.name, p.id`, itemID, target)
		if err != nil {
			return nil, fmt.Errorf("store: recipients of item %d: %w", itemID, err)
		}
		var p Person
		var office string
		if _, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note, &office}, func() error {
			add(personRecipient(p, target, office))
			return nil
		}); err != nil {
			return nil, fmt.Errorf("store: recipients of item %d: %w", itemID, err)
		}
		if target == TargetContact {
			rows, err := s.Pool.Query(ctx, `
				SELECT r.id, r.office_id, o.name, '', r.kind, r.name, r.webhook, r.secret, r.active
				FROM item_offices io
				JOIN offices o ON o.id = io.office_id
				JOIN office_robots r ON r.office_id = io.office_id AND r.active
				WHERE io.item_id = $1
				ORDER BY io.role = 'lead' DESC, o.name, o.id, r.id`, itemID)
			if err != nil {
				return nil, fmt.Errorf("store: robots of item %d: %w", itemID, err)
			}
			var b Robot
			if _, err := pgx.ForEachRow(rows, []any{&b.ID, &b.OfficeID, &b.Office, &b.Unit, &b.Kind, &b.Name, &b.Webhook, &b.Secret, &b.Active}, func() error {
				add(robotRecipient(b))
				return nil
			}); err != nil {
				return nil, fmt.Errorf("store: robots of item %d: %w", itemID, err)
			}
		}
	case TargetSupervisor:
		if level < 1 {
			level = 1
		}
		rows, err := s.Pool.Query(ctx, `
			WITH unit AS (SELECT l.unit_id, u.name FROM items i JOIN lists l ON l.id = i.list_id
			              JOIN units u ON u.id = l.unit_id WHERE i.id = $1),
			     lvl AS (SELECT max(us.level) AS level FROM unit_supervisors us JOIN unit ON unit.unit_id = us.unit_id
			             JOIN people p ON p.id = us.person_id AND p.active WHERE us.level <= $2)
			SELECT `+personCols+`, us.role, unit.name
			FROM unit JOIN unit_supervisors us ON us.unit_id = unit.unit_id
			JOIN lvl ON lvl.level = us.level
			JOIN people p ON p.id = us.person_id AND p.active
			ORDER BY us.role, p.name, p.id`, itemID, level)
		if err != nil {
			return nil, fmt.Errorf("store: supervisors of item %d: %w", itemID, err)
		}
		var p Person
		var role, unit string
		if _, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note, &role, &unit}, func() error {
			add(personRecipient(p, role, unit))
			return nil
		}); err != nil {
			return nil, fmt.Errorf("store: supervisors of item %d: %w", itemID, err)
		}
	default:
		return nil, fmt.Errorf("store: recipients of item %d: target %q: want contact, head or supervisor", itemID, target)
	}
	if len(out) == 0 {
		what := target
		if target == TargetSupervisor {
			what = fmt.Sprintf("supervisor (level %d or below)", level)
		}
		return nil, fmt.Errorf("store: item %d has no %s recipient: %w", itemID, what, ErrNotFound)
	}
	return out, nil
}

// Recipient resolves a recipient key (person:ID or robot:ID) to its current addresses.
func (s *Store) Recipient(ctx context.Context, key string) (Recipient, error) {
	kind, idText, _ := strings.Cut(key, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return Recipient{}, fmt.Errorf("store: recipient key %q: want person:ID or robot:ID", key)
	}
	switch kind {
	case "person":
		var p Person
		err := scanPerson(s.Pool.QueryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id = $1`, id), &p)
		if errors.Is(err, pgx.ErrNoRows) {
			return Recipient{}, notFound("recipient", key)
		}
		if err != nil {
			return Recipient{}, fmt.Errorf("store: recipient %s: %w", key, err)
		}
		r := personRecipient(p, "", "")
		if !p.Active {
			r.Channels = nil // deactivated: nothing usable, the delivery fails visibly
		}
		return r, nil
	case "robot":
		var b Robot
		err := s.Pool.QueryRow(ctx, `
			SELECT r.id, r.office_id, o.name, r.kind, r.name, r.webhook, r.secret, r.active
			FROM office_robots r JOIN offices o ON o.id = r.office_id WHERE r.id = $1`, id).
			Scan(&b.ID, &b.OfficeID, &b.Office, &b.Kind, &b.Name, &b.Webhook, &b.Secret, &b.Active)
		if errors.Is(err, pgx.ErrNoRows) {
			return Recipient{}, notFound("recipient", key)
		}
		if err != nil {
			return Recipient{}, fmt.Errorf("store: recipient %s: %w", key, err)
		}
		r := robotRecipient(b)
		if !b.Active {
			r.Channels = nil
		}
		return r, nil
	}
	return Recipient{}, fmt.Errorf("store: recipient key %q: want person:ID or robot:ID", key)
}

// AlertRecipients are the people who receive delivery-failure alerts: those flagged alerts,
// and the 政务公开办 (gkb) supervisors of every unit.
func (s *Store) AlertRecipients(ctx context.Context) ([]Recipient, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT `+personCols+` FROM people p
		WHERE p.active AND (p.alerts OR EXISTS (SELECT 1 FROM unit_supervisors us WHERE us.person_id = p.id AND us.role = 'gkb'))
		ORDER BY p.name, p.id`)
	if err != nil {
		return nil, fmt.Errorf("store: alert recipients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Recipient, error) {
		var p Person
		err := scanPerson(r, &p)
		return personRecipient(p, "admin", ""), err
	})
	if err != nil {
		return nil, fmt.Errorf("store: alert recipients: %w", err)
	}
	return out, nil
}

// ---- the delivery log ----

// Delivery statuses and attempt statuses.
const (
	DeliveryPending = "pending"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"

	AttemptSending = "sending"
	AttemptSent    = "sent"
	AttemptFailed  = "failed"
	AttemptQuota   = "quota"
	AttemptUnknown = "unknown"
)

// Delivery is one logical message to one recipient.
type Delivery struct {
	ID             int64
	Key            string
	Recipient      string
	RecipientName  string
	Kind           string
	Urgent         bool
	Subject        string
	ItemIDs        []int64
	Payload        json.RawMessage
	Status         string
	Attempts       int
	Channel        string
	Address        string
	ProviderID     string
	ProviderAnswer string
	Error          string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	SentAt         *time.Time
	FailedAt       *time.Time
	AlertedAt      *time.Time
}

// DeliveryAttempt is one try on one channel.
type DeliveryAttempt struct {
	DeliveryID int64
	N          int
	Channel    string
	Address    string
	Template   string
	Status     string
	Class      string
	ProviderID string
	Answer     string
	Error      string
	StartedAt  time.Time
	FinishedAt *time.Time
}

const deliveryCols = `id, key, recipient, recipient_name, kind, urgent, subject, item_ids, payload, status, attempts,
	channel, address, provider_id, provider_answer, error, created_at, updated_at, sent_at, failed_at, alerted_at`

func scanDelivery(r pgx.Row) (Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.Key, &d.Recipient, &d.RecipientName, &d.Kind, &d.Urgent, &d.Subject, &d.ItemIDs,
		&d.Payload, &d.Status, &d.Attempts, &d.Channel, &d.Address, &d.ProviderID, &d.ProviderAnswer, &d.Error,
		&d.CreatedAt, &d.UpdatedAt, &d.SentAt, &d.FailedAt, &d.AlertedAt)
	return d, err
}

// EnsureDelivery inserts the delivery row of (Key, Recipient) unless it exists, and returns the
// stored row either way: the first payload wins.
func (s *Store) EnsureDelivery(ctx context.Context, d Delivery) (Delivery, error) {
	if d.Key == "" || d.Recipient == "" {
		return Delivery{}, errors.New("store: delivery needs a key and a recipient")
	}
	if d.ItemIDs == nil {
		d.ItemIDs = []int64{}
	}
	row := s.Pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO deliveries (key, recipient, recipient_name, kind, urgent, subject, item_ids, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (key, recipient) DO NOTHING
			RETURNING `+deliveryCols+`)
		SELECT `+deliveryCols+` FROM ins
		UNION ALL
		SELECT `+deliveryCols+` FROM deliveries WHERE key = $1 AND recipient = $2
		LIMIT 1`,
		d.Key, d.Recipient, d.RecipientName, d.Kind, d.Urgent, d.Subject, d.ItemIDs, []byte(d.Payload))
	out, err := scanDelivery(row)
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery %s to %s: %w", d.Key, d.Recipient, err)
	}
	return out, nil
}

// Delivery loads a delivery by id.
func (s *Store) Delivery(ctx context.Context, id int64) (Delivery, error) {
	d, err := scanDelivery(s.Pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, notFound("delivery", id)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery %d: %w", id, err)
	}
	return d, nil
}

// DeliveryByKey loads the delivery of a key to a recipient.
func (s *Store) DeliveryByKey(ctx context.Context, key, recipient string) (Delivery, error) {
	d, err := scanDelivery(s.Pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE key = $1 AND recipient = $2`, key, recipient))
	if errors.Is(err, pgx.ErrNoRows) {
		return Delivery{}, notFound("delivery", key+" to "+recipient)
	}
	if err != nil {
		return Delivery{}, fmt.Errorf("store: delivery %s: %w", key, err)
	}
	return d, nil
}

// DeliveryFilter selects rows of the admin's delivery log; zero fields do not filter.
type DeliveryFilter struct {
	Status    string // pending, sending, sent, failed
	Recipient string // recipient key
	Kind      string
	ItemID    int64
	Since     time.Time
	Until     time.Time
	BeforeID  int64 // keyset paging: rows with a smaller id
	Limit     int   // default 100, at most 1000
}

// Deliveries lists the delivery log, newest first.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	where := []string{"true"}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.Recipient != "" {
		where = append(where, "recipient = "+arg(f.Recipient))
	}
	if f.Kind != "" {
		where = append(where, "kind = "+arg(f.Kind))
	}
	if f.ItemID != 0 {
		where = append(where, arg(f.ItemID)+" = ANY(item_ids)")
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "created_at < "+arg(f.Until))
	}
	if f.BeforeID != 0 {
		where = append(where, "id < "+arg(f.BeforeID))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.Pool.Query(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	return out, nil
}

// DeliveryCounts counts deliveries by status since a time, for the log's header.
func (s *Store) DeliveryCounts(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := s.Pool.Query(ctx, `SELECT status, count(*) FROM deliveries WHERE created_at >= $1 GROUP BY status`, since)
	if err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	out := map[string]int{}
	var st string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&st, &n}, func() error { out[st] = n; return nil }); err != nil {
		return nil, fmt.Errorf("store: delivery counts: %w", err)
	}
	return out, nil
}

// DeliveryAttempts lists a delivery's attempts in order.
func (s *Store) DeliveryAttempts(ctx context.Context, deliveryID int64) ([]DeliveryAttempt, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT delivery_id, n, channel, address, template, status, class, provider_id, answer, error, started_at, finished_at
		FROM delivery_attempts WHERE delivery_id = $1 ORDER BY n`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("store: attempts of delivery %d: %w", deliveryID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeliveryAttempt, error) {
		var a DeliveryAttempt
		return a, r.Scan(&a.DeliveryID, &a.N, &a.Channel, &a.Address, &a.Template, &a.Status, &a.Class,
			&a.ProviderID, &a.Answer, &a.Error, &a.StartedAt, &a.FinishedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("store: attempts of delivery %d: %w", deliveryID, err)
	}
	return out, nil
}

// QuotaRule is one limit on attempts, counted from the delivery log so that it holds across
// workers. Attempts that a provider may have accepted count: sending, unknown and sent.
type QuotaRule struct {
	Name        string        // for messages, e.g. "阿里云: 每号码每模板每日 50 条"
	PerAddress  bool          // count attempts to the same address only (else the whole channel)
	PerTemplate bool          // count attempts with the same template only
	Window      time.Duration // sliding window; 0 means the calendar day in the zone
	Max         int
	// Hard marks a daily quota: exhausted means try the next channel. A soft rule is a rate
	// limit: wait and retry the same channel.
	Hard bool
}

// QuotaExceeded is returned, wrapped, by BeginAttempt when a rule is at its maximum.
type QuotaExceeded struct {
	Rule       QuotaRule
	Count      int
	RetryAfter time.Duration // when the oldest counted attempt leaves the window
}

func (e *QuotaExceeded) Error() string {
	return fmt.Sprintf("quota %s reached (%d of %d)", e.Rule.Name, e.Count, e.Rule.Max)
}

// AttemptStart opens an attempt.
type AttemptStart struct {
	DeliveryID int64
	Channel    string
	Address    string
	Template   string
	Rules      []QuotaRule
	Now        time.Time
	Zone       *time.Location // of calendar-day rules; Asia/Shanghai when nil
}

// advisory lock classes (two-int4 form, so they cannot meet single-bigint locks such as goose's)
const (
	lockClassDelivery = 0x7a770004
	lockClassQuota    = 0x7a770005
)

// BeginAttempt checks the quota rules and, if none is exhausted, records an attempt 'sending'
// and marks the delivery sending, all in one transaction serialised per channel and address,
// so that concurrent workers cannot both take the last unit of a quota. A hard rule at its
// maximum records a 'quota' attempt and returns *QuotaExceeded; a soft one returns it without
// recording anything.
func (s *Store) BeginAttempt(ctx context.Context, a AttemptStart) (n int, err error) {
	zone := a.Zone
	if zone == nil {
		zone, err = time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return 0, err
		}
	}
	var exceeded *QuotaExceeded
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		exceeded = nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockClassQuota, a.Channel+"\n"+a.Address); err != nil {
			return err
		}
		for _, r := range a.Rules {
			if !r.PerAddress {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockClassQuota, a.Channel); err != nil {
					return err
				}
				break
			}
		}
		for _, r := range a.Rules {
			if r.Max <= 0 {
				continue
			}
			since := a.Now.Add(-r.Window)
			var next time.Time // when a unit frees up
			if r.Window == 0 {
				y, m, d := a.Now.In(zone).Date()
				since = time.Date(y, m, d, 0, 0, 0, 0, zone)
				next = since.AddDate(0, 0, 1)
			}
			addr, tmpl := a.Address, a.Template
			var count int
			var oldest *time.Time
			// spelled out per case so that the planner uses delivery_attempts_quota on the address.
			// No upper bound at a.Now: a worker reads its clock before it waits for the lock, so
			// an attempt another worker began meanwhile may carry a later instant than ours; it
			// has taken a unit all the same (leaving it out let 6 SMS through a limit of 5).
			q := `SELECT count(*), min(started_at) FROM delivery_attempts
				WHERE channel = $1 AND status IN ('sending', 'sent', 'unknown') AND started_at >= $2`
			args := []any{a.Channel, since}
			if r.PerAddress {
				q += ` AND address = $3`
				args = append(args, addr)
			}
			if r.PerTemplate {
				q += ` AND template = $` + strconv.Itoa(len(args)+1)
				args = append(args, tmpl)
			}
			if err := tx.QueryRow(ctx, q, args...).Scan(&count, &oldest); err != nil {
				return fmt.Errorf("count attempts: %w", err)
			}
			if count < r.Max {
				continue
			}
			if r.Window != 0 && oldest != nil {
				next = oldest.Add(r.Window)
			}
			e := &QuotaExceeded{Rule: r, Count: count, RetryAfter: max(next.Sub(a.Now), time.Second)}
			if exceeded == nil || (r.Hard && !exceeded.Rule.Hard) {
				exceeded = e
			}
		}
		if exceeded != nil && !exceeded.Rule.Hard {
			return nil // a rate limit records nothing
		}
		status, class, errText := AttemptSending, "", ""
		var finished *time.Time
		if exceeded != nil {
			status, class, errText, finished = AttemptQuota, "quota", exceeded.Error(), &a.Now
		}
		if err := tx.QueryRow(ctx, `
			UPDATE deliveries SET attempts = attempts + 1, status = CASE WHEN $2 = 'sending' THEN 'sending' ELSE status END,
			       channel = $3, address = $4, updated_at = now()
			WHERE id = $1 AND status <> 'sent' RETURNING attempts`, a.DeliveryID, status, a.Channel, a.Address).Scan(&n); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("delivery %d is already sent or gone", a.DeliveryID)
			}
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO delivery_attempts (delivery_id, n, channel, address, template, status, class, error, started_at, finished_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			a.DeliveryID, n, a.Channel, a.Address, a.Template, status, class, errText, a.Now, finished); err != nil {
			return err
		}
		return nil // a hard quota's attempt is committed: the log shows why the channel was skipped
	})
	if err != nil {
		return 0, fmt.Errorf("store: begin attempt of delivery %d on %s: %w", a.DeliveryID, a.Channel, err)
	}
	if exceeded != nil {
		return n, exceeded
	}
	return n, nil
}

// AttemptResult is how an attempt ended.
type AttemptResult struct {
	Status     string // sent, failed, unknown
	Class      string
	ProviderID string
	Answer     string
	Error      string
	At         time.Time
}

// FinishAttempt records an attempt's outcome. A sent attempt marks the delivery sent; a failed
// one puts it back to pending (the caller decides whether another channel follows or the
// delivery fails for good). Each outcome is one statement, so one round trip: the time between
// a provider's acceptance and its record is the window in which a dying worker leaves an
// attempt to be reconciled, and it is kept as short as the database allows.
func (s *Store) FinishAttempt(ctx context.Context, deliveryID int64, n int, r AttemptResult) error {
	var delivery string
	switch r.Status {
	case AttemptSent:
		delivery = `UPDATE deliveries d SET status = 'sent', channel = a.channel, address = a.address, provider_id = $5,
			provider_answer = $6, error = '', sent_at = $8, updated_at = now() FROM a WHERE d.id = $1`
	case AttemptFailed, AttemptQuota:
		delivery = `UPDATE deliveries d SET status = 'pending', error = $7, updated_at = now() FROM a
			WHERE d.id = $1 AND d.status <> 'sent'`
	default: // sending (outcome unknown, left for reconciliation) or unknown (superseded)
		delivery = `UPDATE deliveries d SET error = $7, updated_at = now() FROM a WHERE d.id = $1`
	}
	tag, err := s.Pool.Exec(ctx, `
		WITH a AS (
			UPDATE delivery_attempts SET status = $3, class = $4, provider_id = $5, answer = $6, error = $7, finished_at = $8
			WHERE delivery_id = $1 AND n = $2 RETURNING channel, address)
		`+delivery, deliveryID, n, r.Status, r.Class, r.ProviderID, r.Answer, r.Error, r.At)
	if err != nil {
		return fmt.Errorf("store: finish attempt %d of delivery %d: %w", n, deliveryID, err)
	}
	if tag.RowsAffected() == 0 && r.Status != AttemptFailed && r.Status != AttemptQuota {
		return notFound("attempt", fmt.Sprintf("%d/%d", deliveryID, n))
	}
	return nil
}

// FailDelivery marks a delivery failed for good, unless it was sent.
func (s *Store) FailDelivery(ctx context.Context, deliveryID int64, reason string, at time.Time) error {
	if _, err := s.Pool.Exec(ctx, `
		UPDATE deliveries SET status = 'failed', error = $2, failed_at = $3, updated_at = now()
		WHERE id = $1 AND status <> 'sent'`, deliveryID, reason, at); err != nil {
		return fmt.Errorf("store: fail delivery %d: %w", deliveryID, err)
	}
	return nil
}

// DeliveryLocker holds per-delivery locks on connections of its own, so that a delivery that
// holds a lock never waits for a connection of the main pool that another lock holder has: no
// pool deadlock at any concurrency. The locks are PostgreSQL session advisory locks: a worker
// that dies loses its connection and with it the lock, at once, without a lease to expire.
type DeliveryLocker struct {
	pool *pgxpool.Pool
}

// ErrDeliveryBusy is returned by TryLock while another worker holds the delivery.
var ErrDeliveryBusy = errors.New("delivery is being sent by another worker")

// NewDeliveryLocker opens a pool of at most maxConcurrent connections for delivery locks.
func (s *Store) NewDeliveryLocker(ctx context.Context, maxConcurrent int) (*DeliveryLocker, error) {
	cfg := s.Pool.Config()
	cfg.MaxConns = int32(max(maxConcurrent, 1))
	cfg.MinConns = 0
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: delivery locks: %w", err)
	}
	return &DeliveryLocker{pool: p}, nil
}

// Close releases the locker's connections.
func (l *DeliveryLocker) Close() { l.pool.Close() }

// DeliveryLock is a held delivery lock.
type DeliveryLock struct {
	conn *pgxpool.Conn
	id   int64
}

// TryLock takes the lock of a delivery or returns ErrDeliveryBusy without waiting.
func (l *DeliveryLocker) TryLock(ctx context.Context, deliveryID int64) (*DeliveryLock, error) {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: lock delivery %d: %w", deliveryID, err)
	}
	var ok bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockClassDelivery, int32(deliveryID)).Scan(&ok); err != nil {
		c.Release()
		return nil, fmt.Errorf("store: lock delivery %d: %w", deliveryID, err)
	}
	if !ok {
		c.Release()
		return nil, fmt.Errorf("store: delivery %d: %w", deliveryID, ErrDeliveryBusy)
	}
	return &DeliveryLock{conn: c, id: deliveryID}, nil
}

// Release gives the lock back. If the unlock cannot be confirmed the connection is closed,
// which releases the lock too, rather than returned to the pool still holding it.
func (k *DeliveryLock) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var ok bool
	if err := k.conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockClassDelivery, int32(k.id)).Scan(&ok); err != nil || !ok {
		_ = k.conn.Hijack().Close(ctx)
		return
	}
	k.conn.Release()
}

// ---- delivery-failure alerts ----

// UnalertedFailures lists deliveries that failed for good and were not yet reported to the
// admins, oldest first; failures of alerts themselves are left out so alerts cannot loop.
func (s *Store) UnalertedFailures(ctx context.Context, limit int) ([]Delivery, error) {
	if limit <= 0 {
		limit = 200
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT `+deliveryCols+` FROM deliveries
		WHERE status = 'failed' AND alerted_at IS NULL AND kind <> 'alert'
		ORDER BY failed_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: unalerted failures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Delivery, error) { return scanDelivery(r) })
	if err != nil {
		return nil, fmt.Errorf("store: unalerted failures: %w", err)
	}
	return out, nil
}

// MarkAlerted records that the admins were told about these failures.
func (s *Store) MarkAlerted(ctx context.Context, ids []int64, at time.Time) error {
	if _, err := s.Pool.Exec(ctx, `UPDATE deliveries SET alerted_at = $2 WHERE id = ANY($1) AND alerted_at IS NULL`, ids, at); err != nil {
		return fmt.Errorf("store: mark alerted: %w", err)
	}
	return nil
}

// LastAlertAt is when the latest alert delivery was created, zero if never.
func (s *Store) LastAlertAt(ctx context.Context) (time.Time, error) {
	var at *time.Time
	if err := s.Pool.QueryRow(ctx, `SELECT max(created_at) FROM deliveries WHERE kind = 'alert'`).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("store: last alert: %w", err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return *at, nil
}

// ---- the dev outbox ----

// OutboxMessage is a message `zwgk dev` kept instead of sending.
type OutboxMessage struct {
	ID        int64
	Key       string
	Channel   string
	Recipient string
	Address   string
	Subject   string
	BodyText  string
	BodyHTML  string
	CreatedAt time.Time
}

// PutOutbox stores a message once per key; inserted is false when the key was already there.
func (s *Store) PutOutbox(ctx context.Context, m OutboxMessage) (id int64, inserted bool, err error) {
	err = s.Pool.QueryRow(ctx, `
		WITH ins AS (
			INSERT INTO outbox (key, channel, recipient, address, subject, body_text, body_html)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING id)
		SELECT id, true FROM ins UNION ALL SELECT id, false FROM outbox WHERE key = $1 LIMIT 1`,
		m.Key, m.Channel, m.Recipient, m.Address, m.Subject, m.BodyText, m.BodyHTML).Scan(&id, &inserted)
	if err != nil {
		return 0, false, fmt.Errorf("store: outbox %s: %w", m.Key, err)
	}
	return id, inserted, nil
}

const outboxCols = `id, key, channel, recipient, address, subject, body_text, body_html, created_at`

func scanOutbox(r pgx.Row) (OutboxMessage, error) {
	var m OutboxMessage
	err := r.Scan(&m.ID, &m.Key, &m.Channel, &m.Recipient, &m.Address, &m.Subject, &m.BodyText, &m.BodyHTML, &m.CreatedAt)
	return m, err
}

// OutboxByKey loads an outbox message by its key.
func (s *Store) OutboxByKey(ctx context.Context, key string) (OutboxMessage, error) {
	m, err := scanOutbox(s.Pool.QueryRow(ctx, `SELECT `+outboxCols+` FROM outbox WHERE key = $1`, key))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, notFound("outbox message", key)
	}
	if err != nil {
		return m, fmt.Errorf("store: outbox %s: %w", key, err)
	}
	return m, nil
}

// OutboxMessage loads an outbox message by id.
func (s *Store) OutboxMessage(ctx context.Context, id int64) (OutboxMessage, error) {
	m, err := scanOutbox(s.Pool.QueryRow(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return m, notFound("outbox message", id)
	}
	if err != nil {
		return m, fmt.Errorf("store: outbox %d: %w", id, err)
	}
	return m, nil
}

// Outbox lists the dev outbox, newest first; beforeID pages (0 = from the newest).
func (s *Store) Outbox(ctx context.Context, limit int, beforeID int64) ([]OutboxMessage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.Pool.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE $1 = 0 OR id < $1 ORDER BY id DESC LIMIT $2`,
		beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMessage, error) { return scanOutbox(r) })
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	return out, nil
}

// OfficesWithoutContact names the offices of a unit that nobody would be told about: no active
// contact and no active robot. A list imported for them tracks items whose reminders reach no
// one, which the preview and the unit page say.
func (s *Store) OfficesWithoutContact(ctx context.Context, unitID int64) ([]string, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT o.name FROM offices o
		WHERE o.unit_id = $1
		  AND NOT EXISTS (SELECT 1 FROM office_people op JOIN people p ON p.id = op.person_id
		                  WHERE op.office_id = o.id AND op.role = 'contact' AND p.active)
		  AND NOT EXISTS (SELECT 1 FROM office_robots r WHERE r.office_id = o.id AND r.active)
		ORDER BY o.name`, unitID)
	if err != nil {
		return nil, fmt.Errorf("store: offices without contact: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("store: offices without contact: %w", err)
	}
	return names, nil
}
