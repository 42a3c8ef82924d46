package calendar

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseYearFile(t *testing.T) {
	utf, err := os.ReadFile("testdata/2027.csv")
	if err != nil {
		t.Fatal(err)
	}
	gbk, err := os.ReadFile("testdata/2027-gbk.csv")
	if err != nil {
		t.Fatal(err)
	}
	var first Year
	for i, data := range [][]byte{utf, gbk, append([]byte("\xef\xbb\xbf"), utf...)} {
		y, err := ParseYearFile("2027.csv", data)
		if err != nil {
			t.Fatalf("variant %d: %v", i, err)
		}
		if y.Year != 2027 || len(y.Holidays) != 8 || len(y.Workdays) != 2 || y.Names[D(2027, 2, 13)] != "春节" {
			t.Fatalf("variant %d: %+v", i, y)
		}
		if i == 0 {
			first = y
		} else if !reflect.DeepEqual(y, first) {
			t.Errorf("variant %d differs: %+v", i, y)
		}
	}
	cal := New(append(Official(), first)...)
	if d, prov := cal.AddWorkingDays(D(2027, 2, 4), 2); d != D(2027, 2, 13) || prov {
		t.Errorf("with the loaded 2027: %s %v, want 2027-02-13 not provisional", d, prov)
	}
	again, err := ParseYearFile("again", FormatYearFile(first))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Holidays, first.Holidays) || !reflect.DeepEqual(again.Workdays, first.Workdays) || !reflect.DeepEqual(again.Names, first.Names) {
		t.Errorf("FormatYearFile does not round-trip: %+v", again)
	}
}

func TestParseYearFileErrors(t *testing.T) {
	cases := []struct{ file, want string }{
		{"2027-02-30,休\n", "x.csv line 1 column 1: date \"2027-02-30\": day out of range"},
		{"# c\n2027-01-01,休\n\n2027-01-01,休\n", "x.csv line 4: 2027-01-01 listed twice (first on line 2)"},
		{"2027-01-01,休\n2028-01-03,休\n", "x.csv line 2: 2028-01-03 is not in 2027"},
		{"2027-01-01,休\n2027-02-03,班\n", "x.csv line 2: 2027-02-03 is a Wednesday (周三), worked anyway"},
		{"2027-01-01,放假\n", "x.csv line 1 column 2: \"放假\": want 休"},
		{"2027/01/01,休\n", "x.csv line 1 column 1: date \"2027/01/01\": want YYYY-MM-DD"},
		{"2027-01-01\n", "x.csv line 1: want DATE,休|班[,NAME], got 1 fields"},
		{"# nothing\n日期,类型\n", "x.csv: no dates"},
		{"2027-01-01,休,\"元旦\n", "x.csv line 1: extraneous or missing \" in quoted-field"},
	}
	for _, c := range cases {
		_, err := ParseYearFile("x.csv", []byte(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseYearFile(%q) = %v, want error containing %q", c.file, err, c.want)
		}
	}
}
