package calendar

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ParseYearFile reads an admin's schedule of one year. The format is CSV, one day per line:
//
//	# 2027年部分节假日安排（国办发明电〔2026〕X号）
//	日期,类型,名称
//	2027-01-01,休,元旦
//	2027-02-07,班,春节
//
// The first field is the date (YYYY-MM-DD), the second 休 (also 假, holiday, off) for a day off
// or 班 (also 上班, workday, work) for a make-up working day, the optional third the festival.
// Lines starting with # are comments; blank lines and a header line (日期… or date…) are skipped.
// Only days that differ from Monday–Friday matter, but listing the weekend days of a 假期 as 休
// is fine. Every date must be in the same year. The file may be UTF-8 (with or without BOM) or
// GBK/GB18030 as Excel and WPS save CSV on Chinese Windows.
//
// Errors name the file and line: impossible dates (2027-02-30), a day listed twice, dates of two
// years, a 班 day on Monday–Friday.
func ParseYearFile(name string, data []byte) (Year, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return Year{}, fmt.Errorf("calendar file %s: neither UTF-8 nor GBK: %w", name, err)
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var (
		y     = Year{Names: map[Date]string{}}
		lines = map[Date]int{}
		first = true
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Year{}, fmt.Errorf("calendar file %s line %d: %w", name, pe.Line, pe.Err)
			}
			return Year{}, fmt.Errorf("calendar file %s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) == 0 || (len(rec) == 1 && rec[0] == "") {
			continue
		}
		if first && isHeader(rec[0]) {
			first = false
			continue
		}
		first = false
		if len(rec) < 2 || len(rec) > 3 {
			return Year{}, fmt.Errorf("calendar file %s line %d: want DATE,休|班[,NAME], got %d fields", name, line, len(rec))
		}
		d, err := ParseDate(rec[0])
		if err != nil {
			return Year{}, fmt.Errorf("calendar file %s line %d column 1: %w", name, line, err)
		}
		if y.Year == 0 {
			y.Year = d.Year
		} else if d.Year != y.Year {
			return Year{}, fmt.Errorf("calendar file %s line %d: %s is not in %d (one file per year)", name, line, d, y.Year)
		}
		if prev, dup := lines[d]; dup {
			return Year{}, fmt.Errorf("calendar file %s line %d: %s listed twice (first on line %d)", name, line, d, prev)
		}
		lines[d] = line
		switch strings.ToLower(rec[1]) {
		case "休", "假", "holiday", "off":
			y.Holidays = append(y.Holidays, d)
		case "班", "上班", "workday", "work":
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return Year{}, fmt.Errorf("calendar file %s line %d: %s is a %s (%s), worked anyway: a make-up working day (班) is a Saturday or Sunday", name, line, d, wd, d.WeekdayName())
			}
			y.Workdays = append(y.Workdays, d)
		default:
			return Year{}, fmt.Errorf("calendar file %s line %d column 2: %q: want 休 (day off) or 班 (make-up working day)", name, line, rec[1])
		}
		if len(rec) == 3 && rec[2] != "" {
			y.Names[d] = rec[2]
		}
	}
	if y.Year == 0 {
		return Year{}, fmt.Errorf("calendar file %s: no dates", name)
	}
	if len(y.Names) == 0 {
		y.Names = nil
	}
	sortDates(y.Holidays)
	sortDates(y.Workdays)
	if err := y.Validate(); err != nil {
		return Year{}, fmt.Errorf("calendar file %s: %w", name, err)
	}
	return y, nil
}

func isHeader(s string) bool {
	s = strings.ToLower(s)
	return strings.HasPrefix(s, "日期") || strings.HasPrefix(s, "date")
}

func sortDates(ds []Date) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
}

// FormatYearFile writes y in the format ParseYearFile reads, days in date order, so that an admin
// can start a correction from `zwgk calendar show YEAR --file`.
func FormatYearFile(y Year) []byte {
	type row struct {
		d    Date
		kind string
	}
	rows := make([]row, 0, len(y.Holidays)+len(y.Workdays))
	for _, d := range y.Holidays {
		rows = append(rows, row{d, "休"})
	}
	for _, d := range y.Workdays {
		rows = append(rows, row{d, "班"})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].d.Before(rows[j].d) })
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %d年节假日安排; source: %s\n日期,类型,名称\n", y.Year, y.Source)
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s\n", r.d, r.kind, y.Names[r.d])
	}
	return b.Bytes()
}
