// Package temporalclient connects zwgk to Temporal: a local dev server, a self-hosted cluster
// or Temporal Cloud (mTLS or API key), and declares the search attributes zwgk's workflows set so
// that operators can find items in the Temporal UI.
package temporalclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/zwgk/zwgk/config"
)

// Search attributes of item workflows. They mirror item_state in PostgreSQL for operators; the
// web UI never queries them.
var (
	AttrUnit            = temporal.NewSearchAttributeKeyKeyword("ZwgkUnit")
	AttrYear            = temporal.NewSearchAttributeKeyInt64("ZwgkYear")
	AttrOffice          = temporal.NewSearchAttributeKeyKeywordList("ZwgkOffice")
	AttrStatus          = temporal.NewSearchAttributeKeyKeyword("ZwgkStatus")
	AttrNextDue         = temporal.NewSearchAttributeKeyTime("ZwgkNextDue")
	AttrEscalationLevel = temporal.NewSearchAttributeKeyInt64("ZwgkEscalationLevel")
)

// SearchAttributes is what EnsureSearchAttributes registers.
var SearchAttributes = map[string]enumspb.IndexedValueType{
	AttrUnit.GetName():            enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrYear.GetName():            enumspb.INDEXED_VALUE_TYPE_INT,
	AttrOffice.GetName():          enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	AttrStatus.GetName():          enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	AttrNextDue.GetName():         enumspb.INDEXED_VALUE_TYPE_DATETIME,
	AttrEscalationLevel.GetName(): enumspb.INDEXED_VALUE_TYPE_INT,
}

// Options builds SDK client options from the settings.
func Options(c config.Temporal, logger *slog.Logger) (client.Options, error) {
	opts := client.Options{
		HostPort:  c.Address,
		Namespace: c.Namespace,
	}
	if logger != nil {
		opts.Logger = log.NewStructuredLogger(logger)
	}
	if c.TLSCert != "" || c.TLSCA != "" || c.APIKey != "" || c.TLSServerName != "" {
		tc := &tls.Config{ServerName: c.TLSServerName, MinVersion: tls.VersionTLS12}
		if c.TLSCert != "" {
			cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
			if err != nil {
				return opts, fmt.Errorf("temporal TLS client certificate: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		if c.TLSCA != "" {
			pem, err := os.ReadFile(c.TLSCA)
			if err != nil {
				return opts, fmt.Errorf("temporal TLS CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return opts, fmt.Errorf("temporal TLS CA %s: no PEM certificate", c.TLSCA)
			}
			tc.RootCAs = pool
		}
		opts.ConnectionOptions.TLS = tc
	}
	if c.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(c.APIKey)
	}
	return opts, nil
}

// Dial connects and checks the connection.
func Dial(ctx context.Context, c config.Temporal, logger *slog.Logger) (client.Client, error) {
	opts, err := Options(c, logger)
	if err != nil {
		return nil, err
	}
	cl, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("temporal %s namespace %s: %w", c.Address, c.Namespace, err)
	}
	return cl, nil
}

// EnsureSearchAttributes registers zwgk's search attributes in namespace, adding only missing
// ones. Temporal Cloud does not let a namespace API key add attributes; a PermissionDenied is
// returned so the caller can tell the operator to add them in the Cloud console.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("temporal: list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range SearchAttributes {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("temporal: search attribute %s is %s in namespace %s, zwgk needs %s", name, got, namespace, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("temporal: add search attributes to namespace %s: %w", namespace, err)
	}
	// The frontend caches the attribute set; wait until a read shows them so the first
	// workflow start that upserts them does not fail.
	deadline := time.Now().Add(30 * time.Second)
	for {
		have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		if err == nil {
			ok := true
			for name := range missing {
				if _, found := have.GetCustomAttributes()[name]; !found {
					ok = false
				}
			}
			if ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("temporal: search attributes not visible in namespace %s after 30s", namespace)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
