// Package smtptest runs a real SMTP server (emersion/go-smtp) on loopback for tests: plain,
// STARTTLS or implicit TLS with a self-signed certificate, optional AUTH PLAIN, hooks to
// reject recipients or messages, and modes that stall to exercise client deadlines.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server.
type Options struct {
	TLS      string // none, starttls, implicit
	User     string // require AUTH PLAIN with User/Password when set
	Password string
	// Rcpt may reject a recipient (return an *smtp.SMTPError).
	Rcpt func(to string) error
	// Data may reject a message after reading it; it runs before the message is recorded.
	Data func(m Message) error
	// StallGreeting accepts connections and never says a word.
	StallGreeting bool
	// StallAfterData reads the message, records it, and then never answers the final dot:
	// the client cannot know the server has it.
	StallAfterData bool
}

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	User string // the authenticated user
	TLS  bool
}

// Server is a running test server.
type Server struct {
	Host  string
	Port  int
	Roots *x509.CertPool // trusts the server's self-signed certificate
	// CertPEM is the same certificate in PEM, for code that reads a CA file (ZWGK_SMTP_TLS_CA).
	CertPEM []byte

	mu    sync.Mutex
	msgs  []Message
	conns []net.Conn
	ch    chan struct{}
	done  chan struct{}
}

// Start runs a server until the test ends.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	cert, roots := selfSigned(tb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &Server{Host: "127.0.0.1", Port: addr.Port, Roots: roots,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), ch: make(chan struct{}, 1<<16), done: make(chan struct{})}
	tb.Cleanup(func() { close(s.done) })
	if o.StallGreeting {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				s.mu.Lock()
				s.conns = append(s.conns, c)
				s.mu.Unlock()
			}
		}()
		tb.Cleanup(func() {
			ln.Close()
			s.mu.Lock()
			for _, c := range s.conns {
				c.Close()
			}
			s.mu.Unlock()
		})
		return s
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, o: o, tls: isTLS}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = nopLogger{}
	switch o.TLS {
	case "starttls":
		srv.TLSConfig = tlsCfg
	case "implicit":
		ln = tls.NewListener(ln, tlsCfg)
	default:
		srv.AllowInsecureAuth = true
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns the accepted messages so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Count is the number of accepted messages.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Accepted is signalled once per accepted message.
func (s *Server) Accepted() <-chan struct{} { return s.ch }

type session struct {
	s    *Server
	o    Options
	tls  bool
	user string
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.o.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.o.User || password != ss.o.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.o.User != "" && ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.o.Rcpt != nil {
		if err := ss.o.Rcpt(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: ss.from, To: ss.to, Data: b, User: ss.user, TLS: ss.tls}
	if ss.o.Data != nil {
		if err := ss.o.Data(m); err != nil {
			return err
		}
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.ch <- struct{}{}:
	default:
	}
	if ss.o.StallAfterData {
		<-ss.s.done // the client gives up first: its deadline closes the connection
		return errors.New("stalled")
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

type nopLogger struct{}

func (nopLogger) Printf(string, ...interface{}) {}
func (nopLogger) Println(...interface{})        {}

func selfSigned(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "zwgk test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
