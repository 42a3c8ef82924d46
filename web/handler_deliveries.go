package web

import (
	"net/http"
	"time"

	"github.com/zwgk/zwgk/store"
)

type deliveriesData struct {
	Deliveries []store.Delivery        `json:"deliveries"`
	Counts     map[string]int          `json:"counts_7d"`
	Attempts   []store.DeliveryAttempt `json:"attempts,omitempty"` // of ?id=
	Shown      int64                   `json:"-"`
	Status     string                  `json:"-"`
	Next       int64                   `json:"next,omitempty"`
}

// deliveriesPage is the delivery log: every message to every recipient with its status,
// attempts and provider answers; failed ones first in the admin's eye.
func (s *Server) deliveriesPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := deliveriesData{Status: q.Get("status")}
	switch d.Status {
	case "", "pending", "sending", "sent", "failed":
	default:
		return badRequest("未知的状态：%s", d.Status)
	}
	before, err := intParam(r, "before")
	if err != nil {
		return err
	}
	item, err := intParam(r, "item")
	if err != nil {
		return err
	}
	f := store.DeliveryFilter{Status: d.Status, Kind: q.Get("kind"), Recipient: q.Get("recipient"), ItemID: item, BeforeID: before, Limit: 100}
	if d.Deliveries, err = s.st.Deliveries(ctx, f); err != nil {
		return err
	}
	if len(d.Deliveries) == f.Limit {
		d.Next = d.Deliveries[len(d.Deliveries)-1].ID
	}
	if d.Counts, err = s.st.DeliveryCounts(ctx, s.now().Add(-7*24*time.Hour)); err != nil {
		return err
	}
	if d.Shown, err = intParam(r, "id"); err != nil {
		return err
	}
	if d.Shown != 0 {
		if d.Attempts, err = s.st.DeliveryAttempts(ctx, d.Shown); err != nil {
			return err
		}
	}
	return s.render(w, r, rc, http.StatusOK, "deliveries", "发送记录", d)
}

type outboxData struct {
	Messages []store.OutboxMessage `json:"messages"`
	Shown    *store.OutboxMessage  `json:"-"`
	Next     int64                 `json:"next,omitempty"`
}

// outboxPage shows what `zwgk dev` would have sent (dev mode only).
func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	before, err := intParam(r, "before")
	if err != nil {
		return err
	}
	var d outboxData
	if d.Messages, err = s.st.Outbox(ctx, 100, before); err != nil {
		return err
	}
	if len(d.Messages) == 100 {
		d.Next = d.Messages[99].ID
	}
	id, err := intParam(r, "id")
	if err != nil {
		return err
	}
	if id != 0 {
		m, err := s.st.OutboxMessage(ctx, id)
		if err != nil {
			return err
		}
		d.Shown = &m
	}
	return s.render(w, r, rc, http.StatusOK, "outbox", "开发模式发件箱", d)
}
