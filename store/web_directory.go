package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// The admin's directory pages: what directory.go and notify.go do not already offer. Changes
// here write their audit entry in the same transaction as the change.

// OfficeByID loads an office.
func (s *Store) OfficeByID(ctx context.Context, id int64) (Office, error) {
	var o Office
	err := s.Pool.QueryRow(ctx, `SELECT id, unit_id, name, aliases FROM offices WHERE id = $1`, id).
		Scan(&o.ID, &o.UnitID, &o.Name, &o.Aliases)
	if errors.Is(err, pgx.ErrNoRows) {
		return Office{}, notFound("office", id)
	}
	if err != nil {
		return Office{}, fmt.Errorf("store: office %d: %w", id, err)
	}
	return o, nil
}

// UpdateOffice renames an office and replaces its aliases. A name or alias already used by
// another office of the unit is ErrExists, naming that office. Items keep pointing at the office
// (by id), so a rename changes what pages and messages say, not who is responsible.
func (s *Store) UpdateOffice(ctx context.Context, id int64, name string, aliases []string, a Audit) (before, after Office, err error) {
	name, err = cleanName(name)
	if err != nil {
		return Office{}, Office{}, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, unit_id, name, aliases FROM offices WHERE id = $1 FOR UPDATE`, id).
			Scan(&before.ID, &before.UnitID, &before.Name, &before.Aliases)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("office", id)
		}
		if err != nil {
			return fmt.Errorf("store: office %d: %w", id, err)
		}
		after = Office{ID: id, UnitID: before.UnitID, Name: name, Aliases: tidyAliases(name, aliases)}
		var taken string
		err = tx.QueryRow(ctx, `SELECT name FROM offices WHERE unit_id = $1 AND id <> $2 AND (name = ANY($3) OR aliases && $3)
			ORDER BY name LIMIT 1`, after.UnitID, id, append([]string{name}, after.Aliases...)).Scan(&taken)
		if err == nil {
			return fmt.Errorf("store: office %s: name or alias used by office %s: %w", name, taken, ErrExists)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: office %d: %w", id, err)
		}
		_, err = tx.Exec(ctx, `UPDATE offices SET name = $2, aliases = $3 WHERE id = $1`, id, name, after.Aliases)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: office %s: %w", name, ErrExists)
		}
		if err != nil {
			return fmt.Errorf("store: office %d: %w", id, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "office.update", "office", fmt.Sprint(id)
		a.Detail = map[string]any{"unit_id": after.UnitID, "name": name, "aliases": after.Aliases,
			"before": map[string]any{"name": before.Name, "aliases": before.Aliases}}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return Office{}, Office{}, err
	}
	return before, after, nil
}

// SetGroupMembers makes a group of a unit mean exactly these offices (no office: the group is
// forgotten, and lists naming it take every office again where the importer does so). Every
// office must belong to the unit, else ErrNotFound. It returns the members before.
func (s *Store) SetGroupMembers(ctx context.Context, unitID int64, group string, officeIDs []int64, a Audit) (before []int64, err error) {
	group, err = cleanName(group)
	if err != nil {
		return nil, err
	}
	ids := slices.Clone(officeIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM offices WHERE unit_id = $1 AND id = ANY($2)`, unitID, ids).Scan(&n); err != nil {
			return fmt.Errorf("store: group %s: %w", group, err)
		}
		if n != len(ids) {
			return fmt.Errorf("store: group %s: an office is not one of unit %d: %w", group, unitID, ErrNotFound)
		}
		rows, err := tx.Query(ctx, `DELETE FROM office_groups WHERE unit_id = $1 AND name = $2 RETURNING office_id`, unitID, group)
		if err != nil {
			return fmt.Errorf("store: group %s: %w", group, err)
		}
		if before, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("store: group %s: %w", group, err)
		}
		slices.Sort(before)
		if _, err := tx.Exec(ctx, `INSERT INTO office_groups (unit_id, name, office_id) SELECT $1, $2, unnest($3::bigint[])`,
			unitID, group, ids); err != nil {
			return fmt.Errorf("store: group %s: %w", group, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "group.set", "unit", fmt.Sprint(unitID)
		a.Detail = map[string]any{"group": group, "offices": ids, "before": before}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return before, nil
}

// GroupUse is a group name that the active items of a unit's lists use.
type GroupUse struct {
	Name  string `json:"name"`
	Items int    `json:"items"`
}

// GroupUsage lists the group names the unit's active items were imported with and how many
// items name each, so that the admin sees which groups a list needs. 谁承办谁更新 and its kin
// (an office chosen per event) are left out: no membership applies to them.
func (s *Store) GroupUsage(ctx context.Context, unitID int64) ([]GroupUse, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT g, count(*) FROM items i JOIN lists l ON l.id = i.list_id, unnest(i.groups) g
		WHERE l.unit_id = $1 AND i.status = 'active' AND g NOT LIKE '%谁%'
		GROUP BY g ORDER BY g`, unitID)
	if err != nil {
		return nil, fmt.Errorf("store: groups used by unit %d: %w", unitID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (GroupUse, error) {
		var g GroupUse
		return g, r.Scan(&g.Name, &g.Items)
	})
	if err != nil {
		return nil, fmt.Errorf("store: groups used by unit %d: %w", unitID, err)
	}
	return out, nil
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
		err := tx.QueryRow(ctx, `
			INSERT INTO people (name, email, mobile, channels, alerts, note) VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id`, p.Name, p.Email, p.Mobile, p.Channels, p.Alerts, p.Note).Scan(&id)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: person %s: %w", p.Name, ErrDuplicatePerson)
		}
		if err != nil {
			return fmt.Errorf("store: person %s: %w", p.Name, err)
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

// attachTx records a role with the same statements as AttachOfficePerson and AttachSupervisor,
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

// RosterChange is what importing one roster row would do.
type RosterChange struct {
	Row int `json:"row"`
	// Action is create (a new person), update (an existing person whose fields change),
	// same (nothing about the person changes), or again: a person an earlier row of the file
	// already creates or updates (FirstRow), which this row may change further.
	Action   string            `json:"action"`
	PersonID int64             `json:"person_id,omitempty"` // the existing person; 0 for a new one
	FirstRow int               `json:"first_row,omitempty"`
	Person   string            `json:"person"`
	Email    string            `json:"email,omitempty"`
	Mobile   string            `json:"mobile,omitempty"`
	Changed  map[string][2]any `json:"changed,omitempty"` // field: [before, after]
	// The role the row records, if any: Role of Office (with Unit) or of Unit at Level.
	Role   string `json:"role,omitempty"`
	Office string `json:"office,omitempty"`
	Unit   string `json:"unit,omitempty"`
	Level  int    `json:"level,omitempty"`
	// RoleIs is new, kept (the person has it already) or changed (a supervisor's role at that
	// level changes).
	RoleIs string `json:"role_is,omitempty"`
}

// RosterPlan is what a roster import would do, row by row, and in sum.
type RosterPlan struct {
	Changes   []RosterChange `json:"changes"`
	New       int            `json:"new_people"`
	Updated   int            `json:"updated_people"`
	Unchanged int            `json:"unchanged_people"`
	NewRoles  int            `json:"new_roles"`
	KeptRoles int            `json:"kept_roles"`
}

var errDryRun = errors.New("dry run")

// PlanRoster runs a roster import inside a transaction that it rolls back, and reports row by
// row what the import would create and change: the preview is the real import (the same
// matching by email or mobile, the same statements as ImportRoster, the same constraints), not
// a separate guess. An error names the row, as ImportRoster's do.
func (s *Store) PlanRoster(ctx context.Context, entries []RosterEntry) (*RosterPlan, error) {
	plan := &RosterPlan{}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		firstRow := map[int64]int{} // person → the first row that names them
		created := map[int64]bool{}
		changed := map[int64]bool{}
		for _, e := range entries {
			c := RosterChange{Row: e.Row, Person: e.Person.Name, Email: e.Person.Email, Mobile: e.Person.Mobile}
			p := e.Person
			if err := normalizePerson(&p); err != nil {
				return fmt.Errorf("row %d: store: person: %w", e.Row, err)
			}
			var before Person
			err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM people p
				WHERE ($1 <> '' AND lower(p.email) = lower($1)) OR ($2 <> '' AND p.mobile = $2) ORDER BY p.id LIMIT 1`,
				p.Email, p.Mobile), &before)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("row %d: %w", e.Row, err)
			}
			id, isNew, err := upsertPerson(ctx, tx, e.Person)
			if err != nil {
				return fmt.Errorf("row %d: %w", e.Row, err)
			}
			var after Person
			if err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM people p WHERE p.id = $1`, id), &after); err != nil {
				return fmt.Errorf("row %d: %w", e.Row, err)
			}
			switch first, seen := firstRow[id]; {
			case seen:
				c.Action, c.FirstRow = "again", first
			case isNew:
				c.Action = "create"
				created[id] = true
			default:
				c.Action, c.PersonID = "same", id
			}
			if !isNew {
				if diff := personChanges(before, after); len(diff) > 0 {
					c.Changed = diff
					if c.Action == "same" {
						c.Action = "update"
					}
					changed[id] = true
				}
			}
			if _, seen := firstRow[id]; !seen {
				firstRow[id] = e.Row
			}
			if e.OfficeID != 0 {
				c.Role, c.RoleIs = e.Role, "new"
				var exists bool
				if err := tx.QueryRow(ctx, `SELECT o.name, u.name, EXISTS (SELECT 1 FROM office_people op
					WHERE op.office_id = o.id AND op.person_id = $2 AND op.role = $3)
					FROM offices o JOIN units u ON u.id = o.unit_id WHERE o.id = $1`, e.OfficeID, id, e.Role).
					Scan(&c.Office, &c.Unit, &exists); err != nil {
					return fmt.Errorf("row %d: office %d: %w", e.Row, e.OfficeID, err)
				}
				if exists {
					c.RoleIs = "kept"
				}
				if _, err := attachTx(ctx, tx, Attachment{PersonID: id, OfficeID: e.OfficeID, Role: e.Role}); err != nil {
					return fmt.Errorf("row %d: %w", e.Row, err)
				}
			}
			if e.UnitID != 0 {
				c.Role, c.Level, c.RoleIs = e.SupRole, e.Level, "new"
				var was *string
				if err := tx.QueryRow(ctx, `SELECT u.name, (SELECT us.role FROM unit_supervisors us
					WHERE us.unit_id = u.id AND us.person_id = $2 AND us.level = $3) FROM units u WHERE u.id = $1`,
					e.UnitID, id, e.Level).Scan(&c.Unit, &was); err != nil {
					return fmt.Errorf("row %d: unit %d: %w", e.Row, e.UnitID, err)
				}
				switch {
				case was != nil && *was == e.SupRole:
					c.RoleIs = "kept"
				case was != nil:
					c.RoleIs = "changed"
				}
				if _, err := attachTx(ctx, tx, Attachment{PersonID: id, UnitID: e.UnitID, Role: e.SupRole, Level: e.Level}); err != nil {
					return fmt.Errorf("row %d: %w", e.Row, err)
				}
			}
			switch c.RoleIs {
			case "new", "changed":
				plan.NewRoles++
			case "kept":
				plan.KeptRoles++
			}
			plan.Changes = append(plan.Changes, c)
		}
		for id := range firstRow {
			switch {
			case created[id]:
				plan.New++
			case changed[id]:
				plan.Updated++
			default:
				plan.Unchanged++
			}
		}
		return errDryRun
	})
	if !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("store: roster: %w", err)
	}
	return plan, nil
}
