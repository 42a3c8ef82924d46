// Package robot posts to office group chats through custom robot webhooks: DingTalk (钉钉自定义
// 机器人, signed with the robot's secret) and WeCom (企业微信群机器人). The webhook and secret
// come with each message's address, since every office has its own group.
package robot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/store"
)

// perMinute is both platforms' documented limit: 20 messages a minute per robot (DingTalk then
// blocks the robot for 10 minutes).
func perMinute(name string) []store.QuotaRule {
	return []store.QuotaRule{{Name: name + "：每个机器人每分钟20条", PerAddress: true, Window: time.Minute, Max: 20}}
}

// DingTalk is the DingTalk custom robot.
type DingTalk struct {
	// Client must come from NewClient, which keeps robots off internal addresses; nil is
	// NewClient with nothing allowed beyond the public internet.
	Client *http.Client
	Now    func() time.Time
}

// Name is "dingtalk".
func (d *DingTalk) Name() string { return "dingtalk" }

// Limits is 20 messages a minute per robot.
func (d *DingTalk) Limits() []store.QuotaRule { return perMinute("钉钉机器人") }

// DingTalkSign is the 加签 signature: base64(HMAC-SHA256(secret, timestamp+"\n"+secret)), with
// the timestamp in milliseconds; it goes URL-encoded into the sign parameter.
func DingTalkSign(secret string, timestampMillis int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(timestampMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Send posts a markdown message.
func (d *DingTalk) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	u, err := webhookURL(m.To.Webhook)
	if err != nil {
		return notify.Receipt{}, &notify.Error{Class: notify.Permanent, Channel: d.Name(), Code: "webhook", Err: err}
	}
	if m.To.Secret != "" {
		now := time.Now()
		if d.Now != nil {
			now = d.Now()
		}
		ts := now.UnixMilli()
		q := u.Query()
		q.Set("timestamp", strconv.FormatInt(ts, 10))
		q.Set("sign", DingTalkSign(m.To.Secret, ts))
		u.RawQuery = q.Encode()
	}
	body, _ := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"title": m.Subject, "text": m.Markdown},
	})
	code, msg, raw, err := post(ctx, d.Client, d.Name(), u.String(), body)
	if err != nil {
		return notify.Receipt{}, err
	}
	switch code {
	case 0:
		return notify.Receipt{Answer: raw}, nil
	case 130101: // send too fast: the robot is throttled for 10 minutes
		return notify.Receipt{}, &notify.Error{Class: notify.RateLimited, Channel: d.Name(), Code: "130101", RetryAfter: 10 * time.Minute, Err: fmt.Errorf("%s", msg)}
	case -1: // system busy
		return notify.Receipt{}, &notify.Error{Class: notify.Transient, Channel: d.Name(), Code: "-1", Err: fmt.Errorf("%s", msg)}
	}
	// 310000 keyword/sign/IP check failed, 300001 token invalid, 400101 robot disabled…
	return notify.Receipt{}, &notify.Error{Class: notify.Permanent, Channel: d.Name(), Code: strconv.Itoa(code), Err: fmt.Errorf("%s", msg)}
}

// WeCom is the WeCom group robot.
type WeCom struct {
	Client *http.Client // as DingTalk.Client
}

// Name is "wecom".
func (w *WeCom) Name() string { return "wecom" }

// Limits is 20 messages a minute per robot.
func (w *WeCom) Limits() []store.QuotaRule { return perMinute("企业微信机器人") }

// Send posts a markdown message.
func (w *WeCom) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	u, err := webhookURL(m.To.Webhook)
	if err != nil {
		return notify.Receipt{}, &notify.Error{Class: notify.Permanent, Channel: w.Name(), Code: "webhook", Err: err}
	}
	body, _ := json.Marshal(map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"content": m.Markdown},
	})
	code, msg, raw, err := post(ctx, w.Client, w.Name(), u.String(), body)
	if err != nil {
		return notify.Receipt{}, err
	}
	switch code {
	case 0:
		return notify.Receipt{Answer: raw}, nil
	case 45009: // api freq out of limit
		return notify.Receipt{}, &notify.Error{Class: notify.RateLimited, Channel: w.Name(), Code: "45009", RetryAfter: time.Minute, Err: fmt.Errorf("%s", msg)}
	case -1:
		return notify.Receipt{}, &notify.Error{Class: notify.Transient, Channel: w.Name(), Code: "-1", Err: fmt.Errorf("%s", msg)}
	}
	// 93000 invalid webhook url, 40058 content too long, …
	return notify.Receipt{}, &notify.Error{Class: notify.Permanent, Channel: w.Name(), Code: strconv.Itoa(code), Err: fmt.Errorf("%s", msg)}
}

// webhookURL parses a robot's webhook. Only https: the URL carries the robot's token, which
// must not cross the network in clear, and the DingTalk, WeCom and Feishu endpoints are all https.
// Where it leads is checked on every connection (NewClient).
func webhookURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil || u.Host == "":
		return nil, errors.New("机器人 Webhook 不是有效的网址")
	case u.Scheme != "https":
		return nil, errors.New("机器人 Webhook 必须以 https:// 开头")
	case u.User != nil:
		return nil, errors.New("机器人 Webhook 不能包含用户名或密码")
	}
	return u, nil
}

// post sends JSON and reads {"errcode":…,"errmsg":…}.
func post(ctx context.Context, client *http.Client, channel, target string, body []byte) (int, string, string, error) {
	if client == nil {
		client = defaultClient
	}
	wrote := false
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote = true },
	}), http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "", "", notify.Errorf(notify.Permanent, channel, "webhook", "%v", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		var refused *RefusedError
		if errors.As(err, &refused) {
			return 0, "", "", &notify.Error{Class: notify.Permanent, Channel: channel, Code: "address", Err: refused}
		}
		class := notify.Transient
		if wrote {
			class = notify.Unknown
		}
		return 0, "", "", &notify.Error{Class: class, Channel: channel, Err: redact(err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return 0, "", "", &notify.Error{Class: notify.Unknown, Channel: channel, Err: err}
	}
	answer := strings.TrimSpace(string(raw))
	if resp.StatusCode/100 == 3 {
		// The client does not follow it (NewClient): the platforms never redirect a
		// webhook, so a redirect is a wrong or hostile URL, not a move to follow.
		return 0, "", "", notify.Errorf(notify.Permanent, channel, strconv.Itoa(resp.StatusCode),
			"机器人 Webhook 返回了重定向（HTTP %d），不予跟随；请核对机器人地址", resp.StatusCode)
	}
	if resp.StatusCode/100 != 2 {
		class := notify.Permanent
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			class = notify.Transient
		}
		return 0, "", "", &notify.Error{Class: class, Channel: channel, Code: strconv.Itoa(resp.StatusCode), Err: fmt.Errorf("HTTP %d: %s", resp.StatusCode, answer)}
	}
	var out struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return 0, "", "", &notify.Error{Class: notify.Unknown, Channel: channel, Err: fmt.Errorf("answer %q: %w", answer, err)}
	}
	return out.ErrCode, out.ErrMsg, answer, nil
}

// redact drops the webhook's query (its access token) from an error for the delivery log.
func redact(err error) error {
	var ue *url.Error
	if e, ok := err.(*url.Error); ok {
		ue = e
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String() + "?…", Err: ue.Err}
		}
	}
	return err
}
