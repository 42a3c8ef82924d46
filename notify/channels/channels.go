// Package channels builds zwgk's notification channels, renderer and deliverer from the
// configuration, for the worker, `zwgk dev` and `zwgk notify test`.
package channels

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/links"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/email"
	"github.com/zwgk/zwgk/notify/robot"
	"github.com/zwgk/zwgk/notify/sms"
	"github.com/zwgk/zwgk/store"
)

// ErrNotConfigured is returned, wrapped, for a channel whose settings are missing.
var ErrNotConfigured = errors.New("not configured")

// httpClient bounds every provider call; the deliverer's SendTimeout bounds it again.
var httpClient = &http.Client{Timeout: 30 * time.Second}

// Email builds the SMTP channel from ZWGK_SMTP_*.
func Email(cfg *config.Config) (*email.Channel, error) {
	if cfg.SMTP.Host == "" {
		return nil, fmt.Errorf("email: ZWGK_SMTP_HOST: %w", ErrNotConfigured)
	}
	c := email.Config{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, User: cfg.SMTP.User, Password: cfg.SMTP.Password,
		From: cfg.SMTP.From, TLS: cfg.SMTP.TLS, Timeout: cfg.SMTP.Timeout}
	if ca := cfg.Get("ZWGK_SMTP_TLS_CA"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("config ZWGK_SMTP_TLS_CA: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("config ZWGK_SMTP_TLS_CA: %s holds no PEM certificate", ca)
		}
	}
	var err error
	if c.DailyLimit, err = intSetting(cfg, "ZWGK_SMTP_DAILY_LIMIT"); err != nil {
		return nil, err
	}
	return email.New(c)
}

// SMS builds the configured SMS provider from ZWGK_SMS_*.
func SMS(cfg *config.Config) (notify.Channel, error) {
	provider := cfg.Get("ZWGK_SMS_PROVIDER")
	if provider == "" {
		return nil, fmt.Errorf("sms: ZWGK_SMS_PROVIDER: %w", ErrNotConfigured)
	}
	tmpl, err := sms.ParseTemplates(cfg.Get("ZWGK_SMS_TEMPLATES"))
	if err != nil {
		return nil, fmt.Errorf("config ZWGK_SMS_TEMPLATES: %w", err)
	}
	limit, err := intSetting(cfg, "ZWGK_SMS_DAILY_LIMIT")
	if err != nil {
		return nil, err
	}
	need := func(names ...string) error {
		for _, n := range names {
			if cfg.Get(n) == "" {
				return fmt.Errorf("config %s: required with ZWGK_SMS_PROVIDER=%s", n, provider)
			}
		}
		return nil
	}
	switch provider {
	case "aliyun":
		if err := need("ZWGK_SMS_ACCESS_KEY_ID", "ZWGK_SMS_ACCESS_KEY_SECRET", "ZWGK_SMS_SIGN_NAME"); err != nil {
			return nil, err
		}
		return &sms.Aliyun{Endpoint: cfg.Get("ZWGK_SMS_ENDPOINT"), AccessKeyID: cfg.Get("ZWGK_SMS_ACCESS_KEY_ID"),
			AccessKeySecret: cfg.Get("ZWGK_SMS_ACCESS_KEY_SECRET"), SignName: cfg.Get("ZWGK_SMS_SIGN_NAME"),
			Templates: tmpl, Client: httpClient, DailyLimit: limit}, nil
	case "tencent":
		if err := need("ZWGK_SMS_ACCESS_KEY_ID", "ZWGK_SMS_ACCESS_KEY_SECRET", "ZWGK_SMS_SIGN_NAME", "ZWGK_SMS_APP_ID"); err != nil {
			return nil, err
		}
		return &sms.Tencent{Endpoint: cfg.Get("ZWGK_SMS_ENDPOINT"), SecretID: cfg.Get("ZWGK_SMS_ACCESS_KEY_ID"),
			SecretKey: cfg.Get("ZWGK_SMS_ACCESS_KEY_SECRET"), AppID: cfg.Get("ZWGK_SMS_APP_ID"),
			SignName: cfg.Get("ZWGK_SMS_SIGN_NAME"), Region: cfg.Get("ZWGK_SMS_REGION"), Templates: tmpl,
			Client: httpClient, DailyLimit: limit}, nil
	case "http":
		if err := need("ZWGK_SMS_ENDPOINT"); err != nil {
			return nil, err
		}
		body, err := sms.ParseGatewayBody(cfg.Get("ZWGK_SMS_HTTP_BODY"))
		if err != nil {
			return nil, err
		}
		g := &sms.Gateway{URL: cfg.Get("ZWGK_SMS_ENDPOINT"), Method: cfg.Get("ZWGK_SMS_HTTP_METHOD"), Body: body,
			Token: cfg.Get("ZWGK_SMS_HTTP_TOKEN"), Templates: tmpl, Client: httpClient, DailyLimit: limit}
		if s := cfg.Get("ZWGK_SMS_HTTP_SUCCESS"); s != "" {
			if g.Success, err = regexp.Compile(s); err != nil {
				return nil, fmt.Errorf("config ZWGK_SMS_HTTP_SUCCESS: %w", err)
			}
		}
		return g, nil
	}
	return nil, fmt.Errorf("config ZWGK_SMS_PROVIDER: %q is not aliyun, tencent or http", provider)
}

