package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/jackc/pgx/v5"
)

// The changes an admin makes from the web or the CLI, each written with its audit entry in one
// transaction: a change that commits has its entry, and an entry that cannot be written undoes
// the change. The plain functions they share statements with (EnsureUnit, CreateOffice,
// AttachOfficePerson, …) stay for seeding and tests, which are not changes anyone answers for.

// EnsureUnitAudited is EnsureUnit, auditing unit.create when it creates the unit.
func (s *Store) EnsureUnitAudited(ctx context.Context, name string, a Audit) (u Unit, created bool, err error) {
	if name, err = cleanName(name); err != nil {
		return Unit{}, false, err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if u, created, err = ensureUnit(ctx, tx, name); err != nil || !created {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID, a.Detail = "unit.create", "unit", fmt.Sprint(u.ID), map[string]any{"name": u.Name}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return Unit{}, false, err
	}
	return u, created, nil
}

// CreateOfficeAudited is CreateOffice, auditing office.create.
func (s *Store) CreateOfficeAudited(ctx context.Context, unitID int64, name string, aliases []string, a Audit) (Office, error) {
	var o Office
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if o, err = createOffice(ctx, tx, unitID, name, aliases); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "office.create", "office", fmt.Sprint(o.ID)
		a.Detail = map[string]any{"unit_id": unitID, "name": o.Name, "aliases": o.Aliases}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return Office{}, err
	}
	return o, nil
}

// AddOfficeAliasesAudited is AddOfficeAliases, audited as office.update with the same detail
// as UpdateOffice, since it is the same change seen from the audit page.
func (s *Store) AddOfficeAliasesAudited(ctx context.Context, officeID int64, aliases []string, a Audit) (Office, error) {
	var after Office
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		before, o, err := addOfficeAliases(ctx, tx, officeID, aliases)
		if err != nil {
			return err
		}
		after = o
		a.Action, a.ObjectType, a.ObjectID = "office.update", "office", fmt.Sprint(o.ID)
		a.Detail = map[string]any{"unit_id": o.UnitID, "name": o.Name, "aliases": o.Aliases,
			"before": map[string]any{"name": before.Name, "aliases": before.Aliases}}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return Office{}, err
	}
	return after, nil
}

// ChangeGroupMembers adds offices to a group of a unit (remove false) or takes them out, and
// audits group.set with the members before and after, as SetGroupMembers does. It returns the
// members after.
func (s *Store) ChangeGroupMembers(ctx context.Context, unitID int64, group string, officeIDs []int64, remove bool, a Audit) ([]int64, error) {
	group, err := cleanName(group)
	if err != nil {
		return nil, err
	}
	var after []int64
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		// the unit row serializes changes of its groups, so that before and after are exact
		if _, err := tx.Exec(ctx, `SELECT 1 FROM units WHERE id = $1 FOR UPDATE`, unitID); err != nil {
			return fmt.Errorf("store: group %s: %w", group, err)
		}
		before, err := groupMembers(ctx, tx, unitID, group)
		if err != nil {
			return err
		}
		if remove {
			err = removeGroupMembers(ctx, tx, unitID, group, officeIDs)
		} else {
			err = addGroupMembers(ctx, tx, unitID, group, officeIDs)
		}
		if err != nil {
			return err
		}
		if after, err = groupMembers(ctx, tx, unitID, group); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "group.set", "unit", fmt.Sprint(unitID)
		a.Detail = map[string]any{"group": group, "offices": after, "before": before}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return after, nil
}

