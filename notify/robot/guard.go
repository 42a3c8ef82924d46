package robot

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// A webhook URL is typed in by an office admin, so it is untrusted input that makes the worker
// send HTTP requests from inside the government network: left unchecked it could reach the
// metadata service, an intranet admin page or the database host. Robots therefore only talk
// https to public addresses; an intranet robot relay is allowed by listing it in
// ZWGK_ROBOT_ALLOW.

// Allow lists destinations a robot may reach although they are private, loopback or
// link-local: CIDR prefixes, single addresses and host names (ZWGK_ROBOT_ALLOW).
type Allow struct {
	prefixes []netip.Prefix
	hosts    map[string]bool
}

// ParseAllow reads the entries of ZWGK_ROBOT_ALLOW: 10.1.0.0/16, 10.2.3.4, robot.gov.local.
func ParseAllow(entries []string) (*Allow, error) {
	a := &Allow{hosts: map[string]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, fmt.Errorf("robot allow %q: %w", e, err)
			}
			a.prefixes = append(a.prefixes, p.Masked())
		default:
			if ip, err := netip.ParseAddr(e); err == nil {
				a.prefixes = append(a.prefixes, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(e, ":?#@ ") {
				return nil, fmt.Errorf("robot allow %q: not an address, a CIDR prefix or a host name", e)
			}
			a.hosts[strings.ToLower(strings.TrimSuffix(e, "."))] = true
		}
	}
	return a, nil
}

func (a *Allow) host(h string) bool {
	return a != nil && a.hosts[strings.ToLower(strings.TrimSuffix(h, "."))]
}

func (a *Allow) addr(ip netip.Addr) bool {
	if a == nil {
		return false
	}
	for _, p := range a.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// special are ranges that are not the public internet beyond what netip classifies.
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT, often an operator's internal network
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2001::/32"),       // Teredo: tunnels to an address the check cannot see
	netip.MustParsePrefix("2002::/16"),       // 6to4: same
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// refused says why a robot may not connect to ip, or "" when it may.
func refused(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		// a NAT64 address reaches the IPv4 address in its last 32 bits
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case ip.IsLoopback():
		return "本机回环地址"
	case ip.IsPrivate():
		return "内网地址"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "链路本地地址"
	case ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "保留地址"
	}
	for _, p := range special {
		if p.Contains(ip) {
			return "保留地址"
		}
	}
	return ""
}

// RefusedError is a destination the robot client would not connect to.
type RefusedError struct {
	Addr netip.Addr
	Why  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("机器人地址解析到%s %s，已拒绝连接（如确需使用内网机器人，请把它加入 ZWGK_ROBOT_ALLOW）", e.Why, e.Addr)
}

// control runs on every connection attempt, after name resolution: checking here rather than
// when the URL is entered or resolved beforehand closes DNS rebinding (a name that answers
// a public address to the check and 127.0.0.1 to the connection).
func control(allow *Allow) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("robot dial %s: %w", address, err)
		}
		ip := ap.Addr().Unmap()
		if allow.addr(ip) {
			return nil
		}
		if why := refused(ip); why != "" {
			return &RefusedError{Addr: ip, Why: why}
		}
		return nil
	}
}

// ClientOptions shape NewClient.
type ClientOptions struct {
	Allow   *Allow
	RootCAs *x509.CertPool // nil: the system's; tests trust their own server
	Timeout time.Duration  // one whole request; 30 s when zero
}

// NewClient is the HTTP client robots must post with: it connects only to public addresses
// (or allowed ones), never through a proxy (the proxy would connect to the real destination
// where the check cannot see it), and never follows a redirect, since a redirect would move
// the request, token included, wherever the answering server likes.
func NewClient(o ClientOptions) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.TLSClientConfig = &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12}
	checked := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: control(o.Allow)}
	open := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if h, _, err := net.SplitHostPort(addr); err == nil && o.Allow.host(h) {
			return open.DialContext(ctx, network, addr)
		}
		return checked.DialContext(ctx, network, addr)
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	return &http.Client{
		Transport:     t,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// defaultClient serves channels built without a client: no destination allowed beyond the
// public internet.
var defaultClient = NewClient(ClientOptions{})

// CheckWebhook says whether a webhook URL can be used at all, for the forms and the CLI that
// register robots: https only, a host, no user or password. Where it leads is checked again on
// every connection.
func CheckWebhook(raw string, allow *Allow) error {
	u, err := webhookURL(raw)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !allow.addr(ip.Unmap()) {
		if why := refused(ip); why != "" {
			return &RefusedError{Addr: ip.Unmap(), Why: why}
		}
	}
	return nil
}
