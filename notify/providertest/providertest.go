// Package providertest runs local stand-ins for the Aliyun and Tencent SMS APIs. They check
// requests the way the providers document it (they recompute the V3 / TC3 signature from the
// request as received, independently of the client code), keep what was sent, and answer
// like the providers, including their error codes. Tests use them because the real providers
// cannot run here.
package providertest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMS is one message a fake accepted.
type SMS struct {
	Phone    string
	Sign     string
	Template string
	Params   map[string]string // Aliyun by name
	List     []string          // Tencent by position
	Handle   string            // OutId / SessionContext
	ID       string            // BizId / SerialNo
	At       time.Time
}

// Reply overrides a fake's answer to a send: HTTP status and provider code (and message).
type Reply struct {
	Status  int
	Code    string
	Message string
	// DropAnswer accepts the message, then closes the connection without answering.
	DropAnswer bool
}

// fake holds what both fakes share.
type fake struct {
	tb     testing.TB
	Server *httptest.Server
	ID     string
	Secret string
	mu     sync.Mutex
	sent   []SMS
	nonces map[string]bool
	// Reply, when set, decides the answer to each send by phone number; nil means accept.
	Reply func(phone string) *Reply
	// Sigs counts requests whose signature verified.
	Sigs int
}

// Sent lists the accepted messages.
func (f *fake) Sent() []SMS {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SMS(nil), f.sent...)
}

// URL is the fake's endpoint.
func (f *fake) URL() string { return f.Server.URL }

func (f *fake) reply(phone string) *Reply {
	f.mu.Lock()
	r := f.Reply
	f.mu.Unlock()
	if r == nil {
		return nil
	}
	return r(phone)
}

// SetReply installs a reply hook.
func (f *fake) SetReply(r func(phone string) *Reply) {
	f.mu.Lock()
	f.Reply = r
	f.mu.Unlock()
}

func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("providertest: cannot hijack")
	}
	c, _, err := hj.Hijack()
	if err == nil {
		c.Close()
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func hexSHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmac256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// ---- Aliyun ----

// Aliyun is a stand-in for dysmsapi (SendSms, QuerySendDetails).
type Aliyun struct{ fake }

// NewAliyun starts the fake for an AccessKey pair.
func NewAliyun(tb testing.TB, id, secret string) *Aliyun {
	a := &Aliyun{fake{tb: tb, ID: id, Secret: secret, nonces: map[string]bool{}}}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	tb.Cleanup(a.Server.Close)
	return a
}

// rfc3986 is the encoding the V3 documentation prescribes, written out here rather than taken
// from the client so that the fake checks the client instead of agreeing with it.
func rfc3986(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// verify recomputes the ACS3-HMAC-SHA256 signature from the request as received.
func (a *Aliyun) verify(r *http.Request, body []byte) (map[string]string, error) {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "ACS3-HMAC-SHA256 ")
	if !ok {
		return nil, fmt.Errorf("authorization %q is not ACS3-HMAC-SHA256", auth)
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		fields[k] = v
	}
	if fields["Credential"] != a.ID {
		return nil, fmt.Errorf("credential %q", fields["Credential"])
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(signed) {
		return nil, fmt.Errorf("signed headers %v not sorted", signed)
	}
	has := map[string]bool{}
	for _, h := range signed {
		has[h] = true
	}
	for name := range r.Header {
		l := strings.ToLower(name)
		if (strings.HasPrefix(l, "x-acs-") || l == "content-type") && !has[l] {
			return nil, fmt.Errorf("header %s is not signed", l)
		}
	}
	for _, need := range []string{"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} {
		if !has[need] {
			return nil, fmt.Errorf("header %s missing from SignedHeaders", need)
		}
	}
	if got := r.Header.Get("x-acs-content-sha256"); got != hexSHA256(body) {
		return nil, fmt.Errorf("x-acs-content-sha256 %s does not match the body", got)
	}
	date, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	if err != nil || time.Since(date).Abs() > 15*time.Minute {
		return nil, fmt.Errorf("x-acs-date %q", r.Header.Get("x-acs-date"))
	}
	nonce := r.Header.Get("x-acs-signature-nonce")
	if a.nonces[nonce] {
		return nil, fmt.Errorf("nonce %s used twice", nonce)
	}
	a.nonces[nonce] = true
	// canonical query: decode what arrived, sort by name, re-encode
	params := map[string]string{}
	var names []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		dk, err1 := url.PathUnescape(k)
		dv, err2 := url.PathUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("query %q", kv)
		}
		params[dk] = dv
		names = append(names, dk)
	}
	sort.Strings(names)
	var q []string
	for _, n := range names {
		q = append(q, rfc3986(n)+"="+rfc3986(params[n]))
	}
	var canon strings.Builder
	canon.WriteString(r.Method + "\n" + r.URL.EscapedPath() + "\n" + strings.Join(q, "&") + "\n")
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canon.WriteString(h + ":" + strings.TrimSpace(v) + "\n")
	}
	canon.WriteString("\n" + strings.Join(signed, ";") + "\n" + hexSHA256(body))
	want := hex.EncodeToString(hmac256([]byte(a.Secret), "ACS3-HMAC-SHA256\n"+hexSHA256([]byte(canon.String()))))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return nil, fmt.Errorf("signature mismatch")
	}
	return params, nil
}

