package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCheckSecret(t *testing.T) {
	for _, c := range []struct {
		secret string
		want   string // part of the error; "" when the secret is good
	}{
		{"5f0c9a3e1b7d24e68a90c3f1d2b4e6a87c9d0e1f2a3b4c5d6e7f8091a2b3c4d5", ""}, // openssl rand -hex 32
		{"q9V3x_Lr8Tz2mWk4Yb7Ns1Pf6Hd0Jc5Ga-Ue3Ri8Oy2", ""},                      // random base64url
		{"integration-test-secret-0123456789", ""},
		{"", "0 bytes"},
		{"changeme", "8 bytes"},
		{"secret", "6 bytes"},
		{"test-secret-0123456789abcdef", "28 bytes"},
		{"CHANGE-ME-TO-64-RANDOM-HEX-CHARACTERS", "example"}, // deploy/k8s/secret.yaml
		{"change-me-change-me-change-me-change-me", "example"},
		{"please-changeme-0123456789abcdefghijklmnop", "example"},
		{"$(openssl rand -hex 32)-xxxxxxxxxxxxxxxxxxxxxxxx", "example"},
		{"replace-me-with-a-long-random-string-0123", "example"},
		{strings.Repeat("a", 64), "repeats"},
		{strings.Repeat("0123456789abcdef", 4), "repeats"},
		{strings.Repeat("secret", 6), "repeats"},
		{"aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbcccccccc", "different characters"},
	} {
		err := CheckSecret(c.secret)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckSecret(%q): %v, want accepted", c.secret, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckSecret(%q): %v, want an error about %q", c.secret, err, c.want)
		case err != nil && !strings.Contains(err.Error(), "openssl rand -hex 32"):
			t.Errorf("CheckSecret(%q): %v does not say how to make one", c.secret, err)
		}
	}
}

// TestExampleSecretsRefused reads the example values of the repository's own docs and deploy
// files, so that one copied from there is refused even if someone edits the example.
func TestExampleSecretsRefused(t *testing.T) {
	var found []string
	re := regexp.MustCompile(`(?m)^\s*secret:\s*(\S+)`)
	b, err := os.ReadFile(filepath.Join("..", "deploy", "k8s", "secret.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		found = append(found, m[1])
	}
	reEnv := regexp.MustCompile(`ZWGK_SECRET=([^\s$]\S*)`)
	docs, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	files := []string{"README.md", "docker-compose.yml", filepath.Join("web", "README.md")}
	for _, d := range docs {
		files = append(files, filepath.Join("docs", filepath.Base(d)))
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reEnv.FindAllStringSubmatch(string(b), -1) {
			found = append(found, m[1])
		}
	}
	if len(found) == 0 {
		t.Fatal("no example secret found in deploy/k8s/secret.yaml")
	}
	for _, s := range found {
		if CheckSecret(s) == nil {
			t.Errorf("the example secret %q is accepted", s)
		}
	}
}

func TestTrustedProxies(t *testing.T) {
	c, err := Load(envOf(map[string]string{"ZWGK_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.10 ,fd00::/8,::ffff:172.16.0.0/108,"}), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.10/32"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("172.16.0.0/12")}
	if !slices.Equal(c.TrustedProxies, want) {
		t.Fatalf("trusted proxies %v, want %v", c.TrustedProxies, want)
	}
	if c, err := Load(envOf(nil), ""); err != nil || len(c.TrustedProxies) != 0 {
		t.Fatalf("default: %v, %v", c.TrustedProxies, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0/8"} {
		if _, err := Load(envOf(map[string]string{"ZWGK_TRUSTED_PROXIES": bad}), ""); err == nil || !strings.Contains(err.Error(), "ZWGK_TRUSTED_PROXIES") {
			t.Errorf("%q: %v, want an error naming the setting", bad, err)
		}
	}
}
