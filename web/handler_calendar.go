package web

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// The holiday calendar: the official years (State Council data carried by lunar-go) and the
// years admins loaded or corrected, shown per year; a year is loaded from a file in the format
// of calendar.ParseYearFile (one day per line: date, 休 or 班, optional name).

type calendarData struct {
	Years    []calendarYearLine `json:"years"`
	Year     int                `json:"year"`
	Days     []calendarDay      `json:"days"`
	Known    bool               `json:"known"`
	Source   string             `json:"source"`
	LastYear int                `json:"last_official_year"`
	Error    string             `json:"-"`
}

type calendarYearLine struct {
	Year     int    `json:"year"`
	Source   string `json:"source"`
	Admin    bool   `json:"admin"`
	Holidays int    `json:"holidays"`
	Workdays int    `json:"workdays"`
}

type calendarDay struct {
	Date    calendar.Date `json:"date"`
	Weekday string        `json:"weekday"`
	Working bool          `json:"working"` // a make-up working day (调休上班); else a day off
	Name    string        `json:"name,omitempty"`
}

func loadAdminYears(ctx context.Context, st *store.Store) ([]calendar.Year, error) {
	return st.CalendarYears(ctx)
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	d, err := s.calendarView(r)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "calendar", "节假日安排", d)
}

func (s *Server) calendarView(r *http.Request) (*calendarData, error) {
	ctx := r.Context()
	year := calendar.DateOf(s.now()).Year
	if v := r.URL.Query().Get("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > 2100 {
			return nil, badRequest("年份无效：%s", v)
		}
		year = n
	}
	admin, err := s.st.CalendarYears(ctx)
	if err != nil {
		return nil, err
	}
	d := &calendarData{Year: year, LastYear: calendar.LastOfficialYear()}
	isAdmin := map[int]bool{}
	for _, y := range admin {
		isAdmin[y.Year] = true
	}
	cal := calendar.New(append(calendar.Official(), admin...)...)
	for _, y := range cal.Years() {
		d.Years = append(d.Years, calendarYearLine{Year: y.Year, Source: y.Source, Admin: isAdmin[y.Year], Holidays: len(y.Holidays), Workdays: len(y.Workdays)})
	}
	slices.Reverse(d.Years)
	if y, ok := cal.Year(year); ok {
		d.Known, d.Source = true, y.Source
		for _, day := range y.Holidays {
			d.Days = append(d.Days, calendarDay{Date: day, Weekday: day.WeekdayName(), Name: y.Names[day]})
		}
		for _, day := range y.Workdays {
			d.Days = append(d.Days, calendarDay{Date: day, Weekday: day.WeekdayName(), Working: true, Name: y.Names[day]})
		}
		slices.SortFunc(d.Days, func(a, b calendarDay) int { return a.Date.Compare(b.Date) })
	}
	return d, nil
}

// calendarLoad stores an admin's year from an uploaded file or pasted text (pages), or the
// request body (API, with ?name= for messages).
func (s *Server) calendarLoad(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	var name string
	var data []byte
	if rc.api {
		b, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody))
		if err != nil {
			return err
		}
		name, data = r.URL.Query().Get("name"), b
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			if err := r.ParseMultipartForm(maxJSONBody); err != nil {
				return badRequest("表单无效：%v", err)
			}
			defer r.MultipartForm.RemoveAll()
		}
		// The API's body is the file itself, not JSON: only the page's form goes through the decoder.
		var in struct {
			File *upload `form:"file"`
			Text string  `form:"text"`
		}
		if err := decodeBody(r, false, &in); err != nil {
			return err
		}
		if in.File != nil {
			name, data = in.File.Name, in.File.Data
		} else {
			name, data = "粘贴的文本", []byte(in.Text)
		}
	}
	if name == "" {
		name = "api"
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return badRequest("请上传节假日文件或粘贴内容（每行：日期,休 或 日期,班,名称）。")
	}
	y, err := calendar.ParseYearFile(name, data)
	if err != nil {
		if rc.api {
			return badRequest("%v", err)
		}
		d, verr := s.calendarView(r)
		if verr != nil {
			return verr
		}
		d.Error = err.Error()
		return s.render(w, r, rc, http.StatusBadRequest, "calendar", "节假日安排", d)
	}
	if y.Source == "" {
		y.Source = "管理员导入：" + name
	}
	if err := s.st.SaveCalendarYear(r.Context(), y, rc.audit()); err != nil {
		return badRequest("%v", err)
	}
	s.cal.invalidate()
	msg := "已导入 " + strconv.Itoa(y.Year) + " 年节假日安排：休 " + strconv.Itoa(len(y.Holidays)) + " 天，调休上班 " + strconv.Itoa(len(y.Workdays)) + " 天。"
	return s.done(w, r, rc, "/admin/calendar?year="+strconv.Itoa(y.Year), msg,
		calendarYearLine{Year: y.Year, Source: y.Source, Admin: true, Holidays: len(y.Holidays), Workdays: len(y.Workdays)})
}
