package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/calendar"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// AliyunEndpoint is dysmsapi's public endpoint.
const AliyunEndpoint = "https://dysmsapi.aliyuncs.com"

// Aliyun sends through Alibaba Cloud SMS (dysmsapi 2017-05-25). Every message carries OutId =
// the delivery handle, which QuerySendDetails returns, so Lookup can tell whether an attempt
// whose answer was lost went out.
type Aliyun struct {
	Endpoint        string // AliyunEndpoint when empty
	AccessKeyID     string
	AccessKeySecret string
	SignName        string
	Templates       Templates
	Client          *http.Client
	// DailyLimit per number and template; Aliyun's default for notification SMS is 50 per
	// natural day (同一签名、同一模板、同一号码).
	DailyLimit int
	// Now and Nonce are the clock and nonce source of signatures; tests fix them.
	Now   func() time.Time
	Nonce func() string
}

// Name is "sms-aliyun".
func (a *Aliyun) Name() string { return "sms-aliyun" }

// Limits is the per number and template daily quota.
func (a *Aliyun) Limits() []store.QuotaRule {
	n := a.DailyLimit
	if n == 0 {
		n = 50
	}
	return []store.QuotaRule{{Name: "阿里云短信：同号码同模板每日" + strconv.Itoa(n) + "条", PerAddress: true, PerTemplate: true, Max: n, Hard: true}}
}

// Settle: QuerySendDetails lists a message as soon as SendSms accepted it (status 1, waiting
// for the receipt); a margin covers replication.
func (a *Aliyun) Settle() time.Duration { return 2 * time.Minute }

// Send calls SendSms.
func (a *Aliyun) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	mobile, code, err := a.Templates.addressed(a.Name(), m)
	if err != nil {
		return notify.Receipt{}, err
	}
	params := map[string]string{}
	for _, p := range m.SMS.Params {
		params[p.Name] = p.Value
	}
	tp, _ := json.Marshal(params)
	var out struct {
		Code, Message, BizID, RequestID string
	}
	raw, err := a.call(ctx, "SendSms", map[string]string{
		"PhoneNumbers": mobile, "SignName": a.SignName, "TemplateCode": code,
		"TemplateParam": string(tp), "OutId": m.Key,
	}, &out)
	if err != nil {
		return notify.Receipt{}, err
	}
	return notify.Receipt{ProviderID: out.BizID, Answer: raw}, nil
}

// Lookup asks QuerySendDetails for the number's messages of the attempt's day (and the next,
// for an attempt just before midnight) and looks for the handle in OutId.
func (a *Aliyun) Lookup(ctx context.Context, m notify.Message, since time.Time) (notify.Receipt, bool, error) {
	mobile, err := chinaMobile(a.Name(), m.To.Mobile)
	if err != nil {
		return notify.Receipt{}, false, err
	}
	day := calendar.DateOf(since)
	days := []calendar.Date{day}
	if next := day.AddDays(1); !a.now().Before(next.Start()) {
		days = append(days, next)
	}
	for _, d := range days {
		for page := 1; page <= 20; page++ {
			var out struct {
				Code, Message     string
				TotalCount        int
				SmsSendDetailDTOs struct {
					SmsSendDetailDTO []struct {
						OutID        string `json:"OutId"`
						SendStatus   int
						ErrCode      string
						TemplateCode string
						SendDate     string
					}
				}
			}
			if _, err := a.call(ctx, "QuerySendDetails", map[string]string{
				"PhoneNumber": mobile, "SendDate": fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day),
				"PageSize": "50", "CurrentPage": strconv.Itoa(page),
			}, &out); err != nil {
				return notify.Receipt{}, false, err
			}
			for _, r := range out.SmsSendDetailDTOs.SmsSendDetailDTO {
				if r.OutID == m.Key {
					return notify.Receipt{ProviderID: "OutId:" + r.OutID,
						Answer: fmt.Sprintf("QuerySendDetails: SendStatus=%d ErrCode=%s SendDate=%s", r.SendStatus, r.ErrCode, r.SendDate)}, true, nil
				}
			}
			if page*50 >= out.TotalCount {
				break
			}
		}
	}
	return notify.Receipt{}, false, nil
}