func (a *Aliyun) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	params, err := a.verify(r, body)
	if err == nil {
		a.Sigs++
	}
	a.mu.Unlock()
	if err != nil {
		writeJSON(w, 400, map[string]string{"Code": "SignatureDoesNotMatch", "Message": err.Error(), "RequestId": "fake"})
		return
	}
	switch r.Header.Get("x-acs-action") {
	case "SendSms":
		if r.Header.Get("x-acs-version") != "2017-05-25" || r.Method != http.MethodPost {
			writeJSON(w, 400, map[string]string{"Code": "InvalidVersion", "Message": "want POST 2017-05-25"})
			return
		}
		phone := params["PhoneNumbers"]
		var tp map[string]string
		if err := json.Unmarshal([]byte(params["TemplateParam"]), &tp); err != nil || params["SignName"] == "" || params["TemplateCode"] == "" {
			writeJSON(w, 200, map[string]string{"Code": "isv.INVALID_PARAMETERS", "Message": "参数异常"})
			return
		}
		rep := a.reply(phone)
		if rep != nil && !rep.DropAnswer {
			writeJSON(w, max(rep.Status, 200), map[string]string{"Code": rep.Code, "Message": rep.Message, "RequestId": "fake"})
			return
		}
		a.mu.Lock()
		id := strconv.Itoa(900000 + len(a.sent))
		a.sent = append(a.sent, SMS{Phone: phone, Sign: params["SignName"], Template: params["TemplateCode"],
			Params: tp, Handle: params["OutId"], ID: id, At: time.Now()})
		a.mu.Unlock()
		if rep != nil && rep.DropAnswer {
			drop(w)
			return
		}
		writeJSON(w, 200, map[string]string{"Code": "OK", "Message": "OK", "BizId": id, "RequestId": "fake"})
	case "QuerySendDetails":
		day, err := time.ParseInLocation("20060102", params["SendDate"], time.FixedZone("CST", 8*3600))
		if err != nil {
			writeJSON(w, 200, map[string]string{"Code": "isv.INVALID_PARAMETERS", "Message": "SendDate"})
			return
		}
		page, _ := strconv.Atoi(params["CurrentPage"])
		size, _ := strconv.Atoi(params["PageSize"])
		type dto struct {
			OutID, ErrCode, TemplateCode, SendDate, PhoneNum string
			SendStatus                                       int
		}
		var all []dto
		for _, s := range a.Sent() {
			if s.Phone == params["PhoneNumber"] && s.At.In(day.Location()).Format("20060102") == params["SendDate"] {
				all = append(all, dto{OutID: s.Handle, ErrCode: "DELIVERED", TemplateCode: s.Template,
					SendDate: s.At.Format("2006-01-02 15:04:05"), PhoneNum: s.Phone, SendStatus: 3})
			}
		}
		from, to := min((page-1)*size, len(all)), min(page*size, len(all))
		list := make([]map[string]any, 0)
		for _, d := range all[from:to] {
			list = append(list, map[string]any{"OutId": d.OutID, "ErrCode": d.ErrCode, "TemplateCode": d.TemplateCode,
				"SendDate": d.SendDate, "PhoneNum": d.PhoneNum, "SendStatus": d.SendStatus})
		}
		writeJSON(w, 200, map[string]any{"Code": "OK", "Message": "OK", "TotalCount": len(all),
			"SmsSendDetailDTOs": map[string]any{"SmsSendDetailDTO": list}})
	default:
		writeJSON(w, 400, map[string]string{"Code": "InvalidAction.NotFound", "Message": r.Header.Get("x-acs-action")})
	}
}

// ---- Tencent ----

// Tencent is a stand-in for the SMS API 2021-01-11 (SendSms, PullSmsSendStatusByPhoneNumber).
type Tencent struct {
	fake
	AppID string
}

