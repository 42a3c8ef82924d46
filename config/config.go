// Package config reads zwgk's settings from the environment and an optional file.
//
// Every setting is a ZWGK_ variable. A config file (ZWGK_CONFIG, or --config) holds the same
// names as KEY=VALUE lines; the environment wins over the file so that a container can override
// one value without rewriting the file. Any secret may instead be read from a file named by the
// same variable with a _FILE suffix (ZWGK_SMTP_PASSWORD_FILE), as Docker and Kubernetes secrets are
// mounted.
package config

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Setting documents one variable; the list drives `zwgk help` and docs/configuration.md (a test
// checks that every setting is documented there).
type Setting struct {
	Name    string
	Default string
	Secret  bool
	Help    string
}

// Settings is every variable zwgk reads, in the order `zwgk help` prints them.
var Settings = []Setting{
	{Name: "ZWGK_CONFIG", Help: "optional file of KEY=VALUE lines with any of these settings; the environment wins"},
	{Name: "ZWGK_DATABASE_URL", Help: "PostgreSQL URL; `zwgk dev` picks or starts a server when unset"},
	{Name: "ZWGK_DATA_DIR", Default: "./zwgk-data", Help: "state of `zwgk dev`: the embedded Temporal database, a private PostgreSQL cluster when needed, the generated secret"},
	{Name: "ZWGK_HTTP_ADDR", Default: "127.0.0.1:8080", Help: "address of the web UI and JSON API"},
	{Name: "ZWGK_WORKER_METRICS_ADDR", Help: "address where `zwgk worker` serves Prometheus /metrics, e.g. 0.0.0.0:9090; empty: none (`zwgk serve` answers /metrics on ZWGK_HTTP_ADDR)"},
	{Name: "ZWGK_WORKER_CACHE", Default: "1000", Help: "workflows a worker keeps in memory between their tasks (the SDK's sticky cache; about 80 KB each for an item workflow); an evicted one replays its history on its next task. 1000 keeps a worker near 300 MB however many items it runs; 0 is the SDK's default (10,000)"},
	{Name: "ZWGK_BASE_URL", Help: "public URL of the web UI, used in links inside messages (default http://ZWGK_HTTP_ADDR)"},
	{Name: "ZWGK_SECRET", Secret: true, Help: "key for signed links and session cookies, at least 32 random bytes (openssl rand -hex 32); `zwgk dev` generates one in the data directory"},
	{Name: "ZWGK_TRUSTED_PROXIES", Help: "comma-separated CIDRs of the reverse proxies in front of the web UI (10.0.0.0/8,192.168.1.10); X-Forwarded-For is believed only from these, and the right-most address not among them is the client's"},
	{Name: "ZWGK_TEMPORAL_ADDRESS", Default: "127.0.0.1:7233", Help: "Temporal frontend host:port (Temporal Cloud: <namespace>.<account>.tmprl.cloud:7233)"},
	{Name: "ZWGK_TEMPORAL_NAMESPACE", Default: "default", Help: "Temporal namespace"},
	{Name: "ZWGK_TEMPORAL_TASK_QUEUE", Default: "zwgk", Help: "task queue of the zwgk worker"},
	{Name: "ZWGK_TEMPORAL_TLS_CERT", Help: "client certificate file (PEM) for mTLS to Temporal"},
	{Name: "ZWGK_TEMPORAL_TLS_KEY", Secret: true, Help: "client key file (PEM) for mTLS to Temporal"},
	{Name: "ZWGK_TEMPORAL_TLS_CA", Help: "CA bundle (PEM) that signs the Temporal server certificate, if not a public CA"},
	{Name: "ZWGK_TEMPORAL_TLS_SERVER_NAME", Help: "server name to verify in the Temporal server certificate"},
	{Name: "ZWGK_TEMPORAL_API_KEY", Secret: true, Help: "Temporal Cloud API key (implies TLS)"},
	{Name: "ZWGK_TEMPORAL_PORT", Default: "7233", Help: "`zwgk dev`: port of the embedded Temporal frontend (0 picks a free one)"},
	{Name: "ZWGK_SMTP_HOST", Help: "SMTP server; without it messages go to the dev outbox"},
	{Name: "ZWGK_SMTP_PORT", Default: "587", Help: "SMTP port (465 implies implicit TLS)"},
	{Name: "ZWGK_SMTP_USER", Help: "SMTP AUTH user"},
	{Name: "ZWGK_SMTP_PASSWORD", Secret: true, Help: "SMTP AUTH password"},
	{Name: "ZWGK_SMTP_FROM", Default: "zwgk@localhost", Help: "sender address, e.g. 政务公开办 <gk@example.gov.cn>"},
	{Name: "ZWGK_SMTP_TLS", Default: "starttls", Help: "starttls, implicit (SMTPS, port 465) or none"},
	{Name: "ZWGK_SMTP_TIMEOUT", Default: "30s", Help: "deadline for one SMTP conversation"},
	{Name: "ZWGK_SMTP_TLS_CA", Help: "CA bundle (PEM) that signs the SMTP server certificate, for an intranet mail server with a private CA"},
	{Name: "ZWGK_SMTP_DAILY_LIMIT", Default: "0", Help: "messages a day through the SMTP account (mail providers cap senders); 0 means no limit"},
	{Name: "ZWGK_SMS_PROVIDER", Help: "aliyun, tencent or http; empty disables SMS"},
	{Name: "ZWGK_SMS_ENDPOINT", Help: "provider API URL (defaults to the provider's public endpoint)"},
	{Name: "ZWGK_SMS_ACCESS_KEY_ID", Help: "Aliyun AccessKey ID / Tencent SecretId"},
	{Name: "ZWGK_SMS_ACCESS_KEY_SECRET", Secret: true, Help: "Aliyun AccessKey secret / Tencent SecretKey"},
	{Name: "ZWGK_SMS_SIGN_NAME", Help: "SMS signature name (签名)"},
	{Name: "ZWGK_SMS_APP_ID", Help: "Tencent SmsSdkAppId"},
	{Name: "ZWGK_SMS_REGION", Default: "ap-guangzhou", Help: "Tencent region"},
	{Name: "ZWGK_SMS_TEMPLATES", Help: "template codes per message kind: reminder=SMS_1,overdue=SMS_2,escalation=SMS_3,digest=SMS_4"},
	{Name: "ZWGK_SMS_HTTP_METHOD", Default: "POST", Help: "generic HTTP SMS gateway: method"},
	{Name: "ZWGK_SMS_HTTP_BODY", Help: "generic HTTP SMS gateway: body template (text/template over .Mobile .Text .Key)"},
	{Name: "ZWGK_SMS_HTTP_TOKEN", Secret: true, Help: "generic HTTP SMS gateway: bearer token"},
	{Name: "ZWGK_SMS_HTTP_SUCCESS", Help: "generic HTTP SMS gateway: regular expression a 2xx answer must match to count as accepted"},
	{Name: "ZWGK_SMS_DAILY_LIMIT", Help: "SMS a day per number (default: the provider's, aliyun 50 per template, tencent 10; http unlimited)"},
	{Name: "ZWGK_ROBOT_ALLOW", Help: "private, loopback or link-local destinations robot webhooks may reach, comma-separated CIDRs, addresses or host names (an intranet robot relay); robots reach only public https addresses otherwise"},
	{Name: "ZWGK_SCAN_COMMAND", Help: "virus scan of uploaded evidence files, run by sh with the file on stdin (clamdscan --no-summary -); a non-zero exit refuses the file; empty: no scan"},
	{Name: "ZWGK_LINK_TTL", Default: "720h", Help: "lifetime of the signed view/complete links in messages"},
	{Name: "ZWGK_NOTIFY_ALERT_EVERY", Default: "1h", Help: "least time between two alerts to admins about failed deliveries"},
	{Name: "ZWGK_LOG_LEVEL", Default: "info", Help: "debug, info, warn or error"},
}

// Config is the resolved settings. Durations and numbers are parsed; the raw map keeps
// settings that only one subsystem reads (SMS) without growing this struct for each.
type Config struct {
	DatabaseURL string
	DataDir     string
	HTTPAddr    string
	BaseURL     string
	Secret      string
	// TrustedProxies are the peers whose X-Forwarded-For is believed (ZWGK_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix

	Temporal Temporal
	SMTP     SMTP

	LogLevel string

	// RobotAllow is ZWGK_ROBOT_ALLOW split at commas.
	RobotAllow []string

	raw map[string]string
}

// Temporal is how the worker and the web server reach Temporal.
type Temporal struct {
	Address       string
	Namespace     string
	TaskQueue     string
	TLSCert       string
	TLSKey        string
	TLSCA         string
	TLSServerName string
	APIKey        string
	DevPort       int
}

// SMTP is the email channel's server.
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
	TLS      string
	Timeout  time.Duration
}

