// Package links makes the signed, expiring URLs that reminders carry: "view item" and
// "complete item". A token names the action, the item, the cycle of the item the reminder was
// about, the recipient it was sent to, when it expires and a nonce; it is signed with HMAC-SHA256 under a key derived from ZWGK_SECRET, so
// the web server can trust it without a database lookup and refuse a replay by remembering
// used nonces until their expiry.
//
// Token layout (then base64url without padding):
//
//	version(1)=2 action(1) item(uvarint) expires(uvarint, Unix seconds) nonce(12) cycle length(uvarint) cycle recipient(rest) mac(16)
//
// Version 1 tokens, made before links named their cycle, lack the cycle length and the cycle;
// they still verify (with an empty Cycle) and Sign still makes them for claims without a cycle,
// but the web refuses to complete anything with one: it cannot tell which cycle it was for.
//
// The MAC is truncated to 128 bits: forging it still takes 2^128 guesses, and the URL stays
// short enough for an SMS or a chat message.
package links

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Action is what a link lets its bearer do.
type Action string

// The actions a link can carry.
const (
	View     Action = "view"
	Complete Action = "complete"
)

var actionCodes = map[Action]byte{View: 'v', Complete: 'c'}

// Path is where the web server serves links: BASE/l/TOKEN.
const Path = "/l/"

const (
	versionNoCycle = 1
	version        = 2
	nonceLen       = 12
	macLen         = 16
	// a recipient is a key like person:123 or robot:4; the bound keeps tokens URL-sized
	maxRecipient = 128
	// cycle keys are short: 2024, 2024-06, 2024-Q1, E12, G3
	maxCycle = 32
)

// Errors of Verify; a caller shows the same page for all but may log which it was.
var (
	ErrMalformed = errors.New("links: malformed token")
	ErrSignature = errors.New("links: bad signature")
	ErrExpired   = errors.New("links: link expired")
)

// Claims is what a token says.
type Claims struct {
	Action Action
	ItemID int64
	// Cycle is the key of the item's cycle the link acts on (2024-06, E3); empty in version 1
	// tokens.
	Cycle     string
	Recipient string
	Expires   time.Time // second precision
	Nonce     string    // base64url of 12 bytes; unique per link
}

// Signer signs and verifies tokens under one secret.
type Signer struct {
	key  []byte
	base string
}

// NewSigner derives the link key from secret (ZWGK_SECRET) and makes URLs under baseURL
// (ZWGK_BASE_URL). The derivation keeps link MACs distinct from anything else signed with the
// same secret, such as session cookies.
func NewSigner(secret, baseURL string) (*Signer, error) {
	if len(secret) < 16 {
		return nil, errors.New("links: ZWGK_SECRET must be at least 16 characters")
	}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("links: base URL %q is not an http(s) URL", baseURL)
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("zwgk links v1"))
	return &Signer{key: m.Sum(nil), base: strings.TrimRight(baseURL, "/")}, nil
}

// Nonce returns a nonce for a link. With a seed (the idempotency key of the message that
// carries the link) it is derived from the seed, the action, the item and the recipient, so
// that a retried send renders byte-identical links; without one it is random.
func (s *Signer) Nonce(seed string, a Action, itemID int64, recipient string) string {
	return s.nonce(seed, a, itemID, "", recipient)
}

