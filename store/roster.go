package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

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
