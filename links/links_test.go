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
	withCycle, _ := s.Sign(Claims{Action: Complete, ItemID: 5, Cycle: "E2", Recipient: "person:5", Expires: time.Unix(1900000000, 0)})
	f.Add(withCycle)
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.Verify(tok, time.Unix(1800000000, 0))
		if err == nil && (c.ItemID <= 0 || c.Action == "") {
			t.Fatalf("verified nonsense %+v", c)
		}
	})
}

// A link names the cycle its reminder was about, inside what is signed: the web completes that
// cycle or nothing.
func TestCycleRoundTrip(t *testing.T) {
	s := signer(t)
	exp := time.Date(2024, 7, 28, 12, 0, 0, 0, time.UTC)
	seed := "digest:person:17:2024-06-28T09:00"
	u, err := s.CycleLink(Complete, 4242, "2024-06", "person:17", exp, seed)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := TokenFromPath(strings.TrimPrefix(u, "https://gk.example.gov.cn"))
	c, err := s.Verify(tok, exp.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cycle != "2024-06" || c.ItemID != 4242 || c.Recipient != "person:17" || c.Action != Complete || !c.Expires.Equal(exp) {
		t.Fatalf("claims %+v", c)
	}
	if len(u) > 130 {
		t.Errorf("url is %d bytes, want a short one: %s", len(u), u)
	}
	again, _ := s.CycleLink(Complete, 4242, "2024-06", "person:17", exp, seed)
	if again != u {
		t.Errorf("a retried send renders another link:\n%s\n%s", u, again)
	}
	other, _ := s.CycleLink(Complete, 4242, "2024-07", "person:17", exp, seed)
	otok, _ := TokenFromPath(strings.TrimPrefix(other, "https://gk.example.gov.cn"))
	oc, err := s.Verify(otok, exp.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if oc.Nonce == c.Nonce {
		t.Error("the links of two cycles in one message share a nonce: using one would use up the other")
	}
	// The cycle is signed: a token whose cycle bytes are swapped for another's does not verify.
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	i := strings.Index(string(raw), "2024-06")
	if i < 0 {
		t.Fatal("cycle not in the token")
	}
	b := append([]byte(nil), raw...)
	copy(b[i:], "2024-07")
	if _, err := s.Verify(base64.RawURLEncoding.EncodeToString(b), exp.Add(-time.Hour)); !errors.Is(err, ErrSignature) {
		t.Errorf("a token with its cycle changed: %v, want ErrSignature", err)
	}
	if _, err := s.Sign(Claims{Action: View, ItemID: 1, Expires: exp, Cycle: strings.Repeat("E", 40)}); err == nil {
		t.Error("a 40-byte cycle key was signed")
	}
}

// Tokens made before links named their cycle still verify, with no cycle; this one was made by
// the previous code with TestRoundTrip's claims.
func TestVersion1TokensVerifyWithoutCycle(t *testing.T) {
	s := signer(t)
	const old = "AWOSIcDlmLUGQpQSHMNaiQH6KPGCcGVyc29uOjE3uqS73VFQSEDNI-9jCetzXw"
	exp := time.Date(2024, 7, 28, 12, 0, 0, 0, time.UTC)
	c, err := s.Verify(old, exp.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Cycle != "" || c.Action != Complete || c.ItemID != 4242 || c.Recipient != "person:17" || !c.Expires.Equal(exp) {
		t.Fatalf("claims %+v", c)
	}
	u, _ := s.Link(Complete, 4242, "person:17", exp, "digest:person:17:2024-06-28T09:00")
	if u != "https://gk.example.gov.cn/l/"+old {
		t.Errorf("a link without a cycle changed its bytes: %s", u)
	}
}
