package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

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
	return collect(rows, err, "robots", func(r pgx.Row) (Robot, error) {
		var b Robot
		return b, r.Scan(&b.ID, &b.OfficeID, &b.Office, &b.Unit, &b.Kind, &b.Name, &b.Webhook, &b.Secret, &b.Active)
	})
}
