package web

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/zwgk/zwgk/calendar"
)

// An office's iCalendar feed lives at a secret URL, because calendar apps cannot sign in: the
// token is the office id and an HMAC of it under ZWGK_SECRET and the feed's generation, so no
// secret is stored, and rotating the generation kills a leaked URL.

func (s *Server) icalToken(office int64, generation int) string {
	b := binary.AppendUvarint(nil, uint64(office))
	b = append(b, s.mac("ical", strconv.FormatInt(office, 10), strconv.Itoa(generation))[:16]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) icalURL(office int64, generation int) string {
	return s.opt.BaseURL + "/ical/" + s.icalToken(office, generation) + ".ics"
}

type icalData struct {
	OfficeID int64  `json:"office_id"`
	Unit     string `json:"unit"`
	Office   string `json:"office"`
	URL      string `json:"url"`
}

// icalPage shows an office its feed URL.
func (s *Server) icalPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	unit, office, err := s.st.OfficeName(r.Context(), rc.office)
	if err != nil {
		return err
	}
	gen, err := s.st.ICalGeneration(r.Context(), rc.office)
	if err != nil {
		return err
	}
	return s.render(w, r, rc, http.StatusOK, "ical", "日历订阅", icalData{OfficeID: rc.office, Unit: unit, Office: office, URL: s.icalURL(rc.office, gen)})
}

func (s *Server) icalRotate(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	gen, err := s.st.RotateICal(r.Context(), rc.office, rc.audit())
	if err != nil {
		return err
	}
	return s.done(w, r, rc, fmt.Sprintf("/offices/%d/calendar", rc.office), "已生成新的订阅地址，旧地址已失效。",
		icalData{OfficeID: rc.office, URL: s.icalURL(rc.office, gen)})
}

// icalFeed serves the feed: one all-day VEVENT per due date, from 90 days back on.
func (s *Server) icalFeed(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	notFound := &httpError{status: http.StatusNotFound, msg: "订阅地址无效或已更换。"}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSuffix(r.PathValue("token"), ".ics"))
	if err != nil {
		return notFound
	}
	office, n := binary.Uvarint(b)
	if n <= 0 || len(b) != n+16 || office == 0 || office > 1<<62 {
		return notFound
	}
	gen, err := s.st.ICalGeneration(ctx, int64(office))
	if err != nil {
		return err
	}
	want, _ := base64.RawURLEncoding.DecodeString(s.icalToken(int64(office), gen))
	if !hmac.Equal(b, want) {
		return notFound
	}
	unit, name, err := s.st.OfficeName(ctx, int64(office))
	if err != nil {
		return notFound
	}
	now := s.now()
	entries, err := s.st.OfficeCalendar(ctx, int64(office), now.AddDate(0, 0, -90))
	if err != nil {
		return err
	}
	var ic icalWriter
	ic.prop("BEGIN", "VCALENDAR")
	ic.prop("VERSION", "2.0")
	ic.prop("PRODID", "-//zwgk//政务公开任务//ZH")
	ic.prop("CALSCALE", "GREGORIAN")
	ic.prop("METHOD", "PUBLISH")
	ic.text("X-WR-CALNAME", "政务公开 · "+unit+" "+name)
	ic.prop("X-WR-TIMEZONE", "Asia/Shanghai")
	ic.prop("REFRESH-INTERVAL;VALUE=DURATION", "PT1H")
	ic.prop("X-PUBLISHED-TTL", "PT1H")
	host := hostOf(s.opt.BaseURL)
	for _, e := range entries {
		due := calendar.DateOf(e.DueAt)
		summary := "【到期】" + e.Title
		switch {
		case e.DoneAt != nil:
			summary = "【已完成】" + e.Title
		case e.Status == "overdue":
			summary = "【逾期】" + e.Title
		}
		link := fmt.Sprintf("%s/items/%d", s.opt.BaseURL, e.ItemID)
		ic.prop("BEGIN", "VEVENT")
		ic.text("UID", fmt.Sprintf("item-%d-%s@%s", e.ItemID, e.CycleKey, host))
		ic.prop("DTSTAMP", icalStamp(now))
		ic.prop("LAST-MODIFIED", icalStamp(e.UpdatedAt))
		ic.prop("DTSTART;VALUE=DATE", icalDate(due.Start()))
		ic.prop("DTEND;VALUE=DATE", icalDate(due.AddDays(1).Start()))
		ic.text("SUMMARY", summary)
		desc := excerpt(e.Requirement, 300)
		if e.CycleKey != "" {
			desc = "周期：" + e.CycleKey + "\n" + desc
		}
		ic.text("DESCRIPTION", desc+"\n"+link)
		ic.prop("URL", link)
		ic.prop("TRANSP", "TRANSPARENT")
		if e.DoneAt != nil {
			ic.prop("STATUS", "CONFIRMED")
		}
		ic.prop("END", "VEVENT")
	}
	ic.prop("END", "VCALENDAR")
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, err = w.Write(ic.buf.Bytes())
	return err
}

func hostOf(base string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(base, "https://"), "http://")
	h, _, _ = strings.Cut(h, "/")
	if i := strings.LastIndexByte(h, ':'); i > 0 {
		h = h[:i]
	}
	return h
}
