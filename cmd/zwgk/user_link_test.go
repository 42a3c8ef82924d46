package main

import (
	"context"
	"os/user"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
)

// zwgk user link prints a one-time setup link once, queues its mail when the account's person
// has an address (and says which), kills the login's earlier link, and is audited as cli:<OS
// user> without the link.
func TestUserLinkCommand(t *testing.T) {
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if code, out, errs := runUserCmd(t, url, "", "user", "add", "--login", "chief", "--role", "admin"); code != 0 {
		t.Fatalf("add: %d %q %q", code, out, errs)
	}
	u, err := st.UserByLogin(ctx, "chief")
	if err != nil {
		t.Fatal(err)
	}
	linkRE := regexp.MustCompile(`(?m)^https?://\S+/setup/(\S+)$`)

	code, out, errs := runUserCmd(t, url, "", "user", "link", "chief")
	m := linkRE.FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "not mailed (账号未关联人员") {
		t.Fatalf("link without a person: %d %q %q", code, out, errs)
	}
	first := m[1]
	if got, err := st.SetupLinkUser(ctx, first, time.Now()); err != nil || got.ID != u.ID {
		t.Fatalf("the printed link: %v %v", got, err)
	}

	pid, err := st.AddPerson(ctx, store.Person{Name: "周主任", Email: "zhou@x.gov.cn", Channels: []string{"email"}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetUserPerson(ctx, u.ID, pid, store.Audit{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runUserCmd(t, url, "", "user", "link", "chief")
	m = linkRE.FindStringSubmatch(out)
	if code != 0 || m == nil || !strings.Contains(out, "queued for mail to zhou@x.gov.cn") {
		t.Fatalf("link with a person: %d %q %q", code, out, errs)
	}
	if _, err := st.SetupLinkUser(ctx, first, time.Now()); err == nil {
		t.Error("the first link still works after a second was issued")
	}
	mail, err := st.SetupMailOf(ctx, u.ID)
	if err != nil || mail.Status != "pending" || !strings.Contains(mail.BodyText, "/setup/"+m[1]) {
		t.Errorf("queued mail %+v %v", mail, err)
	}

	if code, _, errs = runUserCmd(t, url, "", "user", "link", "nobody"); code != 1 || !strings.Contains(errs, `no user "nobody"`) {
		t.Errorf("unknown login: %d %q", code, errs)
	}
	if code, _, _ = runUserCmd(t, url, "", "user", "link"); code != 2 {
		t.Errorf("no login: exit %d, want usage (2)", code)
	}

	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	var links, mails, leaked int
	if err := st.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE action = 'user.setup_link'), count(*) FILTER (WHERE action = 'user.setup_mail'),
		count(*) FILTER (WHERE detail::text LIKE '%'||$2||'%' OR detail::text LIKE '%'||$3||'%')
		FROM audit_log WHERE actor = $1`, "cli:"+me.Username, first, m[1]).Scan(&links, &mails, &leaked); err != nil {
		t.Fatal(err)
	}
	if links != 2 || mails != 1 || leaked != 0 {
		t.Errorf("CLI audit: %d links, %d mails, %d entries with a link; want 2, 1, 0", links, mails, leaked)
	}
}
