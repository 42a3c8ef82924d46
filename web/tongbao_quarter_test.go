package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// tongbaoSheet is the 通报 xlsx of a query: the number of cycles due in the summary line and
// each office's figures (到期 … 仍逾期).
func tongbaoSheet(t *testing.T, c *client, query string) (due int, offices map[string][5]int) {
	t.Helper()
	resp, body := c.get("/tongbao.xlsx?" + query)
	wantStatus(t, resp, body, http.StatusOK)
	rows := readSheet(t, body, "完成情况")
	m := regexp.MustCompile(`到期 (\d+) 个周期`).FindStringSubmatch(rows[2][0])
	if m == nil {
		t.Fatalf("%s: summary %q", query, rows[2][0])
	}
	due, _ = strconv.Atoi(m[1])
	offices = map[string][5]int{}
	for _, r := range rows[5:] {
		var f [5]int
		for i := range f {
			f[i], _ = strconv.Atoi(r[2+i])
		}
		offices[r[1]] = f
	}
	return due, offices
}

// The quarterly 通报 of 甲局's 2024Q2 is the sum of its April, May and June: the cycles due, and
// each office's line; the page names the quarter, its xlsx link keeps it, and a bad quarter is
// refused naming the control.
func TestTongbaoQuarter(t *testing.T) {
	f := newFixture(t, false)
	lead := f.as(t, "supervisor")
	wantDue, wantOffices := 0, map[string][5]int{}
	for _, m := range []string{"2024-04", "2024-05", "2024-06"} {
		due, offices := tongbaoSheet(t, lead, fmt.Sprintf("unit=%d&month=%s", f.unitA, m))
		wantDue += due
		for name, o := range offices {
			w := wantOffices[name]
			for i := range w {
				w[i] += o[i]
			}
			wantOffices[name] = w
		}
	}
	if wantDue < 3 {
		t.Fatalf("the fixture's 2024Q2 has %d cycles due, want April's two and May's", wantDue)
	}
	due, offices := tongbaoSheet(t, lead, fmt.Sprintf("unit=%d&quarter=2024Q2", f.unitA))
	if due != wantDue || len(offices) != len(wantOffices) {
		t.Errorf("quarter: %d due, offices %v; want %d and %v", due, offices, wantDue, wantOffices)
	}
	for name, w := range wantOffices {
		if offices[name] != w {
			t.Errorf("%s in the quarter: %v, want the months' sum %v", name, offices[name], w)
		}
	}

	resp, body := lead.get(fmt.Sprintf("/tongbao?unit=%d&quarter=2024q2", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	text := strings.Join(strings.Fields(pageText(body)), " ")
	for _, want := range []string{"甲局 2024年第二季度政务公开工作通报", fmt.Sprintf("2024年第二季度到期 %d 个周期", wantDue), "本季度督办升级通知"} {
		if !strings.Contains(text, want) {
			t.Errorf("the quarter's page does not say %q:\n%s", want, text)
		}
	}
	if !strings.Contains(body, fmt.Sprintf(`href="/tongbao.xlsx?unit=%d&amp;quarter=2024Q2"`, f.unitA)) {
		t.Error("the quarter's xlsx link does not carry the quarter")
	}
	noCodes(t, "tongbao", body)
	// the digest line of a quarterly 通报 links with the quarter as its month
	resp, body = lead.get(fmt.Sprintf("/tongbao?unit=%d&month=2024Q2", f.unitA))
	wantStatus(t, resp, body, http.StatusOK)
	if !strings.Contains(pageText(body), "2024年第二季度政务公开工作通报") {
		t.Error("month=2024Q2 does not show the quarter")
	}

	for _, bad := range []string{"2024Q5", "2024-04", "Q2"} {
		resp, body = lead.get("/tongbao?quarter=" + bad)
		wantStatus(t, resp, body, http.StatusBadRequest)
		if !strings.Contains(body, "季度") {
			t.Errorf("quarter %s is refused without naming the control", bad)
		}
	}
}
