package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// TestHTTPServerTimeouts: the server bounds the whole request, the answer and idle keep-alive
// connections, and the answer's bound leaves room for the slowest page.
func TestHTTPServerTimeouts(t *testing.T) {
	srv := newHTTPServer("127.0.0.1:0", http.NotFoundHandler(), nil, nil, slog.Default())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("timeouts: header %v, read %v, idle %v: each must be set", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout)
	}
	if srv.WriteTimeout < time.Minute {
		t.Fatalf("write timeout %v: the dashboard and 督办单 exports need up to a minute on a loaded server", srv.WriteTimeout)
	}
	if srv.ReadTimeout > 5*time.Minute {
		t.Fatalf("read timeout %v: a trickling peer would hold its connection that long", srv.ReadTimeout)
	}
}

// TestSlowBodyIsCutOff sends a body a byte at a time, far slower than the read timeout lets it:
// the server ends the connection instead of waiting for ever. The test shortens the timeout to
// a second so that it runs in one; the figure is logged, not asserted.
func TestSlowBodyIsCutOff(t *testing.T) {
	got := make(chan error, 1)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		got <- err
		if err != nil {
			http.Error(w, "too slow", http.StatusRequestTimeout)
		}
	})
	srv := newHTTPServer("127.0.0.1:0", app, nil, nil, slog.Default())
	srv.ReadTimeout = time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second)) // the test's own bound, should the server never cut
	const length = 600
	if _, err := fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: zwgk\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", length); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	closed := make(chan struct{})
	go func() { // the server's answer, then its close
		_, _ = io.Copy(io.Discard, conn)
		close(closed)
	}()
	sent := 0
trickle:
	for sent < length {
		select {
		case <-closed:
			break trickle
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := conn.Write([]byte("x")); err != nil {
			break
		}
		sent++
	}
	<-closed
	t.Logf("slow body: the server ended the connection after %v, %d of %d bytes sent (read timeout %v)", time.Since(start).Round(10*time.Millisecond), sent, length, srv.ReadTimeout)
	if sent >= length {
		t.Fatalf("the whole trickled body was read: the server has no read timeout")
	}
	if err := <-got; err == nil {
		t.Fatal("the handler read the trickled body without an error")
	}
}

// TestReadyzSaysLittle: /readyz is unauthenticated, so a failing part is named and its error
// (host names, ports, database users) goes to the log only.
func TestReadyzSaysLittle(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	down, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	var log strings.Builder
	logger := slog.New(slog.NewTextHandler(&log, nil))
	rec := httptest.NewRecorder()
	newHTTPServer("", nil, st, down, logger).Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", rec.Code)
	}
	if body := rec.Body.String(); body != "postgresql: down\ntemporal: down\n" {
		t.Fatalf("body %q, want the failing parts and nothing else", body)
	}
	if !strings.Contains(log.String(), "readyz: postgresql") || !strings.Contains(log.String(), "127.0.0.1:1") {
		t.Fatalf("the log lacks the details:\n%s", log.String())
	}

	live, err := store.Open(ctx, testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	tc := testenv.Temporal(t)
	rec = httptest.NewRecorder()
	newHTTPServer("", nil, live, tc, logger).Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ready\n" {
		t.Fatalf("healthy: %d %q", rec.Code, rec.Body.String())
	}
}