// NewTencent starts the fake for a SecretId/SecretKey pair and an application.
func NewTencent(tb testing.TB, id, secret, appID string) *Tencent {
	t := &Tencent{fake: fake{tb: tb, ID: id, Secret: secret, nonces: map[string]bool{}}, AppID: appID}
	t.Server = httptest.NewServer(http.HandlerFunc(t.serve))
	tb.Cleanup(t.Server.Close)
	return t
}

func (t *Tencent) verify(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "TC3-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("authorization %q", auth)
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(kv, "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 4 || cred[0] != t.ID || cred[2] != "sms" || cred[3] != "tc3_request" {
		return fmt.Errorf("credential %q", fields["Credential"])
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return fmt.Errorf("X-TC-Timestamp %q", r.Header.Get("X-TC-Timestamp"))
	}
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	if cred[1] != date {
		return fmt.Errorf("credential date %s, timestamp date %s", cred[1], date)
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	var canon strings.Builder
	canon.WriteString(r.Method + "\n/\n" + r.URL.RawQuery + "\n")
	for _, h := range signed {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canon.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	canon.WriteString("\n" + fields["SignedHeaders"] + "\n" + hexSHA256(body))
	scope := date + "/sms/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + hexSHA256([]byte(canon.String()))
	k := hmac256([]byte("TC3"+t.Secret), date)
	k = hmac256(k, "sms")
	k = hmac256(k, "tc3_request")
	if want := hex.EncodeToString(hmac256(k, toSign)); !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return fmt.Errorf("signature mismatch")
	}
	if !strings.Contains(fields["SignedHeaders"], "content-type") || !strings.Contains(fields["SignedHeaders"], "host") {
		return fmt.Errorf("content-type and host must be signed")
	}
	return nil
}

func tcError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, 200, map[string]any{"Response": map[string]any{"Error": map[string]string{"Code": code, "Message": msg}, "RequestId": "fake"}})
}

func (t *Tencent) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	t.mu.Lock()
	err := t.verify(r, body)
	if err == nil {
		t.Sigs++
	}
	t.mu.Unlock()
	if err != nil {
		tcError(w, "AuthFailure.SignatureFailure", err.Error())
		return
	}
	if r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") == "" {
		tcError(w, "InvalidParameter", "version/region")
		return
	}
	switch r.Header.Get("X-TC-Action") {
	case "SendSms":
		var req struct {
			PhoneNumberSet                                    []string
			SmsSdkAppId, SignName, TemplateId, SessionContext string
			TemplateParamSet                                  []string
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.PhoneNumberSet) != 1 || req.SmsSdkAppId != t.AppID {
			tcError(w, "InvalidParameter", "body")
			return
		}
		phone := req.PhoneNumberSet[0]
		status := map[string]any{"PhoneNumber": phone, "SessionContext": req.SessionContext, "Fee": 1, "IsoCode": "CN"}
		rep := t.reply(phone)
		if rep != nil && !rep.DropAnswer {
			status["Code"], status["Message"], status["SerialNo"] = rep.Code, rep.Message, ""
		} else {
			t.mu.Lock()
			id := "2433:" + strconv.Itoa(5000+len(t.sent))
			t.sent = append(t.sent, SMS{Phone: phone, Sign: req.SignName, Template: req.TemplateId, List: req.TemplateParamSet,
				Handle: req.SessionContext, ID: id, At: time.Now()})
			t.mu.Unlock()
			if rep != nil {
				drop(w)
				return
			}
			status["Code"], status["Message"], status["SerialNo"] = "Ok", "send success", id
		}
		writeJSON(w, 200, map[string]any{"Response": map[string]any{"SendStatusSet": []any{status}, "RequestId": "fake"}})
	case "PullSmsSendStatusByPhoneNumber":
		var req struct {
			BeginTime, EndTime int64
			Offset, Limit      int
			PhoneNumber        string
			SmsSdkAppId        string
		}
		if err := json.Unmarshal(body, &req); err != nil || req.SmsSdkAppId != t.AppID {
			tcError(w, "InvalidParameter", "body")
			return
		}
		set := []any{}
		for _, s := range t.Sent() {
			if s.Phone == req.PhoneNumber && s.At.Unix() >= req.BeginTime && s.At.Unix() <= req.EndTime {
				set = append(set, map[string]any{"SerialNo": s.ID, "PhoneNumber": s.Phone, "SessionContext": s.Handle,
					"ReportStatus": "SUCCESS", "Description": "用户接收成功", "UserReceiveTime": s.At.Format("2006-01-02 15:04:05")})
			}
		}
		writeJSON(w, 200, map[string]any{"Response": map[string]any{"PullSmsSendStatusSet": set, "RequestId": "fake"}})
	default:
		tcError(w, "InvalidAction", r.Header.Get("X-TC-Action"))
	}
}
