package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// TencentEndpoint is the SMS API's public endpoint.
const TencentEndpoint = "https://sms.tencentcloudapi.com"

// Tencent sends through Tencent Cloud SMS (API 2021-01-11). SessionContext = the delivery
// handle; PullSmsSendStatusByPhoneNumber returns it with each status report (status pulling
// must be enabled in the SMS console for Lookup to find anything).
type Tencent struct {
	Endpoint  string // TencentEndpoint when empty
	SecretID  string
	SecretKey string
	AppID     string // SmsSdkAppId
	SignName  string
	Region    string // ap-guangzhou when empty
	Templates Templates
	Client    *http.Client
	// DailyLimit per number; Tencent's default is 10 per natural day.
	DailyLimit int
	Now        func() time.Time
}

// Name is "sms-tencent".
func (t *Tencent) Name() string { return "sms-tencent" }

// Limits are Tencent's default frequency limits: 10 per number per natural day, and one
// message with the same content (template) to a number per 30 seconds.
func (t *Tencent) Limits() []store.QuotaRule {
	n := t.DailyLimit
	if n == 0 {
		n = 10
	}
	return []store.QuotaRule{
		{Name: "腾讯云短信：同号码每日" + strconv.Itoa(n) + "条", PerAddress: true, Max: n, Hard: true},
		{Name: "腾讯云短信：同号码同内容30秒1条", PerAddress: true, PerTemplate: true, Window: 30 * time.Second, Max: 1},
	}
}

// Settle: status reports arrive when the operator answers, usually within seconds but at
// times minutes later; a message not reported within 10 minutes is taken as never sent.
func (t *Tencent) Settle() time.Duration { return 10 * time.Minute }

func (t *Tencent) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Send calls SendSms for one number.
func (t *Tencent) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	mobile, code, err := t.Templates.addressed(t.Name(), m)
	if err != nil {
		return notify.Receipt{}, err
	}
	params := make([]string, len(m.SMS.Params))
	for i, p := range m.SMS.Params {
		params[i] = p.Value
	}
	req := map[string]any{
		"PhoneNumberSet": []string{"+86" + mobile}, "SmsSdkAppId": t.AppID, "SignName": t.SignName,
		"TemplateId": code, "TemplateParamSet": params, "SessionContext": m.Key,
	}
	var out struct {
		SendStatusSet []struct {
			SerialNo, PhoneNumber, SessionContext, Code, Message string
			Fee                                                  int
		}
	}
	raw, err := t.call(ctx, "SendSms", req, &out)
	if err != nil {
		return notify.Receipt{}, err
	}
	if len(out.SendStatusSet) != 1 {
		return notify.Receipt{}, &notify.Error{Class: notify.Unknown, Channel: t.Name(), Err: fmt.Errorf("SendSms: %w: %s", errNoAnswer, raw)}
	}
	st := out.SendStatusSet[0]
	if st.Code != "Ok" {
		class, retry := tencentClass(st.Code)
		return notify.Receipt{}, &notify.Error{Class: class, Channel: t.Name(), Code: st.Code, RetryAfter: retry,
			Err: fmt.Errorf("SendSms: %s", st.Message)}
	}
	return notify.Receipt{ProviderID: st.SerialNo, Answer: raw}, nil
}

// Lookup pulls the number's status reports since the attempt and looks for the handle.
func (t *Tencent) Lookup(ctx context.Context, m notify.Message, since time.Time) (notify.Receipt, bool, error) {
	mobile, err := chinaMobile(t.Name(), m.To.Mobile)
	if err != nil {
		return notify.Receipt{}, false, err
	}
	for offset := 0; offset < 1000; offset += 100 {
		var out struct {
			PullSmsSendStatusSet []struct {
				SerialNo, SessionContext, ReportStatus, Description, UserReceiveTime string
			}
		}
		if _, err := t.call(ctx, "PullSmsSendStatusByPhoneNumber", map[string]any{
			"BeginTime": since.Add(-time.Minute).Unix(), "EndTime": t.now().Unix(), "Offset": offset, "Limit": 100,
			"PhoneNumber": "+86" + mobile, "SmsSdkAppId": t.AppID,
		}, &out); err != nil {
			return notify.Receipt{}, false, err
		}
		for _, r := range out.PullSmsSendStatusSet {
			if r.SessionContext == m.Key {
				return notify.Receipt{ProviderID: r.SerialNo,
					Answer: "PullSmsSendStatusByPhoneNumber: " + r.ReportStatus + " " + r.Description}, true, nil
			}
		}
		if len(out.PullSmsSendStatusSet) < 100 {
			break
		}
	}
	return notify.Receipt{}, false, nil
}

