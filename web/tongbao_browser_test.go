package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/zwgk/zwgk/web/e2e"
)

// docxFetch is what the browser got from the 通报 page's 导出 Word link, fetched with the
// page's session: the status, the content type and the first bytes of the body.
type docxFetch struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Head   string `json:"head"`
	Size   int    `json:"size"`
}

func fetchDocxLink(t *testing.T, b *e2e.Browser) docxFetch {
	t.Helper()
	js := `(async () => {
		const a = document.querySelector('#tongbao-docx');
		const r = await fetch(a.href, {credentials: 'same-origin'});
		const buf = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, type: r.headers.get('Content-Type'), head: String.fromCharCode(buf[0], buf[1]), size: buf.length};
	})()`
	got, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[docxFetch](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch the docx link: %v", err)
	}
	return got
}

// TestTongbaoDocxInBrowser: a supervisor reaches the 通报 from the menu, finds 导出 Word beside
// 导出 Excel, and its link gives a Word document (a zip) for the month shown; after choosing the
// quarter the link follows it. An admin gets the same; an office user has no 通报 in the menu.
func TestTongbaoDocxInBrowser(t *testing.T) {
	f := newFixture(t, false)
	b := e2e.NewBrowser(t)
	base := f.ts.URL

	b.Login(base, "lingdao", "password-lingdao")
	b.Do("items", chromedp.Navigate(base+"/items"), chromedp.WaitVisible(chromedp.CSS("header.top nav")))
	b.Do("通报", chromedp.Click(chromedp.CSS(`header.top nav a[href="/tongbao"]`)), chromedp.WaitVisible(chromedp.ID("tongbao-docx")))
	b.Must(b.Text("#tongbao-docx") == "导出 Word" && b.Text("#tongbao-xlsx") == "导出 Excel", "the exports read %q and %q", b.Text("#tongbao-xlsx"), b.Text("#tongbao-docx"))
	got := fetchDocxLink(t, b)
	b.Must(got.Status == 200 && got.Type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document" && got.Head == "PK" && got.Size > 2000,
		"the 导出 Word link gave %+v", got)
	b.Must(strings.Contains(b.Text("#tongbao"), "四、依申请公开办理情况"), "the page lacks the 依申请公开 section")

	b.Do("quarter", chromedp.SetValue(chromedp.CSS(`#tongbao-quarter-form input[name="quarter"]`), "2024Q2"))
	b.Submit("quarter", `#tongbao-quarter-form button[type="submit"]`)
	href, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.querySelector('#tongbao-docx').getAttribute('href')`))
	if err != nil {
		t.Fatal(err)
	}
	b.Must(strings.HasSuffix(href, fmt.Sprintf("unit=%d&quarter=2024Q2", f.unitA)), "the quarter's docx link is %s", href)
	got = fetchDocxLink(t, b)
	b.Must(got.Status == 200 && got.Head == "PK", "the quarter's 导出 Word gave %+v", got)
	b.Logout()

	b.Login(base, "root", "password-root")
	b.Do("admin 通报", chromedp.Navigate(fmt.Sprintf("%s/tongbao?unit=%d", base, f.unitA)), chromedp.WaitVisible(chromedp.ID("tongbao-docx")))
	got = fetchDocxLink(t, b)
	b.Must(got.Status == 200 && got.Head == "PK", "the admin's 导出 Word gave %+v", got)
	b.Logout()

	b.Login(base, "fagui", "password-fagui")
	b.Do("office items", chromedp.Navigate(base+"/items"), chromedp.WaitVisible(chromedp.CSS("header.top nav")))
	b.Must(!strings.Contains(b.Text("header.top nav"), "通报"), "an office user is offered the 通报")
}
