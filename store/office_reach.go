package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

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
	if err != nil {
		return nil, fmt.Errorf("store: untold offices of unit %d: %w", unitID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UntoldOffice, error) {
		var o UntoldOffice
		err := r.Scan(&o.ID, &o.Name, &o.Items, &o.Contacts, &o.Robots)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: untold offices of unit %d: %w", unitID, err)
	}
	return out, nil
}
