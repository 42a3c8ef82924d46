package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/web"
)

// userLink issues a password setup link for a login, as an admin does on the users page:
// for the first admin locked out, or an installation without a working web admin. The link is
// printed once; when the account's person has an email address the worker mails it as well.
func userLink(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user link")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errUsage
	}
	login := fs.Arg(0)
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, closeStore, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer closeStore()
	u, err := st.UserByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("user link: no user %q (zwgk user list shows them)", login)
	}
	if err != nil {
		return err
	}
	link, err := web.IssueSetupLink(ctx, st, cfg.BaseURL, u, time.Now(), cliAudit(e))
	if err != nil {
		return web.UserError(err)
	}
	fmt.Fprintf(e.stdout, "setup link for %s (shown once, valid until %s, single use):\n%s\n",
		link.Login, link.Expires.Local().Format("2006-01-02 15:04"), link.URL)
	if link.MailedTo != "" {
		fmt.Fprintf(e.stdout, "queued for mail to %s: a running worker sends it within a minute\n", link.MailedTo)
	} else {
		fmt.Fprintf(e.stdout, "not mailed (%s): hand it over yourself\n", link.NoMail)
	}
	return nil
}
