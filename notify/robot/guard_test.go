package robot

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/zwgk/zwgk/notify"
)

// countingServer answers every post as DingTalk and WeCom do when they accept it, and counts
// the requests that reached it.
func countingServer(hits *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	})
}

// Without ZWGK_ROBOT_ALLOW, a webhook on loopback, a private network or link-local (the cloud
// metadata service) is refused before a byte is sent, whether the URL names the address or a
// host that resolves to it, and http:// is refused outright.
func TestRobotsRefuseHTTPAndInternalDestinations(t *testing.T) {
	var hits atomic.Int32
	tlsSrv := httptest.NewTLSServer(countingServer(&hits))
	defer tlsSrv.Close()
	plainSrv := httptest.NewServer(countingServer(&hits))
	defer plainSrv.Close()
	port := tlsSrv.URL[strings.LastIndexByte(tlsSrv.URL, ':')+1:]
	roots := x509.NewCertPool()
	roots.AddCert(tlsSrv.Certificate())
	// trusts the server's certificate but allows nothing: only the address check stands between
	clients := map[string]*http.Client{"default": nil, "NewClient": NewClient(ClientOptions{RootCAs: roots})}

	cases := []struct {
		url  string
		code string // notify.Error.Code
		why  string // RefusedError.Why, for refusals at the connection
	}{
		{plainSrv.URL + "/robot/send?access_token=t", "webhook", ""},
		{"http://oapi.dingtalk.com/robot/send?access_token=t", "webhook", ""},
		{"ftp://oapi.dingtalk.com/robot/send", "webhook", ""},
		{"https://user:pass@oapi.dingtalk.com/robot/send", "webhook", ""},
		{"oapi.dingtalk.com/robot/send", "webhook", ""},
		{tlsSrv.URL + "/robot/send?access_token=t", "address", "本机回环地址"},
		{"https://localhost:" + port + "/robot/send?access_token=t", "address", "本机回环地址"},
		{"https://[::ffff:127.0.0.1]:" + port + "/robot/send", "address", "本机回环地址"},
		{"https://10.20.30.40/robot/send", "address", "内网地址"},
		{"https://172.16.0.1/robot/send", "address", "内网地址"},
		{"https://192.168.1.1/cgi-bin/webhook/send?key=k", "address", "内网地址"},
		{"https://169.254.169.254/latest/meta-data/", "address", "链路本地地址"},
		{"https://[fe80::1]/robot/send", "address", "链路本地地址"},
		{"https://0.0.0.0:" + port + "/robot/send", "address", "保留地址"},
		{"https://100.100.100.200/latest/meta-data/", "address", "保留地址"}, // Aliyun's metadata service (CGNAT range)
	}
	for name, client := range clients {
		for _, c := range cases {
			for _, ch := range []notify.Channel{&DingTalk{Client: client}, &WeCom{Client: client}} {
				_, err := ch.Send(context.Background(), markdownMessage(c.url, "SEC1"))
				var ne *notify.Error
				if !errors.As(err, &ne) || ne.Class != notify.Permanent || ne.Code != c.code {
					t.Errorf("%s %s %s: %v, want a permanent %s error", name, ch.Name(), c.url, err, c.code)
					continue
				}
				var re *RefusedError
				if c.why != "" && (!errors.As(err, &re) || re.Why != c.why) {
					t.Errorf("%s %s %s: %v, want refused as %s", name, ch.Name(), c.url, err, c.why)
				}
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached a refused destination", n)
	}
}

// With the address allowed (ZWGK_ROBOT_ALLOW=127.0.0.1), the same loopback robot works; a
// host name in the list lets that host through whatever it resolves to.
func TestAllowListOpensOnlyWhatItNames(t *testing.T) {
	var hits atomic.Int32
	srv, client := loopbackServer(t, countingServer(&hits))
	if _, err := (&WeCom{Client: client}).Send(context.Background(), markdownMessage(srv.URL+"/send?key=k", "")); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 1 {
		t.Fatalf("%d requests, want 1", hits.Load())
	}

	allow, err := ParseAllow([]string{" 10.8.0.0/16", "192.168.7.7", "Robot-Relay.gov.local.", "localhost", ""})
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]bool{"10.8.3.4": true, "10.9.0.1": false, "192.168.7.7": true, "192.168.7.8": false, "::ffff:10.8.0.1": true} {
		if got := allow.addr(netip.MustParseAddr(ip).Unmap()); got != want {
			t.Errorf("allow %s = %v, want %v", ip, got, want)
		}
	}
	if !allow.host("robot-relay.gov.local") || allow.host("relay.gov.local") {
		t.Errorf("host names: %v", allow.hosts)
	}
	// localhost allowed by name: the connection is made (the test certificate does not name
	// localhost, so TLS is what fails, not the address check)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	_, err = (&WeCom{Client: NewClient(ClientOptions{Allow: allow, RootCAs: roots})}).Send(context.Background(),
		markdownMessage("https://localhost:"+port+"/send?key=k", ""))
	var re *RefusedError
	var he x509.HostnameError
	if errors.As(err, &re) || !errors.As(err, &he) {
		t.Errorf("allowed host name: %v, want a certificate name mismatch after connecting", err)
	}
	for _, bad := range []string{"http://10.0.0.1", "10.0.0.0/33", "a b", "user@host"} {
		if _, err := ParseAllow([]string{bad}); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
}

func TestRefusedAddresses(t *testing.T) {
	for ip, want := range map[string]string{
		"127.0.0.1": "本机回环地址", "127.8.9.10": "本机回环地址", "::1": "本机回环地址",
		"10.0.0.1": "内网地址", "172.31.255.255": "内网地址", "192.168.0.10": "内网地址", "fd12:3456::1": "内网地址",
		"169.254.0.1": "链路本地地址", "fe80::abcd": "链路本地地址",
		"0.0.0.0": "保留地址", "::": "保留地址", "239.1.1.1": "保留地址", "224.0.0.1": "链路本地地址", "255.255.255.255": "保留地址",
		"100.64.0.1": "保留地址", "2002:a00:1::1": "保留地址",
		"64:ff9b::a00:1":   "内网地址", // NAT64 of 10.0.0.1
		"::ffff:127.0.0.1": "本机回环地址",
		// public: DingTalk, WeCom, Feishu, a NAT64 of a public address
		"59.82.5.1": "", "183.47.98.1": "", "8.8.8.8": "", "2408:4001::1": "", "64:ff9b::808:808": "",
	} {
		if got := refused(netip.MustParseAddr(ip)); got != want {
			t.Errorf("refused(%s) = %q, want %q", ip, got, want)
		}
	}
}

// A redirect would carry the request, token included, wherever the answering server likes: it
// is not followed and counts as a failure.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/robot/send", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	})
	srv, client := loopbackServer(t, mux)
	for _, ch := range []notify.Channel{&DingTalk{Client: client}, &WeCom{Client: client}} {
		_, err := ch.Send(context.Background(), markdownMessage(srv.URL+"/robot/send?access_token=tok", "s"))
		var ne *notify.Error
		if !errors.As(err, &ne) || ne.Class != notify.Permanent || ne.Code != "307" || strings.Contains(err.Error(), "tok") {
			t.Errorf("%s: %v, want a permanent 307 error without the token", ch.Name(), err)
		}
	}
	if followed.Load() != 0 {
		t.Errorf("the redirect was followed %d times", followed.Load())
	}
}

func TestCheckWebhook(t *testing.T) {
	allow, _ := ParseAllow([]string{"10.1.0.0/16"})
	for raw, want := range map[string]string{
		"https://oapi.dingtalk.com/robot/send?access_token=x":    "",
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x": "",
		"https://open.feishu.cn/open-apis/bot/v2/hook/abc":       "",
		"https://10.1.2.3/robot/send":                            "",
		"http://oapi.dingtalk.com/robot/send?access_token=x":     "必须以 https:// 开头",
		"https://a:b@oapi.dingtalk.com/robot/send":               "不能包含用户名或密码",
		"not a url":                   "不是有效的网址",
		"https://10.2.0.1/robot/send": "内网地址",
		"https://[::1]/robot/send":    "本机回环地址",
		"https://169.254.169.254/latest/meta-data/iam/credentials": "链路本地地址",
	} {
		err := CheckWebhook(raw, allow)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("CheckWebhook(%q) = %v, want %q", raw, err, want)
		}
	}
}
