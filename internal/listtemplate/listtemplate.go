// Package listtemplate builds the blank task-list template of `zwgk template` and of the web's
// template download, so that both offer a unit's offices in the same drop-down.
package listtemplate

import (
	"bytes"
	"context"
	"fmt"

	"github.com/zwgk/zwgk/importer"
	"github.com/zwgk/zwgk/store"
)

// Offices is the part of the store the template reads.
type Offices interface {
	Offices(ctx context.Context, unitID int64) ([]store.Office, error)
}

// Build writes the template to a buffer, so that a failure leaves no half-written file or
// response; with unitID not 0 its office drop-down offers that unit's offices. It returns the
// template and how many offices it offers.
func Build(ctx context.Context, st Offices, unitID int64) (*bytes.Buffer, int, error) {
	var names []string
	if unitID != 0 {
		list, err := st.Offices(ctx, unitID)
		if err != nil {
			return nil, 0, fmt.Errorf("list template: %w", err)
		}
		for _, o := range list {
			names = append(names, o.Name)
		}
	}
	var buf bytes.Buffer
	if err := importer.WriteTemplate(&buf, names); err != nil {
		return nil, 0, fmt.Errorf("list template: %w", err)
	}
	return &buf, len(names), nil
}
