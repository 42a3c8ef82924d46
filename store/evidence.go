package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Evidence is a file an office attached to a completed cycle. Content is filled only by
// EvidenceFile, which serves a download; listings leave it nil.
type Evidence struct {
	ID          int64     `json:"id"`
	ItemID      int64     `json:"item_id"`
	CycleKey    string    `json:"cycle"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"` // hex
	UploadedBy  int64     `json:"-"`
	Uploader    string    `json:"uploader"`
	UploadedAt  time.Time `json:"uploaded_at"`
	Content     []byte    `json:"-"`
}

// AddEvidence stores a file for a cycle of an item and returns it with its id, size and
// sha256 (computed here, so that a caller cannot record a digest of other bytes).
func (s *Store) AddEvidence(ctx context.Context, e Evidence) (Evidence, error) {
	sum := sha256.Sum256(e.Content)
	e.SHA256, e.Size = hex.EncodeToString(sum[:]), int64(len(e.Content))
	var by *int64
	if e.UploadedBy != 0 {
		by = &e.UploadedBy
	}
	if e.UploadedAt.IsZero() {
		e.UploadedAt = time.Now()
	}
	err := s.Pool.QueryRow(ctx, `INSERT INTO item_evidence (item_id, cycle_key, name, content_type, size, sha256, content, uploaded_by, uploader, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), $7, $8, $9, $10) RETURNING id`,
		e.ItemID, e.CycleKey, e.Name, e.ContentType, e.Size, e.SHA256, e.Content, by, e.Uploader, e.UploadedAt).Scan(&e.ID)
	if err != nil {
		return e, fmt.Errorf("store: add evidence %q to item %d cycle %s: %w", e.Name, e.ItemID, e.CycleKey, err)
	}
	return e, nil
}

// DeleteEvidence removes a file whose completion the workflow refused, so that no file hangs
// on a cycle that was not completed with it.
func (s *Store) DeleteEvidence(ctx context.Context, itemID, id int64) error {
	tag, err := s.Pool.Exec(ctx, `DELETE FROM item_evidence WHERE item_id = $1 AND id = $2`, itemID, id)
	if err != nil {
		return fmt.Errorf("store: delete evidence %d of item %d: %w", id, itemID, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound("evidence", id)
	}
	return nil
}

const evidenceCols = `id, item_id, cycle_key, name, content_type, size, encode(sha256, 'hex'), COALESCE(uploaded_by, 0), uploader, uploaded_at`

func scanEvidence(r pgx.Row, extra ...any) (Evidence, error) {
	var e Evidence
	err := r.Scan(append([]any{&e.ID, &e.ItemID, &e.CycleKey, &e.Name, &e.ContentType, &e.Size, &e.SHA256, &e.UploadedBy, &e.Uploader, &e.UploadedAt}, extra...)...)
	return e, err
}

// ItemEvidence lists the files of an item's cycles, oldest first, without their content.
func (s *Store) ItemEvidence(ctx context.Context, itemID int64) ([]Evidence, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+evidenceCols+` FROM item_evidence WHERE item_id = $1 ORDER BY uploaded_at, id`, itemID)
	return collect(rows, err, fmt.Sprintf("evidence of item %d", itemID), func(r pgx.Row) (Evidence, error) { return scanEvidence(r) })
}

// EvidenceFile returns one file with its content. It is looked up by item and id together, so
// that whoever may see the item may have its files and an id of another item's file is not
// found: authorisation is the item's.
func (s *Store) EvidenceFile(ctx context.Context, itemID, id int64) (Evidence, error) {
	var content []byte
	e, err := scanEvidence(s.Pool.QueryRow(ctx, `SELECT `+evidenceCols+`, content FROM item_evidence WHERE item_id = $1 AND id = $2`, itemID, id), &content)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, notFound("evidence", id)
	}
	if err != nil {
		return e, fmt.Errorf("store: evidence %d of item %d: %w", id, itemID, err)
	}
	e.Content = content
	return e, nil
}

// CurrentCycleKey is the key of the cycle an item's clocks run for, as its workflow last
// reported it; "" when none is open.
func (s *Store) CurrentCycleKey(ctx context.Context, itemID int64) (string, error) {
	var key string
	err := s.Pool.QueryRow(ctx, `SELECT COALESCE(cycle_key, '') FROM item_state WHERE item_id = $1`, itemID).Scan(&key)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: current cycle of item %d: %w", itemID, err)
	}
	return key, nil
}
