package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// DefaultGatewayBody is the gateway body when none is configured.
const DefaultGatewayBody = `{"mobile":{{json .Mobile}},"content":{{json .Text}},"id":{{json .Key}}}`

// Gateway posts to a generic HTTP SMS gateway, as government SMS platforms (政务短信平台)
// offer: URL, method and a body template. The template sees .Mobile, .Text (the full message,
// from notify.SMSTemplates), .Key (the delivery handle, for gateways that de-duplicate),
// .Template (the message kind), .Code (the template code from ZWGK_SMS_TEMPLATES, if any) and
// .Params (name → value); the function json quotes a string for JSON. With GET the rendered
// body is the query string (use urlquery).
type Gateway struct {
	URL    string
	Method string // POST when empty
	Body   *template.Template
	Token  string // sent as Authorization: Bearer
	// Success, when set, must match a 2xx answer's body for the message to count as accepted
	// (platforms that answer 200 with an error code inside).
	Success    *regexp.Regexp
	Templates  Templates
	Client     *http.Client
	DailyLimit int // per number; 0 means no limit
}

// ParseGatewayBody compiles a body template (DefaultGatewayBody when text is empty).
func ParseGatewayBody(text string) (*template.Template, error) {
	if strings.TrimSpace(text) == "" {
		text = DefaultGatewayBody
	}
	t, err := template.New("sms").Funcs(template.FuncMap{"json": func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}}).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("sms gateway body (ZWGK_SMS_HTTP_BODY): %w", err)
	}
	return t, nil
}

// Name is "sms-http".
func (g *Gateway) Name() string { return "sms-http" }

// Limits is the configured daily limit per number.
func (g *Gateway) Limits() []store.QuotaRule {
	if g.DailyLimit <= 0 {
		return nil
	}
	return []store.QuotaRule{{Name: "短信网关：同号码每日" + strconv.Itoa(g.DailyLimit) + "条", PerAddress: true, Max: g.DailyLimit, Hard: true}}
}

// Send renders the body and calls the gateway.
func (g *Gateway) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	mobile, err := chinaMobile(g.Name(), m.To.Mobile)
	if err != nil {
		return notify.Receipt{}, err
	}
	params := map[string]string{}
	for _, p := range m.SMS.Params {
		params[p.Name] = p.Value
	}
	data := map[string]any{"Mobile": mobile, "Text": m.SMS.Text, "Key": m.Key, "Template": string(m.SMS.Template),
		"Code": g.Templates[m.SMS.Template], "Params": params}
	var body bytes.Buffer
	if err := g.Body.Execute(&body, data); err != nil {
		return notify.Receipt{}, notify.Errorf(notify.Permanent, g.Name(), "config", "body template: %v", err)
	}
	method := strings.ToUpper(g.Method)
	if method == "" {
		method = http.MethodPost
	}
	target := g.URL
	var reqBody *bytes.Reader
	if method == http.MethodGet {
		u, err := url.Parse(g.URL)
		if err != nil {
			return notify.Receipt{}, notify.Errorf(notify.Permanent, g.Name(), "config", "URL %q: %v", g.URL, err)
		}
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += body.String()
		target, reqBody = u.String(), bytes.NewReader(nil)
	} else {
		reqBody = bytes.NewReader(body.Bytes())
	}
	req, err := http.NewRequest(method, target, reqBody)
	if err != nil {
		return notify.Receipt{}, notify.Errorf(notify.Permanent, g.Name(), "config", "%v", err)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	req.Header.Set("Idempotency-Key", m.Key)
	resp, raw, err := do(ctx, g.Client, g.Name(), req)
	if err != nil {
		return notify.Receipt{}, err
	}
	answer := fmt.Sprintf("HTTP %d %s", resp.StatusCode, short(raw))
	if resp.StatusCode/100 != 2 {
		e := &notify.Error{Class: httpClass(resp.StatusCode), Channel: g.Name(), Code: strconv.Itoa(resp.StatusCode), Err: fmt.Errorf("%s", answer)}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return notify.Receipt{}, e
	}
	if g.Success != nil && !g.Success.Match(raw) {
		return notify.Receipt{}, notify.Errorf(notify.Permanent, g.Name(), "rejected", "answer does not match ZWGK_SMS_HTTP_SUCCESS: %s", answer)
	}
	return notify.Receipt{ProviderID: gatewayID(raw), Answer: answer}, nil
}

// gatewayID picks a message id out of a JSON answer, under the names gateways commonly use.
func gatewayID(raw []byte) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	for _, k := range []string{"id", "msgid", "msgId", "messageId", "message_id", "bizId", "serialNo"} {
		switch v := m[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}
