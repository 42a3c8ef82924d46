package web

import (
	"context"
	"errors"
	"fmt"

	"github.com/zwgk/zwgk/store"
)

// DemoAdminLogin is the admin `zwgk dev` creates.
const DemoAdminLogin = "admin"

// EnsureDemoAdmin gives `zwgk dev` an admin to sign in with: it creates DemoAdminLogin, or, if it
// exists, sets a fresh password (only hashes are stored, so an old password cannot be shown
// again). Either way it returns a login and password that work now.
func EnsureDemoAdmin(ctx context.Context, st *store.Store) (login, password string, err error) {
	password = GeneratePassword()
	a := store.Audit{Actor: "zwgk dev", IP: "local"}
	u, err := st.UserByLogin(ctx, DemoAdminLogin)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if _, _, err := CreateUser(ctx, st, DemoAdminLogin, "演示管理员", store.RoleAdmin, password, nil, nil, a); err != nil {
			return "", "", fmt.Errorf("web: demo admin: %w", UserError(err))
		}
		return DemoAdminLogin, password, nil
	case err != nil:
		return "", "", err
	}
	if u.Role != store.RoleAdmin {
		return "", "", fmt.Errorf("web: demo admin: user %s exists with role %s", u.Login, u.Role)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", "", err
	}
	if err := st.SetPassword(ctx, u.ID, hash, a); err != nil {
		return "", "", err
	}
	if u.Disabled {
		if err := st.SetUserDisabled(ctx, u.ID, false, a); err != nil {
			return "", "", err
		}
	}
	return u.Login, password, nil
}

// UserError turns an error of CreateUser into one for a terminal: just the message a user
// would see on the page.
func UserError(err error) error {
	var he *httpError
	if errors.As(err, &he) {
		return errors.New(he.msg)
	}
	return err
}