func (a *Aliyun) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// call makes an RPC-style call with the parameters in the query string and an empty body,
// signed with V3, and decodes the answer into out; a Code other than OK is a classified error.
func (a *Aliyun) call(ctx context.Context, action string, params map[string]string, out any) (string, error) {
	endpoint, u, err := endpointURL(a.Name(), a.Endpoint, AliyunEndpoint)
	if err != nil {
		return "", err
	}
	query := CanonicalQuery(params)
	payloadHash := sha256Hex(nil)
	nonce := ""
	if a.Nonce != nil {
		nonce = a.Nonce()
	} else {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		nonce = hex.EncodeToString(b)
	}
	headers := map[string]string{
		"host":                  u.Host,
		"x-acs-action":          action,
		"x-acs-version":         "2017-05-25",
		"x-acs-date":            a.now().UTC().Format("2006-01-02T15:04:05Z"),
		"x-acs-signature-nonce": nonce,
		"x-acs-content-sha256":  payloadHash,
	}
	signed, sig := SignACS3(a.AccessKeySecret, http.MethodPost, "/", query, headers, payloadHash)
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(endpoint, "/")+"/?"+query, nil)
	if err != nil {
		return "", notify.Errorf(notify.Permanent, a.Name(), "config", "%v", err)
	}
	for k, v := range headers {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential="+a.AccessKeyID+",SignedHeaders="+signed+",Signature="+sig)
	resp, body, err := do(ctx, a.Client, a.Name(), req)
	if err != nil {
		return "", err
	}
	var head struct{ Code, Message string }
	if jerr := json.Unmarshal(body, &head); jerr != nil || head.Code == "" {
		return "", &notify.Error{Class: httpClass(resp.StatusCode), Channel: a.Name(), Code: strconv.Itoa(resp.StatusCode),
			Err: fmt.Errorf("%s: HTTP %d: %s", action, resp.StatusCode, short(body))}
	}
	if head.Code != "OK" {
		class, retry := aliyunClass(head.Code, head.Message, resp.StatusCode)
		return "", &notify.Error{Class: class, Channel: a.Name(), Code: head.Code, RetryAfter: retry,
			Err: fmt.Errorf("%s: %s", action, head.Message)}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return "", &notify.Error{Class: notify.Unknown, Channel: a.Name(), Err: fmt.Errorf("%s answer: %w", action, err)}
	}
	return short(body), nil
}

// aliyunClass classifies dysmsapi error codes. isv.BUSINESS_LIMIT_CONTROL is the per-number
// flow control; its message names the level (分钟级, 小时级, 天级): only the daily one means the
// number is done for today.
func aliyunClass(code, msg string, status int) (notify.Class, time.Duration) {
	switch {
	case code == "isv.BUSINESS_LIMIT_CONTROL":
		switch {
		case strings.Contains(msg, "天级") || strings.Contains(strings.ToLower(msg), "day"):
			return notify.Quota, 0
		case strings.Contains(msg, "小时级") || strings.Contains(strings.ToLower(msg), "hour"):
			return notify.RateLimited, time.Hour
		}
		return notify.RateLimited, time.Minute
	case code == "isv.DAY_LIMIT_CONTROL":
		return notify.Quota, 0
	case strings.HasPrefix(code, "Throttling"):
		return notify.RateLimited, 10 * time.Second
	case strings.HasPrefix(code, "isp.") || code == "SignatureNonceUsed" || code == "ServiceUnavailable" || status >= 500:
		return notify.Transient, 0
	}
	// isv.MOBILE_NUMBER_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.AMOUNT_NOT_ENOUGH,
	// SignatureDoesNotMatch, InvalidAccessKeyId.NotFound, …: retrying will not help
	return notify.Permanent, 0
}

// CanonicalQuery encodes parameters sorted by name with RFC 3986 percent-encoding, as both the
// V3 signature and the request line use them.
func CanonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = PercentEncode(k) + "=" + PercentEncode(params[k])
	}
	return strings.Join(parts, "&")
}

// PercentEncode is RFC 3986 encoding: unreserved characters stay, the rest become %XX (space
// is %20, not +).
func PercentEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// SignACS3 computes the Aliyun V3 signature: headers are the signed headers (lower-case names:
// host, x-acs-*, content-type); it returns the SignedHeaders list and the hex signature.
//
//	CanonicalRequest = METHOD \n URI \n QUERY \n (name:trim(value)\n)* \n SignedHeaders \n HashedPayload
//	StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//	Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
func SignACS3(secret, method, uri, query string, headers map[string]string, payloadHash string) (signedHeaders, signature string) {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	lower := map[string]string{}
	for k, v := range headers {
		lower[strings.ToLower(k)] = strings.TrimSpace(v)
	}
	var canon strings.Builder
	canon.WriteString(method + "\n" + uri + "\n" + query + "\n")
	for _, n := range names {
		canon.WriteString(n + ":" + lower[n] + "\n")
	}
	signedHeaders = strings.Join(names, ";")
	canon.WriteString("\n" + signedHeaders + "\n" + payloadHash)
	toSign := "ACS3-HMAC-SHA256\n" + sha256Hex([]byte(canon.String()))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(toSign))
	return signedHeaders, hex.EncodeToString(m.Sum(nil))
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
