package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

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
		byItem, err := s.RecipientsForItems(ctx, []int64{itemID}, target)
		if err != nil {
			return nil, err
		}
		for _, r := range byItem[itemID] {
			add(r)
		}
	case TargetSupervisor:
		if level < 1 {
			level = 1
		}
		var unitID int64
		err := s.Pool.QueryRow(ctx, `SELECT l.unit_id FROM items i JOIN lists l ON l.id = i.list_id WHERE i.id = $1`, itemID).Scan(&unitID)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("store: supervisors of item %d: %w", itemID, err)
		}
		sups, err := s.SupervisorsAt(ctx, unitID, level)
		if err != nil {
			return nil, fmt.Errorf("store: supervisors of item %d: %w", itemID, err)
		}
		for _, sv := range sups {
			add(personRecipient(sv.Person, sv.Role, sv.Unit))
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

// RecipientsForItems resolves the offices' contacts (and, for TargetContact, their robots) or
// heads of many items at once, in the order and with the dedup RecipientsFor gives one item: a
// peak window of 50,000 due items is two queries instead of 50,000 round trips. An item with
// nobody to tell is absent from the map.
func (s *Store) RecipientsForItems(ctx context.Context, itemIDs []int64, target string) (map[int64][]Recipient, error) {
	if target != TargetContact && target != TargetHead {
		return nil, fmt.Errorf("store: recipients of %d items: target %q: want contact or head", len(itemIDs), target)
	}
	out := map[int64][]Recipient{}
	seen := map[int64]map[string]bool{}
	add := func(item int64, r Recipient) {
		if seen[item] == nil {
			seen[item] = map[string]bool{}
		}
		if !seen[item][r.Key] {
			seen[item][r.Key] = true
			out[item] = append(out[item], r)
		}
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT io.item_id, `+personCols+`, o.name
		FROM item_offices io
		JOIN offices o ON o.id = io.office_id
		JOIN office_people op ON op.office_id = io.office_id AND op.role = $2
		JOIN people p ON p.id = op.person_id AND p.active
		WHERE io.item_id = ANY($1)
		ORDER BY io.item_id, io.role = 'lead' DESC, o.name, o.id, p.name, p.id`, itemIDs, target)
	if err != nil {
		return nil, fmt.Errorf("store: recipients of %d items: %w", len(itemIDs), err)
	}
	var item int64
	var p Person
	var office string
	if _, err := pgx.ForEachRow(rows, []any{&item, &p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note, &office}, func() error {
		add(item, personRecipient(p, target, office))
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: recipients of %d items: %w", len(itemIDs), err)
	}
	if target != TargetContact {
		return out, nil
	}
	rows, err = s.Pool.Query(ctx, `
		SELECT io.item_id, r.id, r.office_id, o.name, '', r.kind, r.name, r.webhook, r.secret, r.active
		FROM item_offices io
		JOIN offices o ON o.id = io.office_id
		JOIN office_robots r ON r.office_id = io.office_id AND r.active
		WHERE io.item_id = ANY($1)
		ORDER BY io.item_id, io.role = 'lead' DESC, o.name, o.id, r.id`, itemIDs)
	if err != nil {
		return nil, fmt.Errorf("store: robots of %d items: %w", len(itemIDs), err)
	}
	var b Robot
	if _, err := pgx.ForEachRow(rows, []any{&item, &b.ID, &b.OfficeID, &b.Office, &b.Unit, &b.Kind, &b.Name, &b.Webhook, &b.Secret, &b.Active}, func() error {
		add(item, robotRecipient(b))
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: robots of %d items: %w", len(itemIDs), err)
	}
	return out, nil
}

// UnitSupervisor is an active supervisor of a unit at one escalation level.
type UnitSupervisor struct {
	Person Person
	Role   string // leader, gkb or director
	Level  int
	Unit   string
}

// SupervisorsAt is whom a supervisor message at level reaches in a unit: its active supervisors
// of that level or, when nobody is set up there, of the highest level below it (an escalation
// never goes nowhere while anyone is below). Level < 1 is 1. None is an empty list: RecipientsFor
// sends these, and the unit page shows the ladder with them.
func (s *Store) SupervisorsAt(ctx context.Context, unitID int64, level int) ([]UnitSupervisor, error) {
	if level < 1 {
		level = 1
	}
	rows, err := s.Pool.Query(ctx, `
		WITH lvl AS (SELECT max(us.level) AS level FROM unit_supervisors us
		             JOIN people p ON p.id = us.person_id AND p.active
		             WHERE us.unit_id = $1 AND us.level <= $2)
		SELECT `+personCols+`, us.role, us.level, u.name
		FROM unit_supervisors us JOIN lvl ON lvl.level = us.level
		JOIN units u ON u.id = us.unit_id
		JOIN people p ON p.id = us.person_id AND p.active
		WHERE us.unit_id = $1
		ORDER BY us.role, p.name, p.id`, unitID, level)
	return collect(rows, err, fmt.Sprintf("supervisors of unit %d at level %d", unitID, level), func(r pgx.Row) (UnitSupervisor, error) {
		var sv UnitSupervisor
		p := &sv.Person
		return sv, r.Scan(&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note, &sv.Role, &sv.Level, &sv.Unit)
	})
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
	return collect(rows, err, "alert recipients", func(r pgx.Row) (Recipient, error) {
		var p Person
		err := scanPerson(r, &p)
		return personRecipient(p, "admin", ""), err
	})
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
	return collect(rows, err, "offices without contact", scalar[string])
}

// OfficeRecipients resolves the people of one office in a role (contact or head), and for
// contacts the office's robots: the recipients of an event clock assigned to that office
// (谁承办谁更新). No recipient is an error wrapping ErrNotFound.
func (s *Store) OfficeRecipients(ctx context.Context, officeID int64, role string) ([]Recipient, error) {
	if role != TargetContact && role != TargetHead {
		return nil, fmt.Errorf("store: recipients of office %d: role %q: want contact or head", officeID, role)
	}
	var out []Recipient
	rows, err := s.Pool.Query(ctx, `
		SELECT `+personCols+`, o.name
		FROM offices o
		JOIN office_people op ON op.office_id = o.id AND op.role = $2
		JOIN people p ON p.id = op.person_id AND p.active
		WHERE o.id = $1
		ORDER BY p.name, p.id`, officeID, role)
	if err != nil {
		return nil, fmt.Errorf("store: recipients of office %d: %w", officeID, err)
	}
	var p Person
	var office string
	if _, err := pgx.ForEachRow(rows, []any{&p.ID, &p.Name, &p.Email, &p.Mobile, &p.Channels, &p.Alerts, &p.Active, &p.Note, &office}, func() error {
		out = append(out, personRecipient(p, role, office))
		return nil
	}); err != nil {
		return nil, fmt.Errorf("store: recipients of office %d: %w", officeID, err)
	}
	if role == TargetContact {
		robots, err := s.Robots(ctx, officeID)
		if err != nil {
			return nil, err
		}
		for _, b := range robots {
			if b.Active {
				out = append(out, robotRecipient(b))
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: office %d has no %s recipient: %w", officeID, role, ErrNotFound)
	}
	return out, nil
}

// UntoldOffice is an office of a unit that no contact person can tell: its reminders reach
// nobody, or only the office's group robot.
type UntoldOffice struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Items are its active items, those whose reminders go unread.
	Items int `json:"items"`
	// Contacts are the contact people it has that cannot receive (deactivated, or without the
	// address of any channel they take); Robots its active group robots.
	Contacts int `json:"contacts"`
	Robots   int `json:"robots"`
}

// UntoldOffices lists the offices of a unit that have no active contact person with a usable
// address (an email for the email channel, a mobile for SMS, among the channels they take, as
// the deliverer chooses them), those holding the most active items first.
func (s *Store) UntoldOffices(ctx context.Context, unitID int64) ([]UntoldOffice, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT o.id, o.name,
		       (SELECT count(*) FROM item_offices io JOIN items i ON i.id = io.item_id
		         WHERE io.office_id = o.id AND i.status = 'active') AS items,
		       (SELECT count(*) FROM office_people op WHERE op.office_id = o.id AND op.role = 'contact'),
		       (SELECT count(*) FROM office_robots r WHERE r.office_id = o.id AND r.active)
		FROM offices o
		WHERE o.unit_id = $1
		  AND NOT EXISTS (SELECT 1 FROM office_people op JOIN people p ON p.id = op.person_id
		                  WHERE op.office_id = o.id AND op.role = 'contact' AND p.active
		                    AND (('email' = ANY (p.channels) AND p.email <> '') OR ('sms' = ANY (p.channels) AND p.mobile <> '')))
		ORDER BY items DESC, o.name`, unitID)
	return collect(rows, err, fmt.Sprintf("untold offices of unit %d", unitID), func(r pgx.Row) (UntoldOffice, error) {
		var o UntoldOffice
		err := r.Scan(&o.ID, &o.Name, &o.Items, &o.Contacts, &o.Robots)
		return o, err
	})
}
