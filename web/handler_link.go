package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

// Signed links from reminders. The token is the credential: it names the item, the action and
// the recipient and expires; a "complete" link works once (its nonce is remembered until it
// expires) and only after the recipient confirms on a page, so that a mail scanner that follows
// every link cannot complete an item.

type linkData struct {
	Item     *store.ItemDetail
	Left     *left
	Complete bool
	Used     bool
	Done     bool
	// Stale says why a complete link can no longer act: its cycle is done or gone, or it names
	// no cycle at all
	Stale string
	Token string
	Error string
	Input workflows.Completion
	// Result is what the completion changed, read back after the workflow answered.
	Result *linkResult
}

// linkResult is the item's new state after a completion through a link: the page shows it in
// place of the state the link was opened with, which said the cycle was overdue.
type linkResult struct {
	Cycle       string // the completed cycle, as the item page names it
	Done        bool   // false while a quota cycle needs more completions
	DoneAt      *time.Time
	By          string // who completed it, in words
	Late        bool
	Completions int
	Required    int
	Status      string // the item's status now
	// Next is the next cycle still to do, if any, with the working days left until it is due.
	Next     *store.CycleView
	NextLeft *left
}

// A complete link acts on the cycle its reminder was about and on no other: without that, a
// link refused because its cycle was done would complete the next cycle once that opened.
// Links made before they named their cycle cannot say which one they were for, so they no
// longer complete anything (they still show the item); they expire within ZWGK_LINK_TTL
// (30 days by default) of the upgrade anyway.
const linkNoCycle = "这个办理链接来自系统升级前的提醒，没有注明是哪一期的任务，为避免误登记到其他周期，已不能用于登记完成。请登录系统办理，或使用下一次提醒中的链接。"

// linkRefusal says why the link's cycle cannot be completed through it, or "" when it can.
func linkRefusal(it *store.ItemDetail, cycle string) (msg string, status int) {
	if cycle == "" {
		return linkNoCycle, http.StatusGone
	}
	for _, cv := range it.Cycles {
		if cv.Key != cycle {
			continue
		}
		switch cv.Status {
		case "done":
			return fmt.Sprintf("该链接用于%s，这一期已经登记完成，链接不能用于其他周期。如需办理当前周期，请登录系统或使用新的提醒中的链接。", cycleLabel(cv)), http.StatusConflict
		case "cancelled":
			return fmt.Sprintf("该链接用于%s，这一期已被取消（清单修订或管理员撤销），无需再办理。", cycleLabel(cv)), http.StatusConflict
		}
		return "", 0
	}
	return fmt.Sprintf("该链接用于周期 %s，该周期已不存在（清单可能已修订），请登录系统查看当前周期。", cycle), http.StatusConflict
}

// cycleLabel names a cycle as the item page lists it, with its due date.
func cycleLabel(cv store.CycleView) string {
	l := "周期 " + cv.Key
	if cv.EventTitle != "" {
		l += "（" + cv.EventTitle + "）"
	}
	if cv.DueAt != nil {
		l += "（截止 " + fmtDate(cv.DueAt) + "）"
	}
	return l
}

func (s *Server) verifyLink(ctx context.Context, token string) (links.Claims, *store.ItemDetail, error) {
	c, err := s.links.Verify(token, s.now())
	switch {
	case errors.Is(err, links.ErrExpired):
		return c, nil, &httpError{status: http.StatusGone, msg: "链接已过期。请登录系统办理，或等待下一次提醒。"}
	case err != nil:
		return c, nil, &httpError{status: http.StatusNotFound, msg: "链接无效：可能复制不完整。"}
	}
	it, err := s.st.Item(ctx, c.ItemID)
	if errors.Is(err, store.ErrNotFound) {
		return c, nil, &httpError{status: http.StatusGone, msg: "该事项已不存在。"}
	}
	return c, it, err
}

func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	token := r.PathValue("token")
	c, it, err := s.verifyLink(r.Context(), token)
	if err != nil {
		return err
	}
	d := linkData{Item: it, Left: s.openLeft(r.Context(), it), Complete: c.Action == links.Complete, Token: token}
	if d.Complete {
		if d.Used, err = s.st.LinkNonceUsed(r.Context(), c.Nonce); err != nil {
			return err
		}
		if !d.Used {
			d.Stale, _ = linkRefusal(it, c.Cycle)
		}
	}
	return s.render(w, r, rc, http.StatusOK, "link", it.Title, d)
}

// linkForm is the completion a link's page sends; the cycle is the link's, the form's only
// checked against it.
type linkForm struct {
	Cycle       string `form:"cycle,trim"`
	EvidenceURL string `form:"evidence_url"`
	Note        string `form:"note"`
}

