package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Roles of web users.
const (
	RoleAdmin      = "admin"      // 政务公开办 staff: everything
	RoleSupervisor = "supervisor" // 分管领导: the items of their units
	RoleOffice     = "office"     // 科室 contact: the items of their offices
)

// ErrLoginTaken is returned when a user with the same login (ignoring case) exists.
var ErrLoginTaken = errors.New("login already taken")

// User is a web account with its scope.
type User struct {
	ID           int64     `json:"id"`
	Login        string    `json:"login"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	Offices      []int64   `json:"offices"`             // office users
	Units        []int64   `json:"units"`               // supervisors
	PersonID     int64     `json:"person_id,omitempty"` // the person who receives this user's reminders, 0 if none
	CreatedAt    time.Time `json:"created_at"`
}

// NewUser is what CreateUser needs; PasswordHash is made by the caller (bcrypt).
type NewUser struct {
	Login        string
	Name         string
	Role         string
	PasswordHash string
	Offices      []int64
	Units        []int64
}

const userCols = `u.id, u.login, u.name, u.role, u.disabled, u.password_hash, u.created_at, COALESCE(u.person_id, 0),
	COALESCE((SELECT array_agg(office_id ORDER BY office_id) FROM user_offices WHERE user_id = u.id), '{}'),
	COALESCE((SELECT array_agg(unit_id ORDER BY unit_id) FROM user_units WHERE user_id = u.id), '{}')`

func scanUser(row pgx.Row) (*User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.Disabled, &u.PasswordHash, &u.CreatedAt, &u.PersonID, &u.Offices, &u.Units)
	return &u, err
}

// CreateUser adds an account with its scope and records it in the audit log.
func (s *Store) CreateUser(ctx context.Context, nu NewUser, a Audit) (*User, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (login, name, role, password_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
			nu.Login, nu.Name, nu.Role, nu.PasswordHash).Scan(&id)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: user %s: %w", nu.Login, ErrLoginTaken)
		}
		if err != nil {
			return fmt.Errorf("store: create user %s: %w", nu.Login, err)
		}
		if err := setUserScope(ctx, tx, id, nu.Offices, nu.Units); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "user.create", "user", fmt.Sprint(id)
		a.Detail = map[string]any{"login": nu.Login, "role": nu.Role, "offices": nu.Offices, "units": nu.Units}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return s.UserByID(ctx, id)
}

func setUserScope(ctx context.Context, tx pgx.Tx, id int64, offices, units []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM user_offices WHERE user_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM user_units WHERE user_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO user_offices (user_id, office_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, id, nonNil(offices)); err != nil {
		if isForeignKeyViolation(err) {
			return notFound("office", offices)
		}
		return fmt.Errorf("store: user %d offices: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO user_units (user_id, unit_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, id, nonNil(units)); err != nil {
		if isForeignKeyViolation(err) {
			return notFound("unit", units)
		}
		return fmt.Errorf("store: user %d units: %w", id, err)
	}
	return nil
}

func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// UpdateUserScope replaces a user's offices and units.
func (s *Store) UpdateUserScope(ctx context.Context, id int64, offices, units []int64, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := setUserScope(ctx, tx, id, offices, units); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "user.scope", "user", fmt.Sprint(id)
		a.Detail = map[string]any{"offices": offices, "units": units}
		return writeAudit(ctx, tx, a)
	})
}

// UserByID returns a user with their scope.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("user", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: user %d: %w", id, err)
	}
	return u, nil
}

// UserByLogin looks a user up by login, ignoring case.
func (s *Store) UserByLogin(ctx context.Context, login string) (*User, error) {
	u, err := scanUser(s.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE lower(u.login) = lower($1)`, login))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("user", login)
	}
	if err != nil {
		return nil, fmt.Errorf("store: user %s: %w", login, err)
	}
	return u, nil
}

