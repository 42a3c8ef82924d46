// Package sms holds the SMS channels: Aliyun (dysmsapi SendSms, signature V3
// ACS3-HMAC-SHA256), Tencent Cloud (SMS API 2021-01-11, TC3-HMAC-SHA256) and a generic HTTP
// gateway for government SMS platforms. The cloud providers are spoken to over plain HTTP with
// signatures computed here, as their Go SDKs cannot be fetched in this build; the signing
// functions are tested against the providers' published examples.
package sms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"github.com/zwgk/zwgk/notify"
)

// Templates maps message kinds to the provider's template codes (Aliyun SMS_123456, Tencent
// template ids). Register the texts of notify.SMSTemplates (or notify.TencentTemplate) under
// these codes.
type Templates map[notify.Kind]string

// ParseTemplates reads ZWGK_SMS_TEMPLATES: reminder=SMS_1,overdue=SMS_2,...
func ParseTemplates(s string) (Templates, error) {
	t := Templates{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		k, code, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(code) == "" {
			return nil, fmt.Errorf("sms templates: %q: want kind=CODE", part)
		}
		kind := notify.Kind(strings.TrimSpace(k))
		if _, known := notify.SMSTemplates[kind]; !known {
			return nil, fmt.Errorf("sms templates: unknown kind %q (want one of reminder, due, overdue, escalation, digest, alert, test)", k)
		}
		t[kind] = strings.TrimSpace(code)
	}
	return t, nil
}

// code returns the template code for a message or a permanent error: without a registered
// template this channel cannot carry that kind, and the deliverer falls back.
func (t Templates) code(channel string, m notify.Message) (string, error) {
	code := t[m.SMS.Template]
	if code == "" && m.SMS.Template == notify.Test {
		return "", notify.Errorf(notify.Permanent, channel, "template", "no SMS template for kind test; add test=CODE to ZWGK_SMS_TEMPLATES")
	}
	if code == "" {
		return "", notify.Errorf(notify.Permanent, channel, "template", "no SMS template for kind %s in ZWGK_SMS_TEMPLATES", m.SMS.Template)
	}
	return code, nil
}

// addressed is what a template gateway needs of a message before it calls: the mainland
// number and the template code, or the permanent error that stops the send.
func (t Templates) addressed(channel string, m notify.Message) (mobile, code string, err error) {
	if mobile, err = chinaMobile(channel, m.To.Mobile); err != nil {
		return "", "", err
	}
	if code, err = t.code(channel, m); err != nil {
		return "", "", err
	}
	return mobile, code, nil
}

// endpointURL is a provider's endpoint, the configured one or else def, as given and parsed; one
// that does not parse is a permanent configuration error.
func endpointURL(channel, configured, def string) (string, *url.URL, error) {
	endpoint := configured
	if endpoint == "" {
		endpoint = def
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", nil, notify.Errorf(notify.Permanent, channel, "config", "endpoint %q: %v", endpoint, err)
	}
	return endpoint, u, nil
}

// chinaMobile normalises a mainland number to 11 digits, or returns a permanent error.
func chinaMobile(channel, s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "+86"), "0086")
	if len(s) != 11 || s[0] != '1' || strings.Trim(s, "0123456789") != "" {
		return "", notify.Errorf(notify.Permanent, channel, "mobile", "%q is not a mainland mobile number", s)
	}
	return s, nil
}

// do sends req and reads the body. A failure before the request was fully written means the
// provider never saw it (Transient); after, the provider may have accepted it (Unknown).
func do(ctx context.Context, client *http.Client, channel string, req *http.Request) (*http.Response, []byte, error) {
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	wrote := false
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote = true },
	}))
	resp, err := client.Do(req)
	if err != nil {
		class := notify.Transient
		if wrote {
			class = notify.Unknown
		}
		return nil, nil, &notify.Error{Class: class, Channel: channel, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, &notify.Error{Class: notify.Unknown, Channel: channel, Err: fmt.Errorf("read answer: %w", err)}
	}
	return resp, body, nil
}

// httpClass classifies an HTTP status without a provider code.
func httpClass(status int) notify.Class {
	switch {
	case status == http.StatusTooManyRequests:
		return notify.RateLimited
	case status >= 500:
		return notify.Transient
	}
	return notify.Permanent
}

// short trims a provider answer for the log.
func short(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

var errNoAnswer = errors.New("no answer for the number")
