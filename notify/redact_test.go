package notify_test

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zwgk/zwgk/notify"
	"github.com/zwgk/zwgk/notify/robot"
	"github.com/zwgk/zwgk/notify/sms"
	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// robotEndpoint is a robot webhook server on loopback with TLS, and the robot client that may
// reach it, as with ZWGK_ROBOT_ALLOW=127.0.0.1.
func robotEndpoint(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	allow, err := robot.ParseAllow([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return srv, robot.NewClient(robot.ClientOptions{Allow: allow, RootCAs: roots})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Failures print URLs (a *url.Error does) and providers echo requests; neither may put a
// webhook token, a sign secret, an SMS gateway token or a signed /l/ link into the log, the
// delivery log or the errors the dispatcher hands to Temporal.
func TestTokensStayOutOfLogs(t *testing.T) {
	st := testenv.Store(t)
	_, offices := seedDirectory(t, st)
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// WeCom behind a proxy that refuses the post and echoes the request back, links and all
	var echoed lockedBuffer
	echo, client := robotEndpoint(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(&echoed, "%s %s", r.URL, body)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "bad request %s %s", r.URL.RequestURI(), body)
	}))
	down := testenv.FreePort(t)
	robots := map[string]store.Robot{
		"dingtalk": {OfficeID: offices["办公室"], Kind: "dingtalk", Name: "办公室群",
			Webhook: fmt.Sprintf("https://127.0.0.1:%d/robot/send?access_token=DTTOKEN0123456789", down), Secret: "SECsignsecret42"},
		"wecom": {OfficeID: offices["预算股"], Kind: "wecom", Name: "预算股群", Webhook: echo.URL + "/cgi-bin/webhook/send?key=WCKEY0123456789"},
	}
	var tos []store.Recipient
	for _, r := range robots {
		id, err := st.AddRobot(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		to, err := st.Recipient(ctx, store.RobotKey(id))
		if err != nil {
			t.Fatal(err)
		}
		tos = append(tos, to)
	}
	tos = append(tos, addPerson(t, st, store.Person{Name: "张三", Mobile: "13800138000", Channels: []string{"sms"}}))
	body, err := sms.ParseGatewayBody("")
	if err != nil {
		t.Fatal(err)
	}
	gateway := &sms.Gateway{URL: fmt.Sprintf("http://127.0.0.1:%d/send?token=GWTOKEN0123456789", down), Body: body,
		Token: "GWBEARER0123456789", Templates: sms.Templates{notify.Reminder: "SMS_1"}}

	d := newDeliverer(t, st, map[string]notify.Channel{
		"dingtalk": &robot.DingTalk{Client: client}, "wecom": &robot.WeCom{Client: client}, "sms": gateway})
	d.Logger = logger
	d.MaxTransient = 1
	n := reminder("redact/1", 42)
	var errs []string
	for _, to := range tos {
		if _, err := d.Deliver(ctx, n, to); err == nil {
			t.Fatalf("delivery to %s succeeded; the test needs every channel to fail", to.Key)
		} else {
			errs = append(errs, err.Error())
		}
	}

	// the tokens of the links the robots were sent, as the echoing proxy saw them
	tokens := regexp.MustCompile(`/l/([A-Za-z0-9_-]{20,})`).FindAllStringSubmatch(echoed.String(), -1)
	if len(tokens) == 0 {
		t.Fatalf("the WeCom message carried no signed link: %s", echoed.String())
	}
	secrets := []string{"DTTOKEN0123456789", "SECsignsecret42", "WCKEY0123456789", "GWTOKEN0123456789", "GWBEARER0123456789"}
	for _, m := range tokens {
		secrets = append(secrets, m[1])
	}
	var stored []string
	rows, err := st.Pool.Query(ctx, `SELECT coalesce(error, '') FROM delivery_attempts UNION ALL SELECT coalesce(error, '') FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		stored = append(stored, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"log": logs.String(), "delivery log": strings.Join(stored, "\n"), "errors": strings.Join(errs, "\n")} {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("the %s holds %s:\n%s", what, s, text)
			}
		}
	}
	// what was logged still says what went wrong, and where
	for _, want := range []string{"send failed", "failed for good", "/robot/send?…", "key=***", "token=***", "/l/***", "connection refused"} {
		if !strings.Contains(logs.String()+strings.Join(stored, "\n"), want) {
			t.Errorf("logs and delivery log lack %q:\n%s", want, logs.String())
		}
	}
	t.Logf("log as written:\n%s", logs.String())
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		`Post "https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1&sign=xyz%3D": dial tcp: timeout`: `Post "https://oapi.dingtalk.com/robot/send?access_token=***&timestamp=1&sign=***": dial tcp: timeout`,
		`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx`:                                         `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***`,
		`https://open.feishu.cn/open-apis/bot/v2/hook/8f2e-44aa?x=1`:                                                 `https://open.feishu.cn/open-apis/bot/v2/hook/***?x=1`,
		`查看：https://gk.example.gov.cn/l/AbC-_d12345 办结`:                                                              `查看：https://gk.example.gov.cn/l/*** 办结`,
		`Authorization: Bearer eyJhbGciOi.abc-def`:                                                                   `Authorization: Bearer ***`,
		`GET /send?AccessKeyId=LTAI5t&Signature=k%2Fz&PhoneNumbers=138`:                                              `GET /send?AccessKeyId=***&Signature=***&PhoneNumbers=138`,
		`HTTP 500: 服务器错误`:                                                                                            `HTTP 500: 服务器错误`,
	} {
		if got := notify.Redact(in); got != want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", in, got, want)
		}
	}
	e := &notify.Error{Class: notify.Transient, Channel: "wecom", Err: fmt.Errorf("post https://x/send?key=SECRETKEY: refused")}
	if strings.Contains(e.Error(), "SECRETKEY") || !strings.Contains(e.Error(), "key=***") {
		t.Errorf("notify.Error prints %q", e.Error())
	}
}
