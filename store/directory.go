package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Unit is a department whose lists zwgk tracks.
type Unit struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Policy    json.RawMessage `json:"policy,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Office is an office (科室) of a unit, with the other spellings lists use for it.
type Office struct {
	ID      int64    `json:"id"`
	UnitID  int64    `json:"unit_id"`
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
}

// OfficeGroup is a group name of a unit (各相关科室) and the offices the admin assigned to it.
type OfficeGroup struct {
	Name      string  `json:"name"`
	OfficeIDs []int64 `json:"office_ids"`
}

// Directory is everything the importer matches a list against.
type Directory struct {
	Unit    Unit          `json:"unit"`
	Offices []Office      `json:"offices"`
	Groups  []OfficeGroup `json:"groups"`
}

// ErrExists is returned, wrapped, when a name is already taken.
var ErrExists = errors.New("already exists")

func cleanName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("store: empty name")
	}
	return s, nil
}

// CreateUnit adds a unit; a taken name is ErrExists.
func (s *Store) CreateUnit(ctx context.Context, name string) (Unit, error) {
	name, err := cleanName(name)
	if err != nil {
		return Unit{}, err
	}
	var u Unit
	err = s.Pool.QueryRow(ctx, `INSERT INTO units (name) VALUES ($1) RETURNING id, name, policy, created_at`, name).
		Scan(&u.ID, &u.Name, &u.Policy, &u.CreatedAt)
	if isUniqueViolation(err) {
		return Unit{}, fmt.Errorf("store: unit %s: %w", name, ErrExists)
	}
	if err != nil {
		return Unit{}, fmt.Errorf("store: create unit %s: %w", name, err)
	}
	return u, nil
}

// EnsureUnit returns the unit of that name, creating it when it does not exist.
func (s *Store) EnsureUnit(ctx context.Context, name string) (u Unit, created bool, err error) {
	name, err = cleanName(name)
	if err != nil {
		return Unit{}, false, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		u, created, err = ensureUnit(ctx, tx, name)
		return err
	})
	return u, created, err
}

func ensureUnit(ctx context.Context, tx pgx.Tx, name string) (u Unit, created bool, err error) {
	err = tx.QueryRow(ctx, `
		WITH ins AS (INSERT INTO units (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id, name, policy, created_at)
		SELECT id, name, policy, created_at, true FROM ins
		UNION ALL SELECT id, name, policy, created_at, false FROM units WHERE name = $1`, name).
		Scan(&u.ID, &u.Name, &u.Policy, &u.CreatedAt, &created)
	if err != nil {
		return Unit{}, false, fmt.Errorf("store: unit %s: %w", name, err)
	}
	return u, created, nil
}

// UnitByName finds a unit by its exact name.
func (s *Store) UnitByName(ctx context.Context, name string) (Unit, error) {
	var u Unit
	err := s.Pool.QueryRow(ctx, `SELECT id, name, policy, created_at FROM units WHERE name = $1`, strings.TrimSpace(name)).
		Scan(&u.ID, &u.Name, &u.Policy, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Unit{}, notFound("unit", name)
	}
	if err != nil {
		return Unit{}, fmt.Errorf("store: unit %s: %w", name, err)
	}
	return u, nil
}

// UnitByID finds a unit by id.
func (s *Store) UnitByID(ctx context.Context, id int64) (Unit, error) {
	var u Unit
	err := s.Pool.QueryRow(ctx, `SELECT id, name, policy, created_at FROM units WHERE id = $1`, id).
		Scan(&u.ID, &u.Name, &u.Policy, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Unit{}, notFound("unit", id)
	}
	if err != nil {
		return Unit{}, fmt.Errorf("store: unit %d: %w", id, err)
	}
	return u, nil
}

// ListUnits lists every unit by name.
func (s *Store) ListUnits(ctx context.Context) ([]Unit, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, name, policy, created_at FROM units ORDER BY name`)
	return collect(rows, err, "units", func(r pgx.Row) (Unit, error) {
		var u Unit
		return u, r.Scan(&u.ID, &u.Name, &u.Policy, &u.CreatedAt)
	})
}