// Get returns a setting by its full name with the default applied.
func (c *Config) Get(name string) string { return c.raw[name] }

// Load resolves settings from getenv (os.Getenv in production) and the optional file named by
// ZWGK_CONFIG or configFile.
func Load(getenv func(string) string, configFile string) (*Config, error) {
	if configFile == "" {
		configFile = getenv("ZWGK_CONFIG")
	}
	file := map[string]string{}
	if configFile != "" {
		var err error
		if file, err = readFile(configFile); err != nil {
			return nil, err
		}
	}
	raw := make(map[string]string, len(Settings))
	for _, s := range Settings {
		v, err := lookup(s.Name, getenv, file)
		if err != nil {
			return nil, err
		}
		if v == "" {
			v = s.Default
		}
		raw[s.Name] = v
	}
	for k := range file {
		if _, ok := raw[strings.TrimSuffix(k, "_FILE")]; !ok {
			return nil, fmt.Errorf("config %s: unknown setting %s", configFile, k)
		}
	}

	c := &Config{
		DatabaseURL: raw["ZWGK_DATABASE_URL"],
		DataDir:     raw["ZWGK_DATA_DIR"],
		HTTPAddr:    raw["ZWGK_HTTP_ADDR"],
		BaseURL:     strings.TrimRight(raw["ZWGK_BASE_URL"], "/"),
		Secret:      raw["ZWGK_SECRET"],
		LogLevel:    raw["ZWGK_LOG_LEVEL"],
		Temporal: Temporal{
			Address:       raw["ZWGK_TEMPORAL_ADDRESS"],
			Namespace:     raw["ZWGK_TEMPORAL_NAMESPACE"],
			TaskQueue:     raw["ZWGK_TEMPORAL_TASK_QUEUE"],
			TLSCert:       raw["ZWGK_TEMPORAL_TLS_CERT"],
			TLSKey:        raw["ZWGK_TEMPORAL_TLS_KEY"],
			TLSCA:         raw["ZWGK_TEMPORAL_TLS_CA"],
			TLSServerName: raw["ZWGK_TEMPORAL_TLS_SERVER_NAME"],
			APIKey:        raw["ZWGK_TEMPORAL_API_KEY"],
		},
		SMTP: SMTP{
			Host:     raw["ZWGK_SMTP_HOST"],
			User:     raw["ZWGK_SMTP_USER"],
			Password: raw["ZWGK_SMTP_PASSWORD"],
			From:     raw["ZWGK_SMTP_FROM"],
			TLS:      strings.ToLower(raw["ZWGK_SMTP_TLS"]),
		},
		raw: raw,
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.HTTPAddr
	}
	for _, e := range strings.Split(raw["ZWGK_ROBOT_ALLOW"], ",") {
		if e = strings.TrimSpace(e); e != "" {
			c.RobotAllow = append(c.RobotAllow, e)
		}
	}
	var err error
	if c.TrustedProxies, err = ParseCIDRs(raw["ZWGK_TRUSTED_PROXIES"]); err != nil {
		return nil, fmt.Errorf("config ZWGK_TRUSTED_PROXIES: %w", err)
	}
	if c.Temporal.DevPort, err = intSetting(raw, "ZWGK_TEMPORAL_PORT"); err != nil {
		return nil, err
	}
	if c.SMTP.Port, err = intSetting(raw, "ZWGK_SMTP_PORT"); err != nil {
		return nil, err
	}
	if c.SMTP.Timeout, err = time.ParseDuration(raw["ZWGK_SMTP_TIMEOUT"]); err != nil {
		return nil, fmt.Errorf("config ZWGK_SMTP_TIMEOUT: %w", err)
	}
	switch c.SMTP.TLS {
	case "starttls", "implicit", "none":
	default:
		return nil, fmt.Errorf("config ZWGK_SMTP_TLS: %q is not starttls, implicit or none", c.SMTP.TLS)
	}
	if (c.Temporal.TLSCert == "") != (c.Temporal.TLSKey == "") {
		return nil, fmt.Errorf("config ZWGK_TEMPORAL_TLS_CERT and ZWGK_TEMPORAL_TLS_KEY: set both or neither")
	}
	return c, nil
}