// All builds every channel by the name recipients prefer. In dev mode an unconfigured email
// or SMS channel is the dev outbox, so that `zwgk dev` works without servers (and without a
// mail server, robots go to the outbox too); otherwise it is absent and recipients who prefer
// it fall back to their next channel.
func All(cfg *config.Config, st *store.Store, dev bool) (map[string]notify.Channel, error) {
	rc, err := RobotClient(cfg)
	if err != nil {
		return nil, err
	}
	out := map[string]notify.Channel{
		"dingtalk": &robot.DingTalk{Client: rc},
		"wecom":    &robot.WeCom{Client: rc},
	}
	e, err := Email(cfg)
	switch {
	case err == nil:
		out["email"] = e
	case errors.Is(err, ErrNotConfigured) && dev:
		out["email"] = &notify.Outbox{Store: st, As: "email"}
		// a dev install with no mail server is a trial: its robots' messages are kept in the
		// outbox beside the mail, not posted to a real group chat (the demo's webhooks are real
		// addresses an admin may have pasted)
		out["dingtalk"] = &notify.Outbox{Store: st, As: "dingtalk"}
		out["wecom"] = &notify.Outbox{Store: st, As: "wecom"}
	case !errors.Is(err, ErrNotConfigured):
		return nil, err
	}
	s, err := SMS(cfg)
	switch {
	case err == nil:
		out["sms"] = s
	case errors.Is(err, ErrNotConfigured) && dev:
		out["sms"] = &notify.Outbox{Store: st, As: "sms"}
	case !errors.Is(err, ErrNotConfigured):
		return nil, err
	}
	return out, nil
}

// RobotClient is the HTTP client of the robot channels: public https destinations only,
// plus those ZWGK_ROBOT_ALLOW lists.
func RobotClient(cfg *config.Config) (*http.Client, error) {
	allow, err := robot.ParseAllow(cfg.RobotAllow)
	if err != nil {
		return nil, fmt.Errorf("config ZWGK_ROBOT_ALLOW: %w", err)
	}
	return robot.NewClient(robot.ClientOptions{Allow: allow}), nil
}

// Renderer builds the message renderer with signed links under ZWGK_SECRET and ZWGK_BASE_URL.
func Renderer(cfg *config.Config) (*notify.Renderer, error) {
	ttl, err := time.ParseDuration(cfg.Get("ZWGK_LINK_TTL"))
	if err != nil || ttl <= 0 {
		return nil, fmt.Errorf("config ZWGK_LINK_TTL: %q is not a duration", cfg.Get("ZWGK_LINK_TTL"))
	}
	var signer *links.Signer
	if cfg.Secret != "" {
		if signer, err = links.NewSigner(cfg.Secret, cfg.BaseURL); err != nil {
			return nil, err
		}
	}
	return notify.NewRenderer(signer, cfg.BaseURL, ttl)
}

// Deliverer builds the deliverer of a worker running at most maxConcurrent deliveries at once.
func Deliverer(ctx context.Context, cfg *config.Config, st *store.Store, dev bool, maxConcurrent int) (*notify.Deliverer, error) {
	chs, err := All(cfg, st, dev)
	if err != nil {
		return nil, err
	}
	r, err := Renderer(cfg)
	if err != nil {
		return nil, err
	}
	d, err := notify.NewDeliverer(ctx, st, r, chs, maxConcurrent)
	if err != nil {
		return nil, err
	}
	if s := cfg.Get("ZWGK_NOTIFY_ALERT_EVERY"); s != "" {
		if d.AlertEvery, err = time.ParseDuration(s); err != nil {
			d.Close()
			return nil, fmt.Errorf("config ZWGK_NOTIFY_ALERT_EVERY: %w", err)
		}
	}
	if cfg.SMTP.Timeout > 0 {
		d.SendTimeout = cfg.SMTP.Timeout + 10*time.Second
	}
	return d, nil
}

func intSetting(cfg *config.Config, name string) (int, error) {
	s := cfg.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("config %s: %q is not a count", name, s)
	}
	return n, nil
}
