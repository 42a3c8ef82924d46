package sms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/providertest"
)

// The published example of Aliyun's "V3版本请求体&签名机制": POST RunInstances to
// ecs.cn-shanghai.aliyuncs.com with AccessKey YourAccessKeyId / YourAccessKeySecret.
func TestACS3MatchesAliyunsPublishedExample(t *testing.T) {
	query := CanonicalQuery(map[string]string{
		"RegionId": "cn-shanghai",
		"ImageId":  "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
	})
	if query != "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai" {
		t.Fatalf("canonical query %q", query)
	}
	empty := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if sha256Hex(nil) != empty {
		t.Fatal("empty payload hash")
	}
	signed, sig := SignACS3("YourAccessKeySecret", "POST", "/", query, map[string]string{
		"host":                  "ecs.cn-shanghai.aliyuncs.com",
		"x-acs-action":          "RunInstances",
		"x-acs-version":         "2014-05-26",
		"x-acs-date":            "2023-10-26T10:22:32Z",
		"x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
		"x-acs-content-sha256":  empty,
	}, empty)
	if signed != "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version" {
		t.Errorf("signed headers %q", signed)
	}
	if sig != "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0" {
		t.Errorf("signature %s, want the documented 06563a9e…", sig)
	}
}

// The published example of TencentCloud API 3.0 "签名方法 v3": DescribeInstances on
// cvm.tencentcloudapi.com at 1551113065 with SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE.
func TestTC3MatchesTencentsPublishedExample(t *testing.T) {
	payload := `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	if h := sha256Hex([]byte(payload)); h != "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064" {
		t.Fatalf("payload hash %s", h)
	}
	auth := SignTC3("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm",
		"cvm.tencentcloudapi.com", "application/json; charset=utf-8", 1551113065, []byte(payload))
	want := "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, " +
		"SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
	if auth != want {
		t.Errorf("authorization\n got %s\nwant %s", auth, want)
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b*c~d":    "a%20b%2Ac~d",
		"中":          "%E4%B8%AD",
		`{"t":"x"}`:  "%7B%22t%22%3A%22x%22%7D",
		"A-Z_a.z09~": "A-Z_a.z09~",
	} {
		if got := PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func smsMessage(kind notify.Kind) notify.Message {
	return notify.Message{
		Key: notify.Handle("digest/person:3/20240628T010000Z", "person:3"), Kind: kind, Format: notify.FormatSMS,
		To: notify.Address{Recipient: "person:3", Name: "李四", Mobile: "13800138000"},
		SMS: notify.SMS{Template: kind, Params: []notify.Param{
			{Name: "title", Value: "部门预算公开"}, {Name: "due", Value: "6月28日"}, {Name: "left", Value: "3个工作日"}},
			Text: "您负责的政务公开事项“部门预算公开”将于6月28日到期，剩余3个工作日，请及时办理。"},
	}
}

func aliyun(f *providertest.Aliyun, secret string) *Aliyun {
	return &Aliyun{Endpoint: f.URL(), AccessKeyID: f.ID, AccessKeySecret: secret, SignName: "某某县政务公开办",
		Templates: Templates{notify.Reminder: "SMS_100001"}}
}

func TestAliyunSendSms(t *testing.T) {
	f := providertest.NewAliyun(t, "LTAI5tTestId", "test-secret")
	a := aliyun(f, "test-secret")
	m := smsMessage(notify.Reminder)
	rec, err := a.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	sent := f.Sent()
	if len(sent) != 1 || f.Sigs != 1 {
		t.Fatalf("fake accepted %d messages, %d signatures", len(sent), f.Sigs)
	}
	s := sent[0]
	if s.Phone != "13800138000" || s.Sign != "某某县政务公开办" || s.Template != "SMS_100001" || s.Handle != m.Key {
		t.Errorf("sent %+v", s)
	}
	if s.Params["title"] != "部门预算公开" || s.Params["due"] != "6月28日" || s.Params["left"] != "3个工作日" {
		t.Errorf("params %v", s.Params)
	}
	if rec.ProviderID != s.ID || !strings.Contains(rec.Answer, `"Code":"OK"`) {
		t.Errorf("receipt %+v", rec)
	}
	found, ok, err := a.Lookup(context.Background(), m, time.Now().Add(-time.Minute))
	if err != nil || !ok || !strings.Contains(found.Answer, "SendStatus=3") {
		t.Errorf("lookup of a sent message: %+v %v %v", found, ok, err)
	}
	other := m
	other.Key = notify.Handle("other", "person:3")
	if _, ok, err := a.Lookup(context.Background(), other, time.Now().Add(-time.Minute)); err != nil || ok {
		t.Errorf("lookup of an unsent message: %v %v", ok, err)
	}
}

func TestAliyunWrongSecretIsRejectedByTheSignatureCheck(t *testing.T) {
	f := providertest.NewAliyun(t, "LTAI5tTestId", "test-secret")
	_, err := aliyun(f, "another-secret").Send(context.Background(), smsMessage(notify.Reminder))
	var e *notify.Error
	if !errors.As(err, &e) || e.Code != "SignatureDoesNotMatch" || e.Class != notify.Permanent {
		t.Fatalf("error %v", err)
	}
	if len(f.Sent()) != 0 {
		t.Fatal("the fake accepted a badly signed request")
	}
}

func TestAliyunErrorsClassify(t *testing.T) {
	for _, tc := range []struct {
		code, msg string
		want      notify.Class
	}{
		{"isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", notify.Permanent},
		{"isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:50", notify.Quota},
		{"isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", notify.RateLimited},
		{"isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5", notify.RateLimited},
		{"isv.AMOUNT_NOT_ENOUGH", "账户余额不足", notify.Permanent},
		{"isp.SYSTEM_ERROR", "系统错误", notify.Transient},
	} {
		f := providertest.NewAliyun(t, "id", "secret")
		f.SetReply(func(string) *providertest.Reply { return &providertest.Reply{Code: tc.code, Message: tc.msg} })
		_, err := aliyun(f, "secret").Send(context.Background(), smsMessage(notify.Reminder))
		var e *notify.Error
		if !errors.As(err, &e) || e.Class != tc.want || e.Code != tc.code {
			t.Errorf("%s %s: %v, want %s", tc.code, tc.msg, err, tc.want)
		}
		if tc.want == notify.RateLimited && e.RetryAfter == 0 {
			t.Errorf("%s: no RetryAfter", tc.msg)
		}
	}
}

func TestAliyunLostAnswerIsUnknownAndFoundByLookup(t *testing.T) {
	f := providertest.NewAliyun(t, "id", "secret")
	f.SetReply(func(string) *providertest.Reply { return &providertest.Reply{DropAnswer: true} })
	a := aliyun(f, "secret")
	m := smsMessage(notify.Reminder)
	start := time.Now()
	_, err := a.Send(context.Background(), m)
	if notify.Classify(err) != notify.Unknown {
		t.Fatalf("error %v, want unknown", err)
	}
	rec, ok, err := a.Lookup(context.Background(), m, start)
	if err != nil || !ok || rec.ProviderID != "OutId:"+m.Key {
		t.Fatalf("lookup %+v %v %v", rec, ok, err)
	}
}

func TestLocalChecksArePermanent(t *testing.T) {
	f := providertest.NewAliyun(t, "id", "secret")
	a := aliyun(f, "secret")
	m := smsMessage(notify.Reminder)
	m.To.Mobile = "010-12345678"
	if _, err := a.Send(context.Background(), m); notify.Classify(err) != notify.Permanent {
		t.Errorf("landline: %v", err)
	}
	if _, err := a.Send(context.Background(), smsMessage(notify.Digest)); notify.Classify(err) != notify.Permanent ||
		!strings.Contains(err.Error(), "digest") {
		t.Errorf("kind without template: %v", err)
	}
	if len(f.Sent()) != 0 {
		t.Error("sent anyway")
	}
}

func tencent(f *providertest.Tencent) *Tencent {
	return &Tencent{Endpoint: f.URL(), SecretID: f.ID, SecretKey: f.Secret, AppID: f.AppID, SignName: "某某县政务公开办",
		Templates: Templates{notify.Reminder: "1234567"}}
}

func TestTencentSendSms(t *testing.T) {
	f := providertest.NewTencent(t, "AKIDtest", "tc-secret", "1400006666")
	c := tencent(f)
	m := smsMessage(notify.Reminder)
	rec, err := c.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	sent := f.Sent()
	if len(sent) != 1 || f.Sigs != 1 {
		t.Fatalf("fake accepted %d, %d signatures", len(sent), f.Sigs)
	}
	s := sent[0]
	if s.Phone != "+8613800138000" || s.Template != "1234567" || s.Handle != m.Key ||
		strings.Join(s.List, "|") != "部门预算公开|6月28日|3个工作日" || rec.ProviderID != s.ID {
		t.Errorf("sent %+v receipt %+v", s, rec)
	}
	if _, ok, err := c.Lookup(context.Background(), m, time.Now().Add(-time.Minute)); !ok || err != nil {
		t.Errorf("lookup: %v %v", ok, err)
	}
	c.SecretKey = "wrong"
	_, err = c.Send(context.Background(), m)
	var e *notify.Error
	if !errors.As(err, &e) || e.Code != "AuthFailure.SignatureFailure" || e.Class != notify.Permanent {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestTencentPerNumberErrorsClassify(t *testing.T) {
	for code, want := range map[string]notify.Class{
		"LimitExceeded.PhoneNumberDailyLimit":           notify.Quota,
		"LimitExceeded.PhoneNumberThirtySecondLimit":    notify.RateLimited,
		"InvalidParameterValue.IncorrectPhoneNumber":    notify.Permanent,
		"FailedOperation.TemplateIncorrectOrUnapproved": notify.Permanent,
		"InternalError.Timeout":                         notify.Transient,
	} {
		f := providertest.NewTencent(t, "AKIDtest", "tc-secret", "1400006666")
		f.SetReply(func(string) *providertest.Reply { return &providertest.Reply{Code: code, Message: "x"} })
		_, err := tencent(f).Send(context.Background(), smsMessage(notify.Reminder))
		var e *notify.Error
		if !errors.As(err, &e) || e.Class != want || e.Code != code {
			t.Errorf("%s: %v, want %s", code, err, want)
		}
	}
}

func TestGateway(t *testing.T) {
	var got []*http.Request
	var bodies []string
	status, answer := 200, `{"code":0,"msgid":"G-1"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, bodies = append(got, r), append(bodies, string(b))
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	body, err := ParseGatewayBody("")
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{URL: srv.URL + "/send", Body: body, Token: "tok"}
	m := smsMessage(notify.Reminder)
	rec, err := g.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]string
	if err := json.Unmarshal([]byte(bodies[0]), &sent); err != nil {
		t.Fatalf("body %q: %v", bodies[0], err)
	}
	if sent["mobile"] != "13800138000" || sent["content"] != m.SMS.Text || sent["id"] != m.Key ||
		got[0].Header.Get("Authorization") != "Bearer tok" || got[0].Method != "POST" || rec.ProviderID != "G-1" {
		t.Errorf("request %v %v receipt %+v", sent, got[0].Header, rec)
	}

	get, err := ParseGatewayBody("phone={{urlquery .Mobile}}&msg={{urlquery .Text}}&tpl={{.Params.title | urlquery}}")
	if err != nil {
		t.Fatal(err)
	}
	g2 := &Gateway{URL: srv.URL + "/send?user=gk", Method: "GET", Body: get, Success: regexp.MustCompile(`"code":0\b`)}
	if _, err := g2.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(got[1].URL.RawQuery)
	if q.Get("user") != "gk" || q.Get("phone") != "13800138000" || q.Get("msg") != m.SMS.Text || q.Get("tpl") != "部门预算公开" {
		t.Errorf("GET query %v", q)
	}
	answer = `{"code":17,"msg":"黑名单"}`
	if _, err := g2.Send(context.Background(), m); notify.Classify(err) != notify.Permanent {
		t.Errorf("200 with an error inside: %v", err)
	}
	for st, want := range map[int]notify.Class{500: notify.Transient, 400: notify.Permanent, 429: notify.RateLimited} {
		status = st
		_, err := g.Send(context.Background(), m)
		if notify.Classify(err) != want {
			t.Errorf("HTTP %d: %v, want %s", st, err, want)
		}
		if st == 429 && notify.RetryAfter(err) != 7*time.Second {
			t.Errorf("429 retry after %v", notify.RetryAfter(err))
		}
	}
}

func TestParseTemplates(t *testing.T) {
	tm, err := ParseTemplates("reminder=SMS_1, overdue=SMS_2;digest=SMS_4")
	if err != nil || tm[notify.Reminder] != "SMS_1" || tm[notify.Overdue] != "SMS_2" || tm[notify.Digest] != "SMS_4" {
		t.Fatalf("%v %v", tm, err)
	}
	for _, bad := range []string{"reminder", "nope=SMS_1", "due="} {
		if _, err := ParseTemplates(bad); err == nil {
			t.Errorf("ParseTemplates(%q) passed", bad)
		}
	}
}
