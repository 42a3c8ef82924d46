// Package devstack runs the peers `zwgk dev` needs inside one process: an embedded Temporal
// server persisted to SQLite under the data directory, and a PostgreSQL server (an existing one,
// or a private one started from the machine's binaries).
package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	"github.com/zwgk/zwgk/temporalclient"
)

// Temporal is an embedded single-node Temporal server. Its state lives in one SQLite file, so
// workflows and their timers survive a restart of `zwgk dev`.
type Temporal struct {
	server    temporal.Server
	HostPort  string
	Namespace string
	DBPath    string

	clientLogger *slog.Logger
}

// TemporalOptions configures StartTemporal.
type TemporalOptions struct {
	DataDir   string // the SQLite file is DataDir/temporal.db
	Port      int    // frontend gRPC port on 127.0.0.1; 0 picks a free one
	Namespace string
	LogLevel  string // server log level (default error: the server is chatty, even at warn when it stops)
	// ClientLogger receives the SDK client's logs (nil: the SDK's default, which logs at debug).
	ClientLogger *slog.Logger
}

// StartTemporal starts the server, creates the namespace with zwgk's search attributes and
// returns once a client can reach it.
func StartTemporal(ctx context.Context, o TemporalOptions) (*Temporal, error) {
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.LogLevel == "" {
		o.LogLevel = "error"
	}
	sqlCfg := &config.SQL{PluginName: sqliteplugin.PluginName, ConnectAttributes: map[string]string{}}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("temporal: data directory: %w", err)
	}
	dbPath := filepath.Join(o.DataDir, "temporal.db")
	sqlCfg.DatabaseName = dbPath
	sqlCfg.ConnectAttributes["mode"] = "rwc"
	// WAL keeps the dev server responsive while the worker writes.
	sqlCfg.ConnectAttributes["_journal_mode"] = "WAL"
	sqlCfg.ConnectAttributes["_synchronous"] = "NORMAL"
	if _, err := os.Stat(dbPath); os.IsNotExist(err) {
		if err := sqlite.SetupSchema(sqlCfg); err != nil {
			return nil, fmt.Errorf("temporal: create schema in %s: %w", dbPath, err)
		}
	}

	port := o.Port
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return nil, err
		}
	} else if err := portFree(port); err != nil {
		return nil, fmt.Errorf("temporal: port %d is taken (another zwgk dev or Temporal running?); set ZWGK_TEMPORAL_PORT: %w", port, err)
	}
	ports, err := servicePorts(o, port)
	if err != nil {
		return nil, err
	}
	const ip = "127.0.0.1"
	hostPort := net.JoinHostPort(ip, strconv.Itoa(port))
	svc := func(grpc, membership int, bindIP string) config.Service {
		s := config.Service{RPC: config.RPC{GRPCPort: grpc, MembershipPort: membership, BindOnLocalHost: bindIP == ""}}
		s.RPC.BindOnIP = bindIP
		return s
	}
	cfg := &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: ip},
			Metrics: &metrics.Config{Prometheus: &metrics.PrometheusConfig{
				ListenAddress: net.JoinHostPort(ip, strconv.Itoa(ports[0])), HandlerPath: "/metrics",
			}},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        "active",
			CurrentClusterName:       "active",
			ClusterInformation: map[string]cluster.ClusterInformation{
				"active": {Enabled: true, InitialFailoverVersion: 1, RPCAddress: hostPort},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": svc(port, ports[1], ip),
			"history":  svc(ports[2], ports[3], ""),
			"matching": svc(ports[4], ports[5], ""),
			"worker":   svc(ports[6], ports[7], ""),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: hostPort},
	}

	ns, err := sqlite.NewNamespaceConfig("active", o.Namespace, false, temporalclient.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("temporal: namespace %s: %w", o.Namespace, err)
	}
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("temporal: create namespace %s: %w", o.Namespace, err)
	}

	logger := quietLogger{log.NewZapLogger(log.BuildZapLogger(log.Config{Stdout: true, Level: o.LogLevel}))}
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): []dynamicconfig.ConstrainedValue{{Value: true}},
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("temporal: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("temporal: start: %w", err)
	}
	t := &Temporal{server: srv, HostPort: hostPort, Namespace: o.Namespace, DBPath: dbPath, clientLogger: o.ClientLogger}

	// The namespace may predate a search attribute added in a later zwgk; register what is missing.
	c, err := t.Client(ctx)
	if err != nil {
		t.Stop()
		return nil, err
	}
	defer c.Close()
	if err := temporalclient.EnsureSearchAttributes(ctx, c, o.Namespace); err != nil {
		t.Stop()
		return nil, err
	}
	return t, nil
}

// Client dials the embedded server, waiting for it to accept connections.
func (t *Temporal) Client(ctx context.Context) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	opts := client.Options{HostPort: t.HostPort, Namespace: t.Namespace}
	if t.clientLogger != nil {
		opts.Logger = sdklog.NewStructuredLogger(t.clientLogger)
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("temporal: dial embedded server at %s: %w", t.HostPort, err)
	}
	return c, nil
}

// Stop shuts the server down; it flushes SQLite so the next start resumes.
func (t *Temporal) Stop() error {
	return t.server.Stop()
}

// servicePorts picks the ports of the services other than the frontend, keeps them in the
// data directory and reuses them: the membership ring is stored in SQLite,
// and a restart on new ports would leave the old members in it until they expire, with "Not
// enough hosts to serve the request" for the best part of a minute.
func servicePorts(o TemporalOptions, frontend int) ([]int, error) {
	const n = 8
	path := filepath.Join(o.DataDir, "temporal-ports.json")
	var saved []int
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, &saved) == nil && len(saved) == n &&
		!slices.ContainsFunc(saved, func(p int) bool { return p == frontend || portFree(p) != nil }) {
		return saved, nil
	}
	ports := make([]int, 0, n)
	for len(ports) < n {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		if p != frontend && !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	b, _ := json.Marshal(ports)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("temporal: %w", err)
	}
	return ports, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("temporal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}