// ParseCIDRs reads a comma-separated list of CIDRs; a bare address means that one address.
func ParseCIDRs(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an address", f)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8: %w", f, err)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// MinSecretBytes is the least length of ZWGK_SECRET: 32 bytes is what HMAC-SHA-256 keys need to
// be as strong as the hash, and what openssl rand -hex 32 gives twice over.
const MinSecretBytes = 32

// placeholders are the values people leave in when they copy an example: the docs',
// docker-compose's and deploy/k8s/secret.yaml's, compared without case and punctuation.
var placeholders = []string{"changeme", "changethis", "replaceme", "yoursecret", "mysecret", "placeholder", "opensslrand"}

// CheckSecret refuses a ZWGK_SECRET that is short or a placeholder: it signs sessions' CSRF
// tokens, the feeds' URLs and every link in a reminder, so a guessable one lets anyone forge
// them. The error says what to do.
func CheckSecret(secret string) error {
	const how = "generate one with: openssl rand -hex 32"
	if len(secret) < MinSecretBytes {
		return fmt.Errorf("ZWGK_SECRET is %d bytes; it needs at least %d random bytes (%s)", len(secret), MinSecretBytes, how)
	}
	var folded strings.Builder
	for _, r := range strings.ToLower(secret) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			folded.WriteRune(r)
		}
	}
	f := folded.String()
	for _, p := range placeholders {
		if strings.Contains(f, p) {
			return fmt.Errorf("ZWGK_SECRET is an example value, not a secret (%s)", how)
		}
	}
	if period := repeatPeriod(secret); period < len(secret) {
		return fmt.Errorf("ZWGK_SECRET repeats %q; it must be random (%s)", secret[:period], how)
	}
	distinct := map[rune]bool{}
	for _, r := range secret {
		distinct[r] = true
	}
	if len(distinct) < 8 {
		return fmt.Errorf("ZWGK_SECRET uses only %d different characters; it must be random (%s)", len(distinct), how)
	}
	return nil
}