func groupMembers(ctx context.Context, tx pgx.Tx, unitID int64, group string) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT office_id FROM office_groups WHERE unit_id = $1 AND name = $2 ORDER BY office_id`, unitID, group)
	if err != nil {
		return nil, fmt.Errorf("store: group %s: %w", group, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: group %s: %w", group, err)
	}
	return ids, nil
}

// AttachRole gives a person a role and audits person.attach with a.Detail (the caller's names
// for the person, office and unit) when the role is new or changes a supervisor's role at that
// level; attaching what the person has already writes nothing and returns false.
func (s *Store) AttachRole(ctx context.Context, at Attachment, a Audit) (changed bool, err error) {
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if changed, err = attachTx(ctx, tx, at); err != nil || !changed {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "person.attach", "person", fmt.Sprint(at.PersonID)
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return false, err
	}
	return changed, nil
}

// DetachRole takes a role away from a person (a supervisor is detached from the level whatever
// the role) and audits person.detach with a.Detail. A role the person does not have is
// ErrNotFound.
func (s *Store) DetachRole(ctx context.Context, at Attachment, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := detachTx(ctx, tx, at); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "person.detach", "person", fmt.Sprint(at.PersonID)
		return writeAudit(ctx, tx, a)
	})
}

// detachTx takes one role away; a role the person does not have is ErrNotFound.
func detachTx(ctx context.Context, tx pgx.Tx, at Attachment) error {
	var (
		n   int64
		err error
	)
	switch {
	case at.OfficeID != 0:
		n, err = execCount(ctx, tx, `DELETE FROM office_people WHERE office_id = $1 AND person_id = $2 AND role = $3`,
			at.OfficeID, at.PersonID, at.Role)
	case at.UnitID != 0:
		n, err = execCount(ctx, tx, `DELETE FROM unit_supervisors WHERE unit_id = $1 AND person_id = $2 AND level = $3`,
			at.UnitID, at.PersonID, at.Level)
	default:
		return fmt.Errorf("store: detach person %d: neither an office nor a unit", at.PersonID)
	}
	if err != nil {
		return fmt.Errorf("store: detach person %d: %w", at.PersonID, err)
	}
	if n == 0 {
		return notFound("attachment", fmt.Sprintf("person %d office %d unit %d level %d role %s", at.PersonID, at.OfficeID, at.UnitID, at.Level, at.Role))
	}
	return nil
}

func execCount(ctx context.Context, tx pgx.Tx, sql string, args ...any) (int64, error) {
	tag, err := tx.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// DeletePersonAudited removes a person and their roles (the delivery log keeps their name), auditing person.delete with the person's name (their
// row is gone afterwards, so the entry is what says who they were).
func (s *Store) DeletePersonAudited(ctx context.Context, id int64, a Audit) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var name, email, mobile string
		err := tx.QueryRow(ctx, `DELETE FROM people WHERE id = $1 RETURNING name, coalesce(email, ''), coalesce(mobile, '')`, id).
			Scan(&name, &email, &mobile)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("person", id)
		}
		if err != nil {
			return fmt.Errorf("store: delete person %d: %w", id, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "person.delete", "person", fmt.Sprint(id)
		a.Detail = map[string]any{"name": name, "email": email, "mobile": mobile}
		return writeAudit(ctx, tx, a)
	})
}

// AddRobotAudited is AddRobot, auditing robot.add. The webhook and the secret are credentials:
// the entry has the webhook's host and whether the robot signs, never the URL or the secret.
func (s *Store) AddRobotAudited(ctx context.Context, r Robot, a Audit) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if id, err = addRobot(ctx, tx, r); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "robot.add", "robot", fmt.Sprint(id)
		a.Detail = map[string]any{"office_id": r.OfficeID, "kind": r.Kind, "name": r.Name, "host": WebhookHost(r.Webhook), "signed": r.Secret != ""}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// DeleteRobotAudited removes a robot of an office (officeID 0: of any office, for the CLI) and
// audits robot.remove. It returns the robot as it was; a robot that is not the office's is
// ErrNotFound.
func (s *Store) DeleteRobotAudited(ctx context.Context, officeID, id int64, a Audit) (Robot, error) {
	var b Robot
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `DELETE FROM office_robots WHERE id = $1 AND ($2 = 0 OR office_id = $2)
			RETURNING id, office_id, kind, name, webhook, secret, active`, id, officeID).
			Scan(&b.ID, &b.OfficeID, &b.Kind, &b.Name, &b.Webhook, &b.Secret, &b.Active)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("robot", id)
		}
		if err != nil {
			return fmt.Errorf("store: delete robot %d: %w", id, err)
		}
		a.Action, a.ObjectType, a.ObjectID = "robot.remove", "robot", fmt.Sprint(id)
		a.Detail = map[string]any{"office_id": b.OfficeID, "kind": b.Kind, "name": b.Name, "host": WebhookHost(b.Webhook)}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return Robot{}, err
	}
	return b, nil
}

// WebhookHost is what pages and the audit log show of a webhook: its host, since the rest of
// the URL is the robot's credential.
func WebhookHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "（地址无效）"
	}
	return u.Host
}

// SetItemPolicyAudited is SetItemPolicy, auditing item.policy with the override (nil: removed).
func (s *Store) SetItemPolicyAudited(ctx context.Context, itemID int64, policy json.RawMessage, a Audit) (ItemRef, error) {
	var ref ItemRef
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if ref, err = setItemPolicy(ctx, tx, itemID, policy); err != nil {
			return err
		}
		a.Action, a.ObjectType, a.ObjectID = "item.policy", "item", fmt.Sprint(itemID)
		a.Detail = map[string]any{"policy": nil}
		if len(policy) > 0 {
			a.Detail = map[string]any{"policy": policy}
		}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return ItemRef{}, err
	}
	return ref, nil
}

// rosterDetail is the caller's detail of a roster import (file, unit) with what the import did.
func rosterDetail(detail any, rows int, res RosterResult) map[string]any {
	out := map[string]any{}
	if m, ok := detail.(map[string]any); ok {
		out = maps.Clone(m)
	}
	out["rows"], out["created"], out["updated"], out["attached"] = rows, res.Created, res.Updated, res.Attached
	return out
}

// DirectoryFix is what an admin chose on the preview of a list: offices of the list to create,
// and the offices each of its groups means.
type DirectoryFix struct {
	Create []string
	Groups map[string][]string // group → names or aliases of offices, those in Create included
	File   string              // the list the fix is for, for the audit entry
}

// DirectoryFixed is what FixDirectory changed: the offices it created (not those that were
// there already) and the offices it added to each group.
type DirectoryFixed struct {
	Created  []string
	Assigned map[string][]string
}

// UnknownOfficeError is a group of a DirectoryFix naming an office that is neither in the
// directory nor created by the fix. It is ErrNotFound.
type UnknownOfficeError struct{ Group, Office string }

func (e *UnknownOfficeError) Error() string {
	return fmt.Sprintf("store: group %s: office %s: %v", e.Group, e.Office, ErrNotFound)
}

func (e *UnknownOfficeError) Unwrap() error { return ErrNotFound }

// FixDirectory applies a DirectoryFix to a unit and audits directory.update, all in one
// transaction: an office created for a group that then fails is not left behind. A fix that
// changes nothing (offices that exist, members a group has) writes no entry.
func (s *Store) FixDirectory(ctx context.Context, unitID int64, fix DirectoryFix, a Audit) (DirectoryFixed, error) {
	out := DirectoryFixed{Created: []string{}, Assigned: map[string][]string{}}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// as for ChangeGroupMembers: the unit row serializes changes of its directory
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM units WHERE id = $1 FOR UPDATE`, unitID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("unit", unitID)
		}
		if err != nil {
			return fmt.Errorf("store: lock unit %d: %w", unitID, err)
		}
		for _, name := range fix.Create {
			created, err := createOfficeIfNew(ctx, tx, unitID, name)
			if err != nil {
				return err
			}
			if created != "" {
				out.Created = append(out.Created, created)
			}
		}
		for _, g := range slices.Sorted(maps.Keys(fix.Groups)) {
			group, err := cleanName(g)
			if err != nil {
				return err
			}
			var ids []int64
			for _, n := range fix.Groups[g] {
				o, err := findOffice(ctx, tx, unitID, n)
				if errors.Is(err, ErrNotFound) {
					return &UnknownOfficeError{Group: group, Office: n}
				}
				if err != nil {
					return err
				}
				ids = append(ids, o.ID)
			}
			if len(ids) == 0 {
				continue
			}
			before, err := groupMembers(ctx, tx, unitID, group)
			if err != nil {
				return err
			}
			if err := addGroupMembers(ctx, tx, unitID, group, ids); err != nil {
				return err
			}
			after, err := groupMembers(ctx, tx, unitID, group)
			if err != nil {
				return err
			}
			if len(after) > len(before) {
				out.Assigned[group] = fix.Groups[g]
			}
		}
		if len(out.Created) == 0 && len(out.Assigned) == 0 {
			return nil
		}
		a.Action, a.ObjectType, a.ObjectID = "directory.update", "unit", fmt.Sprint(unitID)
		a.Detail = map[string]any{"created_offices": out.Created, "groups": out.Assigned, "for_file": fix.File}
		return writeAudit(ctx, tx, a)
	})
	if err != nil {
		return DirectoryFixed{}, err
	}
	return out, nil
}

// createOfficeIfNew creates an office unless its name is taken, and returns the name it
// created ("" when taken). A savepoint keeps the transaction usable when the name is taken
// between createOffice's check and its insert.
func createOfficeIfNew(ctx context.Context, tx pgx.Tx, unitID int64, name string) (string, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("store: create office %s: %w", name, err)
	}
	o, err := createOffice(ctx, sp, unitID, name, nil)
	if errors.Is(err, ErrExists) {
		return "", sp.Rollback(ctx)
	}
	if err != nil {
		_ = sp.Rollback(ctx)
		return "", err
	}
	if err := sp.Commit(ctx); err != nil {
		return "", fmt.Errorf("store: create office %s: %w", name, err)
	}
	return o.Name, nil
}
