package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

func init() {
	register(&command{
		name:    "probe",
		summary: "GET a URL and fail unless it answers 200 (container health checks without curl)",
		usage:   "URL",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return errUsage
			}
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s answered %s", args[0], resp.Status)
			}
			fmt.Fprintln(e.stdout, resp.Status)
			return nil
		},
	})
}