// Users lists every account by login.
func (s *Store) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+userCols+` FROM users u ORDER BY lower(u.login)`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetPassword replaces a user's password hash and ends their sessions, so that a changed
// password locks out whoever knew the old one; their API tokens die too (APITokenUser refuses a
// token made before password_changed_at), since a token minted by whoever knew the old password
// would otherwise outlive it.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = now(), password_changed_at = now() WHERE id = $1`, id, hash)
		if err != nil {
			return fmt.Errorf("store: user %d password: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("user", id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "user.password", "user", fmt.Sprint(id)
		return writeAudit(ctx, tx, a)
	})
}

// SetUserDisabled enables or disables an account; disabling ends its sessions and revokes its
// API tokens.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1`, id, disabled)
		if err != nil {
			return fmt.Errorf("store: user %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return notFound("user", id)
		}
		if disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
			// Revoked, not only refused while disabled: an account disabled because it leaked
			// must not get its scripts' tokens back when it is enabled again.
			if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, id); err != nil {
				return fmt.Errorf("store: user %d tokens: %w", id, err)
			}
		}
		a.Action, a.ObjectType, a.ObjectID = "user.disable", "user", fmt.Sprint(id)
		a.Detail = map[string]any{"disabled": disabled}
		return writeAudit(ctx, tx, a)
	})
}

// CountAdmins reports how many enabled admins exist, so `zwgk dev` knows whether to make one.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.Pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled`).Scan(&n)
	return n, err
}

// OfficeIDsByName resolves office names (optionally "单位/科室") to ids, for `zwgk user add`.
// A name that matches no office, or offices in several units, is an error naming it.
func (s *Store) OfficeIDsByName(ctx context.Context, names []string) ([]int64, error) {
	var out []int64
	for _, n := range names {
		rows, err := s.Pool.Query(ctx, `
			SELECT o.id FROM offices o JOIN units u ON u.id = o.unit_id
			WHERE o.name = $1 OR $1 = ANY(o.aliases) OR u.name || '/' || o.name = $1`, n)
		if err != nil {
			return nil, fmt.Errorf("store: office %s: %w", n, err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return nil, fmt.Errorf("store: office %s: %w", n, err)
		}
		switch len(ids) {
		case 0:
			return nil, notFound("office", n)
		case 1:
			out = append(out, ids[0])
		default:
			return nil, fmt.Errorf("store: office %s: %d offices of that name in different units; write 单位/科室", n, len(ids))
		}
	}
	return out, nil
}

// UnitIDsByName resolves unit names to ids.
func (s *Store) UnitIDsByName(ctx context.Context, names []string) ([]int64, error) {
	var out []int64
	for _, n := range names {
		var id int64
		err := s.Pool.QueryRow(ctx, `SELECT id FROM units WHERE name = $1`, n).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, notFound("unit", n)
		}
		if err != nil {
			return nil, fmt.Errorf("store: unit %s: %w", n, err)
		}
		out = append(out, id)
	}
	return out, nil
}

// ErrPersonLinked is returned, wrapped, when a person already has another account.
var ErrPersonLinked = errors.New("person already linked to another user")

// SetUserPerson links an account to a person (0 unlinks it), so that the person's reminder
// settings are theirs to choose when signed in.
func (s *Store) SetUserPerson(ctx context.Context, id, personID int64, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var pid any
		if personID != 0 {
			pid = personID
		}
		tag, err := tx.Exec(ctx, `UPDATE users SET person_id = $2, updated_at = now() WHERE id = $1`, id, pid)
		switch {
		case isUniqueViolation(err):
			return fmt.Errorf("store: user %d person %d: %w", id, personID, ErrPersonLinked)
		case isForeignKeyViolation(err):
			return notFound("person", personID)
		case err != nil:
			return fmt.Errorf("store: user %d person: %w", id, err)
		case tag.RowsAffected() == 0:
			return notFound("user", id)
		}
		a.Action, a.ObjectType, a.ObjectID = "user.person", "user", fmt.Sprint(id)
		a.Detail = map[string]any{"person": personID}
		return writeAudit(ctx, tx, a)
	})
}

// UserByPerson returns the account linked to a person.
func (s *Store) UserByPerson(ctx context.Context, personID int64) (*User, error) {
	u, err := scanUser(s.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE u.person_id = $1`, personID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound("user of person", personID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: user of person %d: %w", personID, err)
	}
	return u, nil
}
