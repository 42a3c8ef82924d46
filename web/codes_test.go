package web

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// pageText is what a user reads on a page: its text without tags, attributes, scripts and
// styles, and without the raw records an admin may expand (an audit entry's detail, the
// policy's JSON), which are data, not the page's words.
func pageText(body string) string {
	body = regexp.MustCompile(`(?s)<(script|style|pre|textarea)[^>]*>.*?</(script|style|pre|textarea)>`).ReplaceAllString(body, " ")
	body = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " ")
	return html.UnescapeString(body)
}

// internalCodes are the codes the pages must never show as they are: every key of the
// dictionaries in funcs.go, and the shapes of recipient keys and library names.
func internalCodes() []*regexp.Regexp {
	var out []*regexp.Regexp
	seen := map[string]bool{}
	for _, m := range []map[string]string{statusLabels, ruleKindLabels, eventLabels, deliveryStatusLabels,
		noticeKindLabels, channelLabels, actionLabels, targetLabels} {
		for k := range m {
			if !seen[k] && regexp.MustCompile(`^[a-z][a-z_.]*$`).MatchString(k) {
				seen[k] = true
				out = append(out, regexp.MustCompile(`(^|[\s\p{P}])`+regexp.QuoteMeta(k)+`($|[\s\p{P}])`))
			}
		}
	}
	return append(out, regexp.MustCompile(`\b(person|robot|user):\d+`), regexp.MustCompile(`github\.com/`),
		regexp.MustCompile(`HolidayUtil`))
}

// TestNoCodesOnPages walks the pages each role reaches and fails on any code shown untranslated
// (a status, a kind, a channel, an audit action, a recipient key, a library name).
func TestNoCodesOnPages(t *testing.T) {
	f := newFixture(t, true)
	codes := internalCodes()
	check := func(who string, c *client, paths ...string) {
		for _, p := range paths {
			resp, body := c.get(p)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s %s: status %d", who, p, resp.StatusCode)
				continue
			}
			text := pageText(body)
			var found []string
			for _, re := range codes {
				for _, m := range re.FindAllString(text, 3) {
					found = append(found, strings.TrimSpace(m))
				}
			}
			sort.Strings(found)
			if len(found) > 0 {
				t.Errorf("%s %s shows codes %q", who, p, found)
			}
		}
	}
	admin := f.as(t, "admin")
	check("admin", admin, "/dashboard", "/items", fmt.Sprintf("/items/%d", f.itemA1), "/admin/deliveries", "/admin/outbox",
		"/admin/audit", "/admin/calendar?year=2024", "/admin/calendar?year=2028", "/admin/policy", "/admin/directory",
		"/admin/lists", "/admin/users", "/account")
	office := f.as(t, "office")
	check("office", office, "/items", fmt.Sprintf("/items/%d", f.itemA1), fmt.Sprintf("/offices/%d/calendar", f.officeA1))
	lead := f.as(t, "supervisor")
	check("supervisor", lead, "/dashboard", "/items")
}

// 撤销完成 is offered only where there is a completion to undo, and the two kinds of 登记 say
// what they are for.
func TestItemActionsOnlyWhenValid(t *testing.T) {
	f := newFixture(t, false)
	admin := f.as(t, "admin")
	_, never := admin.get(fmt.Sprintf("/items/%d", f.itemA1)) // due and undone
	_, done := admin.get(fmt.Sprintf("/items/%d", f.itemA5))  // done on time
	if strings.Contains(never, "/reopen") {
		t.Error("撤销完成 offered on an item never completed")
	}
	if !strings.Contains(done, "/reopen") {
		t.Error("撤销完成 not offered on a completed item")
	}
	if strings.Contains(never, "complete-form") && !strings.Contains(never, "填写公开页面的网址作为佐证") {
		t.Error("登记完成 does not say what it is for")
	}
}

// The office user's list opens with a summary line and the way to the calendar feed.
func TestItemsSummaryLine(t *testing.T) {
	f := newFixture(t, false)
	office := f.as(t, "office")
	resp, body := office.get("/items")
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(body, `id="items-summary"`) || !strings.Contains(body, "已逾期 1 项") ||
		!strings.Contains(body, fmt.Sprintf(`href="/offices/%d/calendar"`, f.officeA1)) {
		t.Errorf("no summary line or calendar link:\n%s", body)
	}
}
