package web

import (
	"context"
	"errors"
	"net/http"

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
	Token    string
	Error    string
	Input    workflows.Completion
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
	d := linkData{Item: it, Left: s.cal.left(r.Context(), s.now(), it.DueAt), Complete: c.Action == links.Complete, Token: token}
	if d.Complete {
		if d.Used, err = s.st.LinkNonceUsed(r.Context(), c.Nonce); err != nil {
			return err
		}
	}
	return s.render(w, r, rc, http.StatusOK, "link", it.Title, d)
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
	d := linkData{Item: it, Left: s.cal.left(ctx, s.now(), it.DueAt), Complete: true, Token: token}
	in := workflows.Completion{Cycle: r.PostFormValue("cycle"), EvidenceURL: r.PostFormValue("evidence_url"), Note: r.PostFormValue("note")}
	if err := checkCompletion(&in); err != nil {
		d.Error, d.Input = err.(*httpError).msg, in
		return s.render(w, r, rc, http.StatusBadRequest, "link", it.Title, d)
	}
	by := "link:" + c.Recipient
	in.By = by
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
		if rerr := s.st.ReleaseLinkNonce(context.WithoutCancel(ctx), c.Nonce); rerr != nil {
			s.log.Error("web: release link nonce", "err", rerr)
		}
		return commandError(err)
	}
	a := store.Audit{Actor: by, IP: rc.ip, Action: "item.complete", ObjectType: "item", ObjectID: itoa(it.ID), Detail: in}
	if err := s.st.RecordAudit(ctx, a); err != nil {
		return err
	}
	d.Done = true
	return s.render(w, r, rc, http.StatusOK, "link", it.Title, d)
}