// nonce derives a link's nonce; a cycle joins the derivation, so that one message's links to
// two cycles of an item (two events of a 及时公开 item) are used up separately.
func (s *Signer) nonce(seed string, a Action, itemID int64, cycle, recipient string) string {
	var b []byte
	if seed == "" {
		b = make([]byte, nonceLen)
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
	} else {
		m := hmac.New(sha256.New, s.key)
		fmt.Fprintf(m, "nonce\x00%s\x00%s\x00%d\x00%s", seed, a, itemID, recipient)
		if cycle != "" {
			fmt.Fprintf(m, "\x00cycle\x00%s", cycle)
		}
		b = m.Sum(nil)[:nonceLen]
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Sign returns the token for c. An empty Nonce gets a random one.
func (s *Signer) Sign(c Claims) (string, error) {
	code, ok := actionCodes[c.Action]
	if !ok {
		return "", fmt.Errorf("links: unknown action %q", c.Action)
	}
	if c.ItemID <= 0 {
		return "", fmt.Errorf("links: item id %d", c.ItemID)
	}
	if c.Expires.Unix() <= 0 {
		return "", errors.New("links: no expiry")
	}
	if len(c.Recipient) > maxRecipient {
		return "", fmt.Errorf("links: recipient %q too long", c.Recipient)
	}
	if len(c.Cycle) > maxCycle {
		return "", fmt.Errorf("links: cycle %q too long", c.Cycle)
	}
	if c.Nonce == "" {
		c.Nonce = s.nonce("", c.Action, c.ItemID, c.Cycle, c.Recipient)
	}
	nonce, err := base64.RawURLEncoding.DecodeString(c.Nonce)
	if err != nil || len(nonce) != nonceLen {
		return "", fmt.Errorf("links: nonce %q is not base64url of %d bytes", c.Nonce, nonceLen)
	}
	b := make([]byte, 0, 3+2*binary.MaxVarintLen64+nonceLen+len(c.Cycle)+len(c.Recipient)+macLen)
	v := byte(version)
	if c.Cycle == "" {
		v = versionNoCycle // the same bytes as before links named cycles
	}
	b = append(b, v, code)
	b = binary.AppendUvarint(b, uint64(c.ItemID))
	b = binary.AppendUvarint(b, uint64(c.Expires.Unix()))
	b = append(b, nonce...)
	if v == version {
		b = binary.AppendUvarint(b, uint64(len(c.Cycle)))
		b = append(b, c.Cycle...)
	}
	b = append(b, c.Recipient...)
	b = append(b, s.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// URL returns BASE/l/TOKEN for c.
func (s *Signer) URL(c Claims) (string, error) {
	tok, err := s.Sign(c)
	if err != nil {
		return "", err
	}
	return s.base + Path + tok, nil
}

// Link is URL with a nonce derived from seed (see Nonce), for no particular cycle.
func (s *Signer) Link(a Action, itemID int64, recipient string, expires time.Time, seed string) (string, error) {
	return s.CycleLink(a, itemID, "", recipient, expires, seed)
}

// CycleLink is Link for one cycle of the item: what message templates use, so that a complete
// link can only ever complete the cycle its reminder was about.
func (s *Signer) CycleLink(a Action, itemID int64, cycle, recipient string, expires time.Time, seed string) (string, error) {
	return s.URL(Claims{Action: a, ItemID: itemID, Cycle: cycle, Recipient: recipient, Expires: expires,
		Nonce: s.nonce(seed, a, itemID, cycle, recipient)})
}

// Verify checks a token's signature and expiry at now and returns its claims. The caller must
// still check that the action is the one its route performs and, for actions that change
// state, that the nonce was not used before (store.UseLinkNonce). With ErrExpired the claims
// are returned too, so that the page can say which item the stale link was for.
func (s *Signer) Verify(token string, now time.Time) (Claims, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 2+2+nonceLen+macLen {
		return Claims{}, ErrMalformed
	}
	body, mac := b[:len(b)-macLen], b[len(b)-macLen:]
	if !hmac.Equal(mac, s.mac(body)) {
		return Claims{}, ErrSignature
	}
	if body[0] != version && body[0] != versionNoCycle {
		return Claims{}, ErrMalformed
	}
	var c Claims
	for a, code := range actionCodes {
		if body[1] == code {
			c.Action = a
		}
	}
	r := bytes.NewReader(body[2:])
	item, err1 := binary.ReadUvarint(r)
	exp, err2 := binary.ReadUvarint(r)
	if c.Action == "" || err1 != nil || err2 != nil || item == 0 || item > 1<<62 || exp > 1<<40 || r.Len() < nonceLen {
		return Claims{}, ErrMalformed
	}
	rest := body[len(body)-r.Len():]
	c.ItemID = int64(item)
	c.Expires = time.Unix(int64(exp), 0)
	c.Nonce = base64.RawURLEncoding.EncodeToString(rest[:nonceLen])
	rest = rest[nonceLen:]
	if body[0] == version {
		cr := bytes.NewReader(rest)
		n, err := binary.ReadUvarint(cr)
		if err != nil || n == 0 || n > maxCycle || uint64(cr.Len()) < n {
			return Claims{}, ErrMalformed
		}
		rest = rest[len(rest)-cr.Len():]
		c.Cycle, rest = string(rest[:n]), rest[n:]
	}
	c.Recipient = string(rest)
	if !now.Before(c.Expires) {
		return c, ErrExpired
	}
	return c, nil
}

// TokenFromPath extracts the token from a request path /l/TOKEN.
func TokenFromPath(p string) (string, bool) {
	tok, ok := strings.CutPrefix(p, Path)
	return tok, ok && tok != "" && !strings.Contains(tok, "/")
}

func (s *Signer) mac(b []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(b)
	return m.Sum(nil)[:macLen]
}

// String describes the claims for logs without the nonce.
func (c Claims) String() string {
	cycle := ""
	if c.Cycle != "" {
		cycle = " cycle " + c.Cycle
	}
	return string(c.Action) + " item " + strconv.FormatInt(c.ItemID, 10) + cycle + " for " + c.Recipient +
		" until " + c.Expires.UTC().Format(time.RFC3339)
}