func (s *Server) linkConfirm(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	ctx := r.Context()
	token := r.PathValue("token")
	c, it, err := s.verifyLink(ctx, token)
	if err != nil {
		return err
	}
	if c.Action != links.Complete {
		return badRequest("该链接只能查看，不能办理。")
	}
	if msg, status := linkRefusal(it, c.Cycle); msg != "" {
		return &httpError{status: status, msg: msg}
	}
	var form linkForm
	if err := decodeInput(r, rc, &form); err != nil {
		return err
	}
	if form.Cycle != "" && form.Cycle != c.Cycle {
		return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("该链接只能办理周期 %s，不能办理周期 %s。请登录系统办理其他周期。", c.Cycle, form.Cycle)}
	}
	d := linkData{Item: it, Left: s.openLeft(ctx, it), Complete: true, Token: token}
	in := workflows.Completion{Cycle: c.Cycle, EvidenceURL: form.EvidenceURL, Note: form.Note}
	if err := checkCompletion(&in); err != nil {
		d.Error, d.Input = err.(*httpError).msg, in
		return s.render(w, r, rc, http.StatusBadRequest, "link", it.Title, d)
	}
	by := "link:" + c.Recipient
	in.By = by
	// the recipient answers for the completion; the workflow writes the entry with the change
	audit, err := eventAudit(store.Audit{Actor: by, IP: rc.ip}, "item.complete", in)
	if err != nil {
		return err
	}
	in.Audit = audit
	if err := s.st.UseLinkNonce(ctx, c.Nonce, c.Expires, c.Recipient); errors.Is(err, store.ErrUsed) {
		d.Used = true
		return s.render(w, r, rc, http.StatusGone, "link", it.Title, d)
	} else if err != nil {
		return err
	}
	wf, err := s.st.ItemScopeOf(ctx, it.ID)
	if err != nil {
		return err
	}
	if _, err := s.opt.Items.Complete(ctx, wf.WorkflowID, in); err != nil {
		// The completion did not happen: free the nonce so that the link can be used again.
		// That is safe because the link completes its own cycle or nothing.
		if rerr := s.st.ReleaseLinkNonce(context.WithoutCancel(ctx), c.Nonce); rerr != nil {
			s.log.Error("web: release link nonce", "err", rerr)
		}
		if errors.Is(err, workflows.ErrRejected) {
			// the cycle changed since the page was read (completed in another tab, cancelled)
			s.log.Info("web: link completion rejected", "link", c.String(), "err", err)
			if fresh, ferr := s.st.Item(context.WithoutCancel(ctx), it.ID); ferr == nil {
				if msg, status := linkRefusal(fresh, c.Cycle); msg != "" {
					return &httpError{status: status, msg: msg}
				}
			}
			return &httpError{status: http.StatusConflict, msg: fmt.Sprintf("未能登记：该链接用于周期 %s，这一期目前不能通过链接办理（可能已完成、已取消或事项已暂停）。请登录系统查看。", c.Cycle)}
		}
		return commandError(err)
	}
	d.Done = true
	// The update flushed the item's projection before it answered, so the item read now is the
	// state after this completion.
	fresh, err := s.st.Item(ctx, it.ID)
	if err != nil {
		return err
	}
	d.Item, d.Left = fresh, nil
	d.Result = s.linkResult(ctx, fresh, c)
	return s.render(w, r, rc, http.StatusOK, "link", it.Title, d)
}

// openLeft is the working days left (or overdue) of the item's open cycle; nil when none is
// open, since the due date of a done item's last cycle would read as overdue for ever.
func (s *Server) openLeft(ctx context.Context, it *store.ItemDetail) *left {
	if it.Status != workflows.StatusUpcoming && it.Status != workflows.StatusOverdue {
		return nil
	}
	return s.cal.left(ctx, s.now(), it.DueAt)
}

// linkResult describes the cycle a link completed and what comes next.
func (s *Server) linkResult(ctx context.Context, it *store.ItemDetail, c links.Claims) *linkResult {
	res := &linkResult{Status: it.Status, By: s.linkRecipientName(ctx, c.Recipient)}
	done := -1
	for i, cv := range it.Cycles {
		if cv.Key == c.Cycle {
			done = i
			res.Cycle, res.Done, res.DoneAt, res.Late = cycleLabel(cv), cv.Status == "done", cv.DoneAt, cv.Late
			res.Completions, res.Required = cv.Completions, cv.Required
		}
	}
	if done < 0 {
		res.Cycle = "周期 " + c.Cycle
	}
	// cycles are ordered by due date: the next is the first one after it still to do
	for i := done + 1; i < len(it.Cycles); i++ {
		cv := it.Cycles[i]
		if cv.Status == "done" || cv.Status == "cancelled" || cv.Status == "skipped" {
			continue
		}
		res.Next = &it.Cycles[i]
		if cv.DueAt != nil {
			res.NextLeft = s.cal.left(ctx, s.now(), cv.DueAt)
		}
		break
	}
	return res
}

// linkRecipientName names the recipient of a link (person:7) for the page: their name.
func (s *Server) linkRecipientName(ctx context.Context, recipient string) string {
	kind, id, _ := strings.Cut(recipient, ":")
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && kind == "person" {
		if p, err := s.st.Person(ctx, n); err == nil {
			return p.Name + "（通过提醒链接）"
		}
	}
	if kind == "robot" {
		return "工作群成员（通过提醒链接）"
	}
	return "提醒链接的收件人"
}
