package activities_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
)

// An application's reminder and an item's, due in the same window for the same contact, go out
// as one digest with two entries; the application's names its register number, never the
// applicant. Once the application is answered, what was still planned for it is dropped.
func TestDispatchBundlesApplicationsWithItems(t *testing.T) {
	f := newDispatchFixture(t)
	morning := time.Date(2024, 6, 3, 9, 0, 0, 0, calendar.Shanghai)
	unit, office := f.unitOffice(t)
	received := calendar.D(2024, 5, 20)
	due := calendar.D(2024, 6, 17)
	id, err := f.st.CreateApplication(f.ctx, store.ApplicationNew{UnitID: unit, OfficeID: office, Ref: "依申请〔2024〕7号",
		ApplicantType: "person", ApplicantName: "王申请人", Channel: "in_person", HandedIn: received, Received: received,
		Content: "申请公开某道路工程的立项批复", Due: due})
	if err != nil {
		t.Fatal(err)
	}
	sync := func(seq int64, state string, plan *store.CyclePlan, drop bool) {
		t.Helper()
		st := store.ApplicationState{State: state, ClockStart: received, Due: due}
		if state == "replied" {
			st.ReplyType, st.FinishedOn = "disclose", calendar.D(2024, 6, 3)
		}
		if _, err := f.st.SyncApplication(f.ctx, store.ApplicationSync{ApplicationID: id, WorkflowID: "application-x", Seq: seq,
			State: st, Plan: plan, DropAll: drop, DropReason: "answered"}); err != nil {
			t.Fatal(err)
		}
	}
	sync(1, "open", &store.CyclePlan{CycleKey: "reply", Due: due.End(), Replace: true, Notices: []store.NoticePlan{
		{Kind: "reminder", Offset: 10, Target: "contact", At: morning},
		{Kind: "reminder", Offset: 5, Target: "contact", At: morning.AddDate(0, 0, 7)},
	}}, false)
	f.plan(t, "2024-12-31", store.NoticePlan{Kind: "reminder", Offset: 10, Target: "contact", At: morning})

	if res := f.dispatch(t, "run/1", morning); res.Notices != 2 || res.Messages != 1 || res.Recipients != 1 {
		t.Fatalf("%+v, want the item's and the application's notice in one message", res)
	}
	msgs := f.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	text := decodedBody(t, msgs[0].Data)
	for _, want := range []string{"依申请公开", "依申请〔2024〕7号", "部门预算公开"} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "王申请人") {
		t.Error("the digest names the applicant")
	}

	sync(2, "replied", nil, true)
	var status, reason string
	if err := f.st.Pool.QueryRow(f.ctx, `SELECT status, reason FROM notices WHERE application_id = $1 AND "offset" = 5`, id).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "dropped" || reason != "answered" {
		t.Errorf("the 5-day reminder after the reply: %s (%s)", status, reason)
	}
}

// decodedBody is the text of a message: its subject and every text part, decoded.
func decodedBody(t *testing.T, data []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(subjectOf(t, data) + "\n")
	var walk func(h textproto.MIMEHeader, r io.Reader)
	walk = func(h textproto.MIMEHeader, r io.Reader) {
		mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			mt = "text/plain"
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header, p)
			}
		}
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		}
		body, _ := io.ReadAll(r)
		b.Write(body)
	}
	walk(textproto.MIMEHeader(m.Header), m.Body)
	return b.String()
}
