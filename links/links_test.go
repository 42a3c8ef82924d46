package links

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const secret = "0123456789abcdef-test-secret"

func signer(t *testing.T) *Signer {
	t.Helper()
	s, err := NewSigner(secret, "https://gk.example.gov.cn/")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := signer(t)
	exp := time.Date(2024, 7, 28, 12, 0, 0, 0, time.UTC)
	u, err := s.Link(Complete, 4242, "person:17", exp, "digest:person:17:2024-06-28T09:00")
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := TokenFromPath(strings.TrimPrefix(u, "https://gk.example.gov.cn"))
	if !ok || !strings.HasPrefix(u, "https://gk.example.gov.cn/l/") {
		t.Fatalf("url %q", u)
	}
	c, err := s.Verify(tok, exp.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Action != Complete || c.ItemID != 4242 || c.Recipient != "person:17" || !c.Expires.Equal(exp) || c.Nonce == "" {
		t.Fatalf("claims %+v", c)
	}
	if len(u) > 120 {
		t.Errorf("url is %d bytes, want a short one: %s", len(u), u)
	}
}

func TestDerivedNoncesAreStableAndDistinct(t *testing.T) {
	s := signer(t)
	exp := time.Unix(1900000000, 0)
	a, _ := s.Link(View, 1, "person:1", exp, "k1")
	b, _ := s.Link(View, 1, "person:1", exp, "k1")
	if a != b {
		t.Fatalf("same seed gave different links:\n%s\n%s", a, b)
	}
	seen := map[string]bool{}
	for _, v := range []struct {
		a    Action
		item int64
		r    string
		seed string
	}{{View, 1, "person:1", "k1"}, {Complete, 1, "person:1", "k1"}, {View, 2, "person:1", "k1"},
		{View, 1, "person:2", "k1"}, {View, 1, "person:1", "k2"}} {
		n := s.Nonce(v.seed, v.a, v.item, v.r)
		if seen[n] {
			t.Fatalf("nonce %s repeated for %+v", n, v)
		}
		seen[n] = true
	}
	if r1, r2 := s.Nonce("", View, 1, "person:1"), s.Nonce("", View, 1, "person:1"); r1 == r2 {
		t.Fatal("random nonces repeat")
	}
}

func TestVerifyRejects(t *testing.T) {
	s := signer(t)
	now := time.Unix(1800000000, 0)
	tok, err := s.Sign(Claims{Action: View, ItemID: 9, Recipient: "robot:3", Expires: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(tok, now.Add(time.Hour)); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiry: %v, want ErrExpired", err)
	}
	other, _ := NewSigner(secret+"x", "")
	if _, err := other.Verify(tok, now); !errors.Is(err, ErrSignature) {
		t.Errorf("other secret: %v, want ErrSignature", err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		if _, err := s.Verify(base64.RawURLEncoding.EncodeToString(b), now); err == nil {
			t.Fatalf("flipping byte %d still verifies", i)
		}
	}
	for _, bad := range []string{"", "!!!", "AAAA", tok[:len(tok)-3], tok + "A"} {
		if _, err := s.Verify(bad, now); err == nil {
			t.Errorf("Verify(%q) passed", bad)
		}
	}
}

func TestSignValidates(t *testing.T) {
	s := signer(t)
	exp := time.Unix(1900000000, 0)
	for _, c := range []Claims{
		{Action: "delete", ItemID: 1, Expires: exp},
		{Action: View, ItemID: 0, Expires: exp},
		{Action: View, ItemID: 1},
		{Action: View, ItemID: 1, Expires: exp, Nonce: "short"},
		{Action: View, ItemID: 1, Expires: exp, Recipient: strings.Repeat("x", 200)},
	} {
		if _, err := s.Sign(c); err == nil {
			t.Errorf("Sign(%+v) passed", c)
		}
	}
	if _, err := NewSigner("short", ""); err == nil {
		t.Error("short secret accepted")
	}
	if _, err := NewSigner(secret, "ftp://x"); err == nil {
		t.Error("ftp base accepted")
	}
}

func FuzzVerify(f *testing.F) {
	s, _ := NewSigner(secret, "")
	tok, _ := s.Sign(Claims{Action: View, ItemID: 5, Recipient: "person:5", Expires: time.Unix(1900000000, 0)})
	f.Add(tok)
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.Verify(tok, time.Unix(1800000000, 0))
		if err == nil && (c.ItemID <= 0 || c.Action == "") {
			t.Fatalf("verified nonsense %+v", c)
		}
	})
}
