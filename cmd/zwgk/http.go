package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/zwgk/zwgk/store"
)

// Server timeouts. A request must arrive whole within readTimeout (a sign-in form or JSON body
// takes milliseconds; a peer trickling a byte every few seconds is cut off instead of holding
// its connection for ever), and its answer must be written within writeTimeout, counted from
// the end of the request headers: the slowest legitimate answers are the dashboard over a
// million items (a few hundred ms, BenchmarkDashboard1M) and a 督办单 export, well inside a
// minute even on a loaded server. The routes that take a file (list preview and commit,
// roster, holidays) lengthen both for their admin once signed in (web.uploadTimeout), so
// neither bound has to fit a 20 MB upload over a slow county link.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
)

// newHTTPServer serves the app with the probes in front: /healthz answers while the process
// runs, /readyz only while PostgreSQL and Temporal answer too.
func newHTTPServer(addr string, app http.Handler, st *store.Store, tc client.Client, logger *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		// The probe is unauthenticated: it names the part that is down, and the log says why
		// (error texts carry host names, ports and database users).
		var down []string
		if err := st.Ping(ctx); err != nil {
			logger.Warn("readyz: postgresql", "err", err)
			down = append(down, "postgresql: down")
		}
		if _, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			logger.Warn("readyz: temporal", "err", err)
			down = append(down, "temporal: down")
		}
		if len(down) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(down, "\n"))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	if app != nil {
		mux.Handle("/", app)
	}
	return &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// serveUntil listens and serves until ctx ends, then drains open requests.
func serveUntil(ctx context.Context, srv *http.Server, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set ZWGK_HTTP_ADDR): %w", srv.Addr, err)
	}
	logger.Info("http listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
