package listtemplate

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/zwgk/zwgk/store"
)

type fakeOffices struct {
	list  []store.Office
	err   error
	asked []int64
}

func (f *fakeOffices) Offices(_ context.Context, unitID int64) ([]store.Office, error) {
	f.asked = append(f.asked, unitID)
	return f.list, f.err
}

func TestBuildOffersTheUnitsOffices(t *testing.T) {
	st := &fakeOffices{list: []store.Office{{ID: 1, Name: "办公室"}, {ID: 2, Name: "财务股"}}}
	buf, n, err := Build(context.Background(), st, 7)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || len(st.asked) != 1 || st.asked[0] != 7 || !bytes.HasPrefix(buf.Bytes(), []byte("PK")) {
		t.Fatalf("n %d, asked %v, %d bytes", n, st.asked, buf.Len())
	}
}

func TestBuildWithoutUnitAsksNothing(t *testing.T) {
	buf, n, err := Build(context.Background(), nil, 0)
	if err != nil || n != 0 || buf.Len() == 0 {
		t.Fatalf("n %d, %v", n, err)
	}
	boom := errors.New("boom")
	if _, _, err := Build(context.Background(), &fakeOffices{err: boom}, 3); !errors.Is(err, boom) {
		t.Fatalf("store error: %v", err)
	}
}