// call posts a signed JSON request and decodes Response into out.
func (t *Tencent) call(ctx context.Context, action string, params any, out any) (string, error) {
	endpoint, u, err := endpointURL(t.Name(), t.Endpoint, TencentEndpoint)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(params)
	if err != nil {
		return "", notify.Errorf(notify.Permanent, t.Name(), "", "%v", err)
	}
	region := t.Region
	if region == "" {
		region = "ap-guangzhou"
	}
	ts := t.now().Unix()
	const contentType = "application/json; charset=utf-8"
	auth := SignTC3(t.SecretID, t.SecretKey, "sms", u.Host, contentType, ts, body)
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", notify.Errorf(notify.Permanent, t.Name(), "config", "%v", err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", "2021-01-11")
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-TC-Region", region)
	resp, raw, err := do(ctx, t.Client, t.Name(), req)
	if err != nil {
		return "", err
	}
	var env struct {
		Response struct {
			Error *struct{ Code, Message string }
		}
	}
	if jerr := json.Unmarshal(raw, &env); jerr != nil {
		return "", &notify.Error{Class: httpClass(resp.StatusCode), Channel: t.Name(), Code: strconv.Itoa(resp.StatusCode),
			Err: fmt.Errorf("%s: HTTP %d: %s", action, resp.StatusCode, short(raw))}
	}
	if e := env.Response.Error; e != nil {
		class, retry := tencentClass(e.Code)
		return "", &notify.Error{Class: class, Channel: t.Name(), Code: e.Code, RetryAfter: retry, Err: fmt.Errorf("%s: %s", action, e.Message)}
	}
	var data struct{ Response json.RawMessage }
	_ = json.Unmarshal(raw, &data)
	if err := json.Unmarshal(data.Response, out); err != nil {
		return "", &notify.Error{Class: notify.Unknown, Channel: t.Name(), Err: fmt.Errorf("%s answer: %w", action, err)}
	}
	return short(raw), nil
}

// tencentClass classifies Tencent error codes, request-level and per-number.
func tencentClass(code string) (notify.Class, time.Duration) {
	switch {
	case code == "LimitExceeded.PhoneNumberDailyLimit", code == "LimitExceeded.PhoneNumberSameContentDailyLimit",
		code == "LimitExceeded.DailyLimit", code == "LimitExceeded.AppDailyLimit":
		return notify.Quota, 0
	case code == "LimitExceeded.PhoneNumberThirtySecondLimit", code == "LimitExceeded.DeliveryFrequencyLimit":
		return notify.RateLimited, 30 * time.Second
	case code == "LimitExceeded.PhoneNumberOneHourLimit":
		return notify.RateLimited, time.Hour
	case strings.HasPrefix(code, "RequestLimitExceeded"):
		return notify.RateLimited, 10 * time.Second
	case strings.HasPrefix(code, "InternalError"), code == "ResourceUnavailable", code == "FailedOperation.ServiceBusy":
		return notify.Transient, 0
	}
	// AuthFailure.*, InvalidParameterValue.IncorrectPhoneNumber, FailedOperation.TemplateIncorrectOrUnapproved,
	// FailedOperation.InsufficientBalanceInSmsPackage, UnauthorizedOperation.*: retrying will not help
	return notify.Permanent, 0
}

// SignTC3 returns the Authorization header of a TencentCloud API 3.0 POST request with the
// headers content-type and host signed:
//
//	CanonicalRequest = POST \n / \n \n content-type:CT\nhost:HOST\n \n content-type;host \n hex(sha256(body))
//	StringToSign     = TC3-HMAC-SHA256 \n timestamp \n date/service/tc3_request \n hex(sha256(CanonicalRequest))
//	key              = HMAC(HMAC(HMAC("TC3"+SecretKey, date), service), "tc3_request")
//	Signature        = hex(HMAC(key, StringToSign))
//
// date is the UTC date of the timestamp.
func SignTC3(secretID, secretKey, service, host, contentType string, timestamp int64, body []byte) string {
	canon := "POST\n/\n\ncontent-type:" + strings.ToLower(contentType) + "\nhost:" + strings.ToLower(host) +
		"\n\ncontent-type;host\n" + sha256Hex(body)
	date := time.Unix(timestamp, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(timestamp, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canon))
	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, service)
	key = hmacSHA256(key, "tc3_request")
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	return "TC3-HMAC-SHA256 Credential=" + secretID + "/" + scope + ", SignedHeaders=content-type;host, Signature=" + sig
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
