package main

import (
	"bytes"
	"context"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zwgk/zwgk/notify/providertest"
	"github.com/zwgk/zwgk/notify/smtptest"
)

func runWith(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errb.String()
}

func smtpVars(t *testing.T, s *smtptest.Server, password string) map[string]string {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, s.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"ZWGK_SMTP_HOST": s.Host, "ZWGK_SMTP_PORT": strconv.Itoa(s.Port), "ZWGK_SMTP_TLS": "starttls",
		"ZWGK_SMTP_USER": "gk", "ZWGK_SMTP_PASSWORD": password, "ZWGK_SMTP_TLS_CA": ca,
		"ZWGK_SMTP_FROM": "政务公开办 <gk@example.gov.cn>", "ZWGK_SECRET": "cli-test-secret-0123456789",
	}
}

func TestNotifyTestEmail(t *testing.T) {
	s := smtptest.Start(t, smtptest.Options{TLS: "starttls", User: "gk", Password: "pw"})
	code, out, errOut := runWith(t, smtpVars(t, s, "pw"), "notify", "test", "--channel", "email", "--to", "x@example.com")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"connected: TLS 1.3, AUTH as gk", "server answered: 250 ", "queued"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "x@example.com" {
		t.Fatalf("server got %+v", msgs)
	}
	m, _ := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != "【测试】政务公开提醒系统通知测试" {
		t.Errorf("subject %q", subject)
	}

	code, _, errOut = runWith(t, smtpVars(t, s, "wrong"), "notify", "test", "--channel", "email", "--to", "x@example.com")
	if code != 1 || !strings.Contains(errOut, "535") || !strings.Contains(errOut, "authentication failed") {
		t.Errorf("wrong password: exit %d, %s", code, errOut)
	}
	code, _, errOut = runWith(t, map[string]string{}, "notify", "test", "--channel", "email", "--to", "x@example.com")
	if code != 1 || !strings.Contains(errOut, "ZWGK_SMTP_HOST") {
		t.Errorf("no SMTP: exit %d, %s", code, errOut)
	}
}

func TestNotifyTestSMS(t *testing.T) {
	f := providertest.NewAliyun(t, "LTAIcli", "cli-secret")
	vars := map[string]string{"ZWGK_SMS_PROVIDER": "aliyun", "ZWGK_SMS_ENDPOINT": f.URL(), "ZWGK_SMS_ACCESS_KEY_ID": "LTAIcli",
		"ZWGK_SMS_ACCESS_KEY_SECRET": "cli-secret", "ZWGK_SMS_SIGN_NAME": "某某县政务公开办", "ZWGK_SMS_TEMPLATES": "reminder=SMS_77"}
	code, out, errOut := runWith(t, vars, "notify", "test", "--channel", "sms", "--to", "13800138000")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	sent := f.Sent()
	if len(sent) != 1 || sent[0].Template != "SMS_77" || sent[0].Params["title"] != "通知通道测试" ||
		!strings.Contains(out, "sample reminder") || !strings.Contains(out, `"Code":"OK"`) {
		t.Errorf("sent %+v\n%s", sent, out)
	}
}
