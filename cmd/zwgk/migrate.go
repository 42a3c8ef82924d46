package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{
		name:    "migrate",
		summary: "apply the embedded PostgreSQL migrations (`migrate status` lists them)",
		usage:   "[status]",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 1 || (len(args) == 1 && args[0] != "status") {
				return errUsage
			}
			st, done, err := openStoreRaw(ctx, e)
			if err != nil {
				return err
			}
			defer done()
			if len(args) == 1 {
				lines, err := st.MigrationStatus(ctx)
				if err != nil {
					return err
				}
				for _, l := range lines {
					fmt.Fprintln(e.stdout, l)
				}
				return nil
			}
			applied, err := st.Migrate(ctx)
			for _, a := range applied {
				fmt.Fprintln(e.stdout, "applied", a)
			}
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(e.stdout, "database is up to date")
			}
			return nil
		},
	})
}
