package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

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
