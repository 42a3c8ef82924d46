package main

import (
	"context"
	"testing"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// The set-up the command tests share: a fresh database, and the unit and offices a command's
// input names.

// commandStore opens a store on a fresh database; the commands under test get its url.
func commandStore(t *testing.T) (context.Context, string, *store.Store) {
	t.Helper()
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return ctx, url, st
}

// unitWithOffices creates a unit and its offices (without aliases), the offices in order.
func unitWithOffices(t *testing.T, ctx context.Context, st *store.Store, unit string, offices ...string) (store.Unit, []store.Office) {
	t.Helper()
	u, err := st.CreateUnit(ctx, unit)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Office
	for _, name := range offices {
		o, err := st.CreateOffice(ctx, u.ID, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return u, out
}