// CreateOffice adds an office to a unit. A name already used by an office of the unit, as its
// name or an alias, is ErrExists.
func (s *Store) CreateOffice(ctx context.Context, unitID int64, name string, aliases []string) (Office, error) {
	var o Office
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		o, err = createOffice(ctx, tx, unitID, name, aliases)
		return err
	})
	return o, err
}

func createOffice(ctx context.Context, tx pgx.Tx, unitID int64, name string, aliases []string) (Office, error) {
	name, err := cleanName(name)
	if err != nil {
		return Office{}, err
	}
	aliases = tidyAliases(name, aliases)
	var taken string
	err = tx.QueryRow(ctx, `SELECT name FROM offices WHERE unit_id = $1 AND (name = ANY($2) OR aliases && $2) LIMIT 1`,
		unitID, append([]string{name}, aliases...)).Scan(&taken)
	if err == nil {
		return Office{}, fmt.Errorf("store: office %s: name used by office %s: %w", name, taken, ErrExists)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Office{}, fmt.Errorf("store: create office %s: %w", name, err)
	}
	o := Office{UnitID: unitID, Name: name, Aliases: aliases}
	err = tx.QueryRow(ctx, `INSERT INTO offices (unit_id, name, aliases) VALUES ($1, $2, $3) RETURNING id`, unitID, name, aliases).Scan(&o.ID)
	if isUniqueViolation(err) {
		return Office{}, fmt.Errorf("store: office %s: %w", name, ErrExists)
	}
	if isForeignKeyViolation(err) {
		return Office{}, notFound("unit", unitID)
	}
	if err != nil {
		return Office{}, fmt.Errorf("store: create office %s: %w", name, err)
	}
	return o, nil
}

func tidyAliases(name string, aliases []string) []string {
	out := []string{}
	for _, a := range aliases {
		a = strings.TrimSpace(a)
		if a != "" && a != name && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// Offices lists the offices of a unit by name.
func (s *Store) Offices(ctx context.Context, unitID int64) ([]Office, error) {
	rows, err := s.Pool.Query(ctx, `SELECT id, unit_id, name, aliases FROM offices WHERE unit_id = $1 ORDER BY name`, unitID)
	return collect(rows, err, fmt.Sprintf("offices of unit %d", unitID), func(r pgx.Row) (Office, error) {
		var o Office
		return o, r.Scan(&o.ID, &o.UnitID, &o.Name, &o.Aliases)
	})
}

// FindOffice finds an office of a unit by its exact name or one of its aliases.
func (s *Store) FindOffice(ctx context.Context, unitID int64, name string) (Office, error) {
	return findOffice(ctx, s.Pool, unitID, name)
}

type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func findOffice(ctx context.Context, q rowQuerier, unitID int64, name string) (Office, error) {
	name = strings.TrimSpace(name)
	var o Office
	err := q.QueryRow(ctx, `
		SELECT id, unit_id, name, aliases FROM offices WHERE unit_id = $1 AND (name = $2 OR $2 = ANY(aliases))
		ORDER BY name <> $2, id LIMIT 1`, unitID, name).Scan(&o.ID, &o.UnitID, &o.Name, &o.Aliases)
	if errors.Is(err, pgx.ErrNoRows) {
		return Office{}, notFound("office", name)
	}
	if err != nil {
		return Office{}, fmt.Errorf("store: office %s: %w", name, err)
	}
	return o, nil
}

// AddOfficeAliases adds spellings to an office. An alias that is another office's name or
// alias is ErrExists.
func (s *Store) AddOfficeAliases(ctx context.Context, officeID int64, aliases ...string) (Office, error) {
	var o Office
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		_, o, err = addOfficeAliases(ctx, tx, officeID, aliases)
		return err
	})
	return o, err
}

