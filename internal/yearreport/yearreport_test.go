package yearreport

import (
	"context"
	"errors"
	"testing"

	"github.com/zwgk/zwgk/store"
)

type fakeSource struct {
	appsErr, figuresErr error
	asked               []string
}

func (f *fakeSource) ApplicationsOfYear(_ context.Context, unitID int64, year int) ([]store.Application, error) {
	f.asked = append(f.asked, "apps")
	return nil, f.appsErr
}

func (f *fakeSource) AnnualItemFigures(_ context.Context, unitID int64, year int) ([]store.CategoryFigures, error) {
	f.asked = append(f.asked, "figures")
	return nil, f.figuresErr
}

func TestComputeNamesBothParts(t *testing.T) {
	src := &fakeSource{}
	p2, p3, err := Compute(context.Background(), src, 4, "甲局", 2026)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Unit != "甲局" || p2.Year != 2026 || p3.Unit != "甲局" || p3.Year != 2026 || len(p3.Rows) == 0 || len(src.asked) != 2 {
		t.Fatalf("part 2 %s %d, part 3 %s %d with %d rows, asked %v", p2.Unit, p2.Year, p3.Unit, p3.Year, len(p3.Rows), src.asked)
	}
	if err := p3.Check(); err != nil {
		t.Fatalf("an empty year does not reconcile: %v", err)
	}
}

func TestComputePassesTheStoresErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, src := range []*fakeSource{{appsErr: boom}, {figuresErr: boom}} {
		if _, _, err := Compute(context.Background(), src, 4, "甲局", 2026); !errors.Is(err, boom) {
			t.Fatalf("asked %v: %v", src.asked, err)
		}
	}
}