// repeatPeriod is the length of the shortest unit that s repeats, the last time perhaps cut
// short (len(s) when there is none): "secretsecretsecret…" and "aaaa…" are typed, not drawn.
func repeatPeriod(s string) int {
	for p := 1; p <= len(s)/2; p++ {
		if strings.Repeat(s[:p], len(s)/p+1)[:len(s)] == s {
			return p
		}
	}
	return len(s)
}

func intSetting(raw map[string]string, name string) (int, error) {
	n, err := strconv.Atoi(raw[name])
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("config %s: %q is not a port number", name, raw[name])
	}
	return n, nil
}

// lookup applies the precedence: NAME in the environment, NAME_FILE in the environment, then the
// same two in the config file. Setting both NAME and NAME_FILE at one level is a mistake that
// would otherwise hide which secret is in use.
func lookup(name string, getenv func(string) string, file map[string]string) (string, error) {
	for _, src := range []struct {
		where string
		get   func(string) string
	}{
		{"environment", getenv},
		{"config file", func(k string) string { return file[k] }},
	} {
		v, vf := src.get(name), src.get(name+"_FILE")
		if v != "" && vf != "" {
			return "", fmt.Errorf("config %s: both %s and %s_FILE are set in the %s", name, name, name, src.where)
		}
		if v != "" {
			return v, nil
		}
		if vf != "" {
			b, err := os.ReadFile(vf)
			if err != nil {
				return "", fmt.Errorf("config %s_FILE: %w", name, err)
			}
			return strings.TrimRight(string(b), "\r\n"), nil
		}
	}
	return "", nil
}

// readFile parses KEY=VALUE lines; # starts a comment line, and a value may be quoted so that it
// can keep leading spaces or a #.
func readFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config %s line %d: want KEY=VALUE", filepath.Base(path), n)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			if v[0] == '"' {
				uq, err := strconv.Unquote(v)
				if err != nil {
					return nil, fmt.Errorf("config %s line %d: %w", filepath.Base(path), n, err)
				}
				v = uq
			} else {
				v = v[1 : len(v)-1]
			}
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("config %s line %d: %s set twice", filepath.Base(path), n, k)
		}
		out[k] = v
	}
	return out, sc.Err()
}

// Help renders the settings table for `zwgk help`.
func Help() string {
	var b strings.Builder
	width := 0
	for _, s := range Settings {
		width = max(width, len(s.Name))
	}
	for _, s := range Settings {
		fmt.Fprintf(&b, "  %-*s  %s", width, s.Name, s.Help)
		if s.Default != "" {
			fmt.Fprintf(&b, " (default %s)", s.Default)
		}
		if s.Secret {
			fmt.Fprintf(&b, "; or %s_FILE", s.Name)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Redacted lists the resolved settings with secrets masked, sorted, for logs.
func (c *Config) Redacted() []string {
	secret := map[string]bool{}
	for _, s := range Settings {
		secret[s.Name] = s.Secret
	}
	var out []string
	for k, v := range c.raw {
		if v == "" {
			continue
		}
		if secret[k] {
			v = "***"
		}
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
