package web

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/workflows"
)

type decodeProbe struct {
	Name    string   `form:"name" json:"name"`
	Aliases []string `form:"aliases,split" json:"aliases"`
	Tags    []string `form:"tag" json:"tags"`
	Alerts  bool     `form:"alerts" json:"alerts"`
	Keep    *bool    `form:"keep" json:"keep"`
	Days    int      `form:"days" label:"有效期" json:"days"`
	Robot   int64    `form:"robot" label:"机器人编号" json:"robot"`
	Offices []int64  `form:"offices" label:"科室编号" json:"offices"`
	Skipped string   `json:"skipped"`
}

func formRequest(vals url.Values) *http.Request {
	r := httptest.NewRequest("POST", "/x", strings.NewReader(vals.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func jsonRequest(body string) *http.Request {
	r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func TestDecodeInputForm(t *testing.T) {
	r := formRequest(url.Values{"name": {" 甲局 "}, "aliases": {"甲、乙，甲"}, "tag": {"a", "b"}, "alerts": {"1"},
		"days": {" 30 "}, "robot": {"7"}, "offices": {"3", "", "5"}, "skipped": {"x"}})
	var in decodeProbe
	if err := decodeInput(r, &reqCtx{}, &in); err != nil {
		t.Fatal(err)
	}
	if in.Name != " 甲局 " || !slices.Equal(in.Aliases, []string{"甲", "乙"}) || !slices.Equal(in.Tags, []string{"a", "b"}) ||
		!in.Alerts || in.Days != 30 || in.Robot != 7 || !slices.Equal(in.Offices, []int64{3, 5}) || in.Skipped != "" {
		t.Fatalf("decoded %+v", in)
	}
	// A form without the checkbox says no: the pointer is set, to false.
	if in.Keep == nil || *in.Keep {
		t.Fatalf("keep %v", in.Keep)
	}
	// A hidden field's "0" is false as well, and absent numbers are zero.
	var off decodeProbe
	if err := decodeInput(formRequest(url.Values{"alerts": {"0"}, "keep": {"1"}}), &reqCtx{}, &off); err != nil {
		t.Fatal(err)
	}
	if off.Alerts || off.Keep == nil || !*off.Keep || off.Days != 0 || off.Offices != nil {
		t.Fatalf("decoded %+v", off)
	}
}

func TestDecodeInputFormErrorsNameTheControl(t *testing.T) {
	for _, c := range []struct {
		vals url.Values
		want string
	}{
		{url.Values{"robot": {"x"}}, "机器人编号无效：x"},
		{url.Values{"days": {"-1"}}, "有效期无效：-1"},
		{url.Values{"offices": {"3", "x"}}, "科室编号无效：x"},
		{url.Values{"offices": {"0"}}, "科室编号无效：0"},
	} {
		var in decodeProbe
		err := decodeInput(formRequest(c.vals), &reqCtx{}, &in)
		var he *httpError
		if !errors.As(err, &he) || he.status != http.StatusBadRequest || he.msg != c.want {
			t.Errorf("%v: got %v, want 400 %q", c.vals, err, c.want)
		}
	}
}

func TestDecodeInputJSON(t *testing.T) {
	var in decodeProbe
	err := decodeInput(jsonRequest(`{"name":"甲局","aliases":["甲、乙"],"keep":true,"days":30,"offices":[3]}`), &reqCtx{api: true}, &in)
	if err != nil {
		t.Fatal(err)
	}
	// JSON is taken as sent: no splitting, and the pointer says the key was there.
	if in.Name != "甲局" || !slices.Equal(in.Aliases, []string{"甲、乙"}) || in.Keep == nil || !*in.Keep || in.Days != 30 || !slices.Equal(in.Offices, []int64{3}) {
		t.Fatalf("decoded %+v", in)
	}
	var none decodeProbe
	if err := decodeInput(jsonRequest(`{"name":"甲局"}`), &reqCtx{api: true}, &none); err != nil || none.Keep != nil {
		t.Fatalf("keep without the key: %v %v", none.Keep, err)
	}
	// A script's typo is an error, not a silently ignored setting.
	err = decodeInput(jsonRequest(`{"nmae":"甲局"}`), &reqCtx{api: true}, &none)
	var he *httpError
	if !errors.As(err, &he) || he.status != http.StatusBadRequest || !strings.Contains(he.msg, "nmae") {
		t.Fatalf("unknown field: %v", err)
	}
	// The form's field names mean nothing to the JSON road.
	if err := decodeInput(jsonRequest(`{"tag":["a"]}`), &reqCtx{api: true}, &none); err == nil {
		t.Fatal("form name accepted as a JSON key")
	}
}

func TestDecodeInputWantsAStructPointer(t *testing.T) {
	var s string
	if err := decodeInput(formRequest(url.Values{}), &reqCtx{}, &s); err == nil {
		t.Fatal("decoded into a string")
	}
}

// The reassignment form picks a lead and co-operating offices; decodeInput turns them into the
// offices the API names, the lead first and never twice.
func TestReassignFormThroughDecodeInput(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	path := fmt.Sprintf("/items/%d/reassign", f.itemA1)
	resp, body := admin.post(path, url.Values{"lead": {fmt.Sprint(f.officeA2)}, "co": {fmt.Sprint(f.officeA1), fmt.Sprint(f.officeA2)}, "reason": {"职责调整"}})
	wantStatus(t, resp, body, http.StatusSeeOther)
	c, _ := f.cmd.last()
	re, ok := c.arg.(workflows.Reassignment)
	if !ok || len(re.Offices) != 2 || re.Offices[0].ID != f.officeA2 || re.Offices[0].Role != "lead" ||
		re.Offices[1].ID != f.officeA1 || re.Offices[1].Role != "co" || re.Reason != "职责调整" {
		t.Fatalf("reassignment %+v", c.arg)
	}
	resp, body = admin.post(path, url.Values{"lead": {fmt.Sprint(f.officeA2)}, "co": {"x"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "配合科室编号无效：x") {
		t.Fatalf("bad co-office id: %s", body)
	}
	resp, body = admin.post(path, url.Values{"reason": {"x"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "请至少选择一个责任科室") {
		t.Fatalf("no office: %s", body)
	}
}

type decodeProbe2 struct {
	Role   string              `form:"role,trim" json:"role"`
	Note   string              `form:"note" json:"note"`
	Groups map[string][]string `form:"group:*" json:"groups"`
	Due    calendar.Date       `form:"due" label:"新的截止日期" json:"due"`
	File   *upload             `form:"file" json:"-"`
	Rest   []string            `json:"-"`
	serverSet
}

// readForm stands for a form whose controls are not all named in advance.
func (p *decodeProbe2) readForm(f url.Values) error {
	for k := range f {
		if strings.HasPrefix(k, "x:") {
			p.Rest = append(p.Rest, k)
		}
	}
	return nil
}

func TestDecodeInputFormShapes(t *testing.T) {
	r := formRequest(url.Values{"role": {" head "}, "note": {" 备注 "}, "group:各股室": {"办公室", "法规科"}, "group:": {"x"},
		"grouping": {"y"}, "due": {" 2026-12-31 "}, "x:1": {"a"}})
	var in decodeProbe2
	if err := decodeInput(r, &reqCtx{}, &in); err != nil {
		t.Fatal(err)
	}
	if in.Role != "head" || in.Note != " 备注 " || len(in.Groups) != 2 || !slices.Equal(in.Groups["各股室"], []string{"办公室", "法规科"}) ||
		!slices.Equal(in.Groups[""], []string{"x"}) || in.Due.String() != "2026-12-31" || in.File != nil || !slices.Equal(in.Rest, []string{"x:1"}) {
		t.Fatalf("decoded %+v", in)
	}
	var empty decodeProbe2
	if err := decodeInput(formRequest(url.Values{}), &reqCtx{}, &empty); err != nil || !empty.Due.IsZero() || empty.Groups == nil || len(empty.Groups) != 0 {
		t.Fatalf("empty form: %+v %v", empty, err)
	}
	err := decodeInput(formRequest(url.Values{"due": {"2026-13-01"}}), &reqCtx{}, &empty)
	var he *httpError
	if !errors.As(err, &he) || he.status != http.StatusBadRequest || he.msg != "“新的截止日期”不是有效的日期（年-月-日）：2026-13-01" {
		t.Fatalf("bad date: %v", err)
	}
}

func TestDecodeInputUpload(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("note", "附件"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", "2027.csv")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(fw, "2027-01-01,休,元旦\n")
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/x", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	var in decodeProbe2
	if err := decodeInput(r, &reqCtx{}, &in); err != nil {
		t.Fatal(err)
	}
	if in.Note != "附件" || in.File == nil || in.File.Name != "2027.csv" || string(in.File.Data) != "2027-01-01,休,元旦\n" {
		t.Fatalf("decoded %+v", in)
	}
}

// The item commands once decoded straight into the workflows' types, whose by and audit an API
// caller may echo: the web's inputs still accept both keys, and nothing else besides.
func TestDecodeInputAcceptsServerSetKeys(t *testing.T) {
	var in extensionInput
	body := `{"cycle":"2026","due":"2026-12-31","reason":"r","approved_by":"甲","by":"x","audit":{"actor":"y"}}`
	if err := decodeInput(jsonRequest(body), &reqCtx{api: true}, &in); err != nil {
		t.Fatal(err)
	}
	if in.Cycle != "2026" || in.Due.String() != "2026-12-31" || in.ApprovedBy != "甲" || in.By != "x" || in.Audit == nil {
		t.Fatalf("decoded %+v", in)
	}
	var ro reopenInput
	if err := decodeInput(jsonRequest(`{"reason":"r","due":"2026-12-31"}`), &reqCtx{api: true}, &ro); err == nil {
		t.Fatal("reopen accepted a key of the extension")
	}
}

// The case's updates read through decodeInput: the reply's one select splits into type and
// reason, and the extension's days keep their own words for a form's missing number.
func TestApplicationInputsFromTheForm(t *testing.T) {
	rc := &reqCtx{user: &store.User{Login: "office"}}
	s := &Server{}
	v, _, err := s.readReply(formRequest(url.Values{"result": {"refuse/process_information"}, "note": {"过程性信息"}}), rc)
	if err != nil {
		t.Fatal(err)
	}
	if rp := v.(*workflows.Reply); rp.Type != "refuse" || rp.Reason != "process_information" || rp.Note != "过程性信息" || rp.By != "office" {
		t.Fatalf("reply %+v", rp)
	}
	_, _, err = s.readExtension(formRequest(url.Values{"days": {""}, "reason": {"r"}}), rc)
	if err == nil || !strings.Contains(err.Error(), "“延长工作日数”须为1至20的整数。") {
		t.Fatalf("empty days: %v", err)
	}
	v, _, err = s.readConsultation(formRequest(url.Values{"party": {"乙公司"}, "other": {"1"}}), rc)
	if err != nil || *v.(*workflows.Consultation) != (workflows.Consultation{Party: "乙公司", Other: true, By: "office"}) {
		t.Fatalf("consultation %+v, %v", v, err)
	}
}

func TestApplicationInputsFromJSON(t *testing.T) {
	rc := &reqCtx{api: true, user: &store.User{Login: "api"}}
	s := &Server{}
	v, audit, err := s.readExtension(jsonRequest(`{"days":5,"reason":"r","approved_by":"甲","by":"x","audit":{"actor":"y"}}`), rc)
	if err != nil {
		t.Fatal(err)
	}
	if x := v.(*workflows.ReplyExtension); x.Days != 5 || x.ApprovedBy != "甲" || x.By != "api" || x.Audit != nil || audit != &x.Audit {
		t.Fatalf("extension %+v", x)
	}
	if _, _, err := s.readCorrection(jsonRequest(`{"note":"n"}`), rc); err == nil || !strings.Contains(err.Error(), "补正期限") {
		t.Fatalf("correction without until: %v", err)
	}
	if _, _, err := s.readClose(jsonRequest(`{"note":"n","days":1}`), rc); err == nil {
		t.Fatal("close accepted a key of the extension")
	}
}
