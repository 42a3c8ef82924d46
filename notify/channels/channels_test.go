package channels

import (
	"errors"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/config"
	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/email"
	"github.com/zwgk/zwgk/notify/robot"
	"github.com/zwgk/zwgk/notify/sms"
)

func load(t *testing.T, vars map[string]string) *config.Config {
	t.Helper()
	c, err := config.Load(func(k string) string { return vars[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAll(t *testing.T) {
	dev, err := All(load(t, nil), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dev["email"].(*notify.Outbox); !ok {
		t.Errorf("dev without SMTP: email is %T, want the outbox", dev["email"])
	}
	for _, r := range []string{"dingtalk", "wecom"} {
		if _, ok := dev[r].(*notify.Outbox); !ok {
			t.Errorf("dev without SMTP: %s is %T, want the outbox, not a real group chat", r, dev[r])
		}
	}
	prod, err := All(load(t, nil), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := prod["email"]; ok {
		t.Error("production without SMTP has an email channel")
	}
	full, err := All(load(t, map[string]string{
		"ZWGK_SMTP_HOST": "mail.example.gov.cn", "ZWGK_SMTP_PORT": "465", "ZWGK_SMTP_TLS": "implicit",
		"ZWGK_SMS_PROVIDER": "tencent", "ZWGK_SMS_ACCESS_KEY_ID": "AKID", "ZWGK_SMS_ACCESS_KEY_SECRET": "k",
		"ZWGK_SMS_SIGN_NAME": "某某县政务公开办", "ZWGK_SMS_APP_ID": "1400000000", "ZWGK_SMS_TEMPLATES": "digest=123",
		"ZWGK_SMS_DAILY_LIMIT": "5",
	}), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := full["email"].(*email.Channel); !ok {
		t.Errorf("email is %T", full["email"])
	}
	tc, ok := full["sms"].(*sms.Tencent)
	if !ok || tc.Templates[notify.Digest] != "123" || tc.Limits()[0].Max != 5 {
		t.Errorf("sms is %#v", full["sms"])
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"ZWGK_SMS_PROVIDER": "aliyun"}, "ZWGK_SMS_ACCESS_KEY_ID"},
		{map[string]string{"ZWGK_SMS_PROVIDER": "huawei"}, "ZWGK_SMS_PROVIDER"},
		{map[string]string{"ZWGK_SMS_PROVIDER": "http", "ZWGK_SMS_ENDPOINT": "https://sms.example.gov.cn", "ZWGK_SMS_HTTP_BODY": "{{.Nope"}, "ZWGK_SMS_HTTP_BODY"},
		{map[string]string{"ZWGK_SMS_PROVIDER": "http", "ZWGK_SMS_ENDPOINT": "https://sms.example.gov.cn", "ZWGK_SMS_TEMPLATES": "x=1"}, "ZWGK_SMS_TEMPLATES"},
		{map[string]string{"ZWGK_SMTP_HOST": "h", "ZWGK_SMTP_TLS_CA": "/nonexistent.pem"}, "ZWGK_SMTP_TLS_CA"},
		{map[string]string{"ZWGK_SMTP_HOST": "h", "ZWGK_SMTP_DAILY_LIMIT": "many"}, "ZWGK_SMTP_DAILY_LIMIT"},
		{map[string]string{"ZWGK_SMTP_HOST": "h", "ZWGK_SMTP_FROM": "政务公开办"}, "ZWGK_SMTP_FROM"},
	} {
		_, err := All(load(t, tc.vars), nil, false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.vars, err, tc.want)
		}
		if errors.Is(err, ErrNotConfigured) {
			t.Errorf("%v: a broken setting passed for an absent one", tc.vars)
		}
	}
	if _, err := Renderer(load(t, map[string]string{"ZWGK_LINK_TTL": "forever"})); err == nil || !strings.Contains(err.Error(), "ZWGK_LINK_TTL") {
		t.Errorf("bad TTL: %v", err)
	}
	if _, err := Renderer(load(t, map[string]string{"ZWGK_SECRET": "short"})); err == nil {
		t.Error("a short secret made a link signer")
	}
}

// ZWGK_ROBOT_ALLOW reaches the robot channels' client, and a wrong entry stops the worker at
// start instead of failing every robot message later.
func TestRobotAllowSetting(t *testing.T) {
	if _, err := All(load(t, map[string]string{"ZWGK_ROBOT_ALLOW": "10.0.0.0/33"}), nil, false); err == nil ||
		!strings.Contains(err.Error(), "ZWGK_ROBOT_ALLOW") {
		t.Errorf("a bad allow entry: %v", err)
	}
	chs, err := All(load(t, map[string]string{"ZWGK_ROBOT_ALLOW": "10.8.0.0/16, robot-relay.gov.local"}), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	ding, ok := chs["dingtalk"].(*robot.DingTalk)
	if !ok || ding.Client == nil || ding.Client.CheckRedirect == nil {
		t.Fatalf("dingtalk channel %#v: want the guarded robot client", chs["dingtalk"])
	}
	if wecom := chs["wecom"].(*robot.WeCom); wecom.Client != ding.Client {
		t.Error("the robot channels use different clients")
	}
}
