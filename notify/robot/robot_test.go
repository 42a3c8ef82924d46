package robot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/notify"
)

// dingtalkServer checks requests as DingTalk documents 加签: the timestamp (ms) within an hour
// of now, and sign = urlencode(base64(HmacSHA256(secret, timestamp+"\n"+secret))).
type dingtalkServer struct {
	secret string
	errc   int
	got    []map[string]any
	bad    []string
}

func (d *dingtalkServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if q.Get("access_token") != "tok123" {
		d.bad = append(d.bad, "access_token")
	}
	if err != nil || time.Since(time.UnixMilli(ts)).Abs() > time.Hour {
		d.bad = append(d.bad, "timestamp "+q.Get("timestamp"))
	}
	mac := hmac.New(sha256.New, []byte(d.secret))
	fmt.Fprintf(mac, "%d\n%s", ts, d.secret)
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); q.Get("sign") != want {
		d.bad = append(d.bad, "sign")
		io.WriteString(w, `{"errcode":310000,"errmsg":"sign not match"}`)
		return
	}
	if r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		d.bad = append(d.bad, "content-type")
	}
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	d.got = append(d.got, body)
	fmt.Fprintf(w, `{"errcode":%d,"errmsg":"x"}`, d.errc)
}

// loopbackServer is a robot endpoint on loopback with TLS, and a client that trusts its
// certificate and may reach it because 127.0.0.1 is allowed, as ZWGK_ROBOT_ALLOW=127.0.0.1 would.
func loopbackServer(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	allow, err := ParseAllow([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	return srv, NewClient(ClientOptions{Allow: allow, RootCAs: roots})
}

func markdownMessage(webhook, secret string) notify.Message {
	return notify.Message{Key: "zwgk00", Kind: notify.Digest, Format: notify.FormatMarkdown, Subject: "【政务公开待办】2项",
		Markdown: "### 【政务公开待办】2项\n\n1. **部门预算公开**（已逾期2个工作日）",
		To:       notify.Address{Recipient: "robot:1", Name: "办公室工作群", Webhook: webhook, Secret: secret}}
}

func TestDingTalkSignsAndPostsMarkdown(t *testing.T) {
	d := &dingtalkServer{secret: "SECabc123"}
	srv, client := loopbackServer(t, d)
	rec, err := (&DingTalk{Client: client}).Send(context.Background(), markdownMessage(srv.URL+"/robot/send?access_token=tok123", "SECabc123"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.bad) > 0 || len(d.got) != 1 {
		t.Fatalf("server complaints %v, %d messages", d.bad, len(d.got))
	}
	md := d.got[0]["markdown"].(map[string]any)
	if d.got[0]["msgtype"] != "markdown" || md["title"] != "【政务公开待办】2项" || !strings.Contains(md["text"].(string), "部门预算公开") {
		t.Errorf("body %v", d.got[0])
	}
	if !strings.Contains(rec.Answer, `"errcode":0`) {
		t.Errorf("answer %q", rec.Answer)
	}
	// a wrong secret is what DingTalk answers 310000 to: permanent
	_, err = (&DingTalk{Client: client}).Send(context.Background(), markdownMessage(srv.URL+"/robot/send?access_token=tok123", "SECwrong"))
	var e *notify.Error
	if !errors.As(err, &e) || e.Class != notify.Permanent || e.Code != "310000" {
		t.Fatalf("wrong secret: %v", err)
	}
}

func TestDingTalkSignKnownValue(t *testing.T) {
	// DingTalk publishes no test vector; this one was computed outside Go with
	// printf '1577808000000\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary | base64
	if got := DingTalkSign("SECtest", 1577808000000); got != "XHi7WpB+bLwQq5Rz0PrkJ6p9pXsd593WTWgii6qJ3uw=" {
		t.Fatalf("sign %s", got)
	}
}

func TestDingTalkThrottleIsRateLimited(t *testing.T) {
	d := &dingtalkServer{secret: "s", errc: 130101}
	srv, client := loopbackServer(t, d)
	_, err := (&DingTalk{Client: client}).Send(context.Background(), markdownMessage(srv.URL+"/robot/send?access_token=tok123", "s"))
	if notify.Classify(err) != notify.RateLimited || notify.RetryAfter(err) != 10*time.Minute {
		t.Fatalf("error %v", err)
	}
}

func TestWeCom(t *testing.T) {
	var got []map[string]any
	errc := 0
	srv, client := loopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		if r.URL.Query().Get("key") != "k-1" {
			errc = 93000
		}
		got = append(got, body)
		fmt.Fprintf(w, `{"errcode":%d,"errmsg":"x"}`, errc)
	}))
	w := &WeCom{Client: client}
	if _, err := w.Send(context.Background(), markdownMessage(srv.URL+"/cgi-bin/webhook/send?key=k-1", "")); err != nil {
		t.Fatal(err)
	}
	md := got[0]["markdown"].(map[string]any)
	if got[0]["msgtype"] != "markdown" || !strings.Contains(md["content"].(string), "部门预算公开") {
		t.Errorf("body %v", got[0])
	}
	errc = 45009
	if _, err := w.Send(context.Background(), markdownMessage(srv.URL+"/cgi-bin/webhook/send?key=k-1", "")); notify.Classify(err) != notify.RateLimited {
		t.Errorf("45009: %v", err)
	}
	errc = 0
	if _, err := w.Send(context.Background(), markdownMessage(srv.URL+"/cgi-bin/webhook/send?key=wrong", "")); notify.Classify(err) != notify.Permanent {
		t.Errorf("93000: %v", err)
	}
}

func TestNetworkErrorsDoNotLeakTheToken(t *testing.T) {
	srv, client := loopbackServer(t, http.NotFoundHandler())
	url := srv.URL + "/cgi-bin/webhook/send?key=very-secret-key"
	srv.Close()
	_, err := (&WeCom{Client: client}).Send(context.Background(), markdownMessage(url, ""))
	if err == nil || strings.Contains(err.Error(), "very-secret-key") || notify.Classify(err) != notify.Transient {
		t.Fatalf("error %v", err)
	}
}