func addOfficeAliases(ctx context.Context, tx pgx.Tx, officeID int64, aliases []string) (before, o Office, err error) {
	err = tx.QueryRow(ctx, `SELECT id, unit_id, name, aliases FROM offices WHERE id = $1 FOR UPDATE`, officeID).
		Scan(&o.ID, &o.UnitID, &o.Name, &o.Aliases)
	if errors.Is(err, pgx.ErrNoRows) {
		return Office{}, Office{}, notFound("office", officeID)
	}
	if err != nil {
		return Office{}, Office{}, fmt.Errorf("store: office %d: %w", officeID, err)
	}
	before = o
	before.Aliases = slices.Clone(o.Aliases)
	add := tidyAliases(o.Name, aliases)
	var taken string
	err = tx.QueryRow(ctx, `SELECT name FROM offices WHERE unit_id = $1 AND id <> $2 AND (name = ANY($3) OR aliases && $3) LIMIT 1`,
		o.UnitID, o.ID, add).Scan(&taken)
	if err == nil {
		return Office{}, Office{}, fmt.Errorf("store: alias of %s: already used by office %s: %w", o.Name, taken, ErrExists)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Office{}, Office{}, fmt.Errorf("store: aliases of %s: %w", o.Name, err)
	}
	o.Aliases = tidyAliases(o.Name, append(o.Aliases, add...))
	if _, err = tx.Exec(ctx, `UPDATE offices SET aliases = $2 WHERE id = $1`, o.ID, o.Aliases); err != nil {
		return Office{}, Office{}, fmt.Errorf("store: aliases of %s: %w", o.Name, err)
	}
	return before, o, nil
}

// AddGroupMembers assigns offices to a group of a unit (creating the group); assigning an
// office twice is a no-op. Every office must belong to the unit.
func (s *Store) AddGroupMembers(ctx context.Context, unitID int64, group string, officeIDs ...int64) error {
	group, err := cleanName(group)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error { return addGroupMembers(ctx, tx, unitID, group, officeIDs) })
}

func addGroupMembers(ctx context.Context, tx pgx.Tx, unitID int64, group string, officeIDs []int64) error {
	for _, id := range officeIDs {
		tag, err := tx.Exec(ctx, `
			INSERT INTO office_groups (unit_id, name, office_id)
			SELECT $1, $2, id FROM offices WHERE id = $3 AND unit_id = $1
			ON CONFLICT DO NOTHING`, unitID, group, id)
		if err != nil {
			return fmt.Errorf("store: group %s: %w", group, err)
		}
		if tag.RowsAffected() == 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM offices WHERE id = $1 AND unit_id = $2`, id, unitID).Scan(&n); err != nil {
				return fmt.Errorf("store: group %s: %w", group, err)
			}
			if n == 0 {
				return fmt.Errorf("store: group %s: office %d of unit %d: %w", group, id, unitID, ErrNotFound)
			}
		}
	}
	return nil
}

// RemoveGroupMembers takes offices out of a group; a group left with none no longer exists.
func (s *Store) RemoveGroupMembers(ctx context.Context, unitID int64, group string, officeIDs ...int64) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		return removeGroupMembers(ctx, tx, unitID, strings.TrimSpace(group), officeIDs)
	})
}

func removeGroupMembers(ctx context.Context, tx pgx.Tx, unitID int64, group string, officeIDs []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM office_groups WHERE unit_id = $1 AND name = $2 AND office_id = ANY($3)`,
		unitID, group, officeIDs); err != nil {
		return fmt.Errorf("store: group %s: %w", group, err)
	}
	return nil
}

// Groups lists the groups of a unit with their offices.
func (s *Store) Groups(ctx context.Context, unitID int64) ([]OfficeGroup, error) {
	rows, err := s.Pool.Query(ctx, `
		SELECT name, array_agg(office_id ORDER BY office_id) FROM office_groups WHERE unit_id = $1
		GROUP BY name ORDER BY name`, unitID)
	return collect(rows, err, fmt.Sprintf("groups of unit %d", unitID), func(r pgx.Row) (OfficeGroup, error) {
		var g OfficeGroup
		return g, r.Scan(&g.Name, &g.OfficeIDs)
	})
}

// LoadDirectory reads a unit's offices and groups.
func (s *Store) LoadDirectory(ctx context.Context, unitID int64) (*Directory, error) {
	u, err := s.UnitByID(ctx, unitID)
	if err != nil {
		return nil, err
	}
	d := &Directory{Unit: u}
	if d.Offices, err = s.Offices(ctx, unitID); err != nil {
		return nil, err
	}
	if d.Groups, err = s.Groups(ctx, unitID); err != nil {
		return nil, err
	}
	return d, nil
}

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
	return collect(rows, err, fmt.Sprintf("groups used by unit %d", unitID), func(r pgx.Row) (GroupUse, error) {
		var g GroupUse
		return g, r.Scan(&g.Name, &g.Items)
	})
}
