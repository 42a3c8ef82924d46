package web

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zwgk/zwgk/store"
	"github.com/zwgk/zwgk/testenv"
	"github.com/zwgk/zwgk/workflows"
)

// A small but complete PDF (one empty page, a correct xref table), as a scanner saves a notice.
func testPDF(extra string) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	if extra != "" {
		fmt.Fprintf(&b, "%% %s\n", extra)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for x := 0; x < 40; x++ {
		img.Set(x, 10, color.RGBA{200, 0, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testDOCX is a minimal Word document: the parts Word itself needs to open it.
func testDOCX(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>关于公开2023年度政府信息公开工作年报的说明</w:t></w:r></w:p></w:body></w:document>`,
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(parts[name]))
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testXLSX(t *testing.T) []byte {
	t.Helper()
	x := excelize.NewFile()
	x.SetCellValue("Sheet1", "A1", "公开台账")
	b, err := x.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// complete sends the item page's completion form with a file, as a browser does.
func (c *client) complete(item int64, fields map[string]string, file string, data []byte) (*http.Response, string) {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField(csrfField, c.csrf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		w, err := mw.CreateFormFile(evidenceField, file)
		if err != nil {
			c.t.Fatal(err)
		}
		w.Write(data)
	}
	mw.Close()
	return c.do("POST", fmt.Sprintf("/items/%d/complete", item), &b, mw.FormDataContentType(), false)
}

func (f *fixture) evidenceCount(t *testing.T, item int64) int {
	t.Helper()
	files, err := f.st.ItemEvidence(context.Background(), item)
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}

// An office completes with a PDF, a screenshot, a Word and an Excel file: each is stored for the
// cycle, its download URL is the evidence the workflow gets, the item page lists it, and the
// download gives back the very bytes, as an attachment of the sniffed type.
func TestEvidenceUploadAndDownload(t *testing.T) {
	f := newFixture(t, false)
	office := f.as(t, "office")
	files := []struct {
		name, ctype string
		data        []byte
	}{
		{"2023年报.pdf", "application/pdf", testPDF("")},
		{"网页截图.PNG", "image/png", testPNG(t)},
		{"说明.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", testDOCX(t)},
		{"台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", testXLSX(t)},
	}
	for i, file := range files {
		resp, body := office.complete(f.itemA1, map[string]string{"note": "已公开"}, file.name, file.data)
		wantStatus(t, resp, body, http.StatusSeeOther)
		c, n := f.cmd.last()
		if n != i+1 {
			t.Fatalf("%s: %d workflow calls, want %d", file.name, n, i+1)
		}
		got := c.arg.(workflows.Completion)
		stored, err := f.st.ItemEvidence(context.Background(), f.itemA1)
		if err != nil || len(stored) != i+1 {
			t.Fatalf("%s: stored %d files (%v)", file.name, len(stored), err)
		}
		ev := stored[i]
		want := fmt.Sprintf("http://zwgk.test/items/%d/evidence/%d", f.itemA1, ev.ID)
		if got.EvidenceURL != want || got.Cycle != "2024" || got.By != "bangongshi" || got.Note != "已公开" {
			t.Fatalf("%s: completion %+v, want evidence %s for cycle 2024", file.name, got, want)
		}
		sum := sha256.Sum256(file.data)
		if ev.Name != file.name || ev.ContentType != file.ctype || ev.Size != int64(len(file.data)) ||
			ev.SHA256 != hex.EncodeToString(sum[:]) || ev.CycleKey != "2024" || ev.Uploader != "bangongshi" || ev.UploadedBy != f.users["office"].ID {
			t.Fatalf("%s: stored %+v", file.name, ev)
		}

		resp, body = office.get(fmt.Sprintf("/items/%d/evidence/%d", f.itemA1, ev.ID))
		wantStatus(t, resp, body, http.StatusOK)
		if body != string(file.data) {
			t.Fatalf("%s: downloaded %d bytes, not the %d uploaded", file.name, len(body), len(file.data))
		}
		h := resp.Header
		_, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if h.Get("Content-Type") != file.ctype || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || err != nil || params["filename"] != file.name {
			t.Fatalf("%s: download headers %v (%v)", file.name, h, err)
		}
	}
	// the audit log keeps the digest of the file
	entries, err := f.st.AuditLog(context.Background(), store.AuditFilter{Actor: "bangongshi"})
	if err != nil || len(entries) == 0 || entries[0].Action != "item.complete" || !strings.Contains(string(entries[0].Detail), `"sha256"`) {
		t.Fatalf("audit of the completion with a file: %v %+v", err, entries)
	}

	resp, body := office.get(fmt.Sprintf("/items/%d", f.itemA1))
	wantStatus(t, resp, body, http.StatusOK)
	for _, file := range files {
		if !strings.Contains(body, ">"+file.name+"</a>") {
			t.Errorf("the item page does not list %s", file.name)
		}
	}
	if !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `name="evidence_file"`) {
		t.Error("the completion form takes no file")
	}

	// a URL and a file: the published page stays the evidence, the file is named in the note
	resp, body = office.complete(f.itemA1, map[string]string{"evidence_url": "https://gk.example.gov.cn/nb.html", "cycle": "2024"}, "附件.pdf", testPDF(""))
	wantStatus(t, resp, body, http.StatusSeeOther)
	c, _ := f.cmd.last()
	got := c.arg.(workflows.Completion)
	if got.EvidenceURL != "https://gk.example.gov.cn/nb.html" || !strings.Contains(got.Note, "附件.pdf http://zwgk.test/items/") {
		t.Fatalf("completion with a URL and a file: %+v", got)
	}

	// neither: the form says both are possible
	resp, body = office.complete(f.itemA1, nil, "", nil)
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "或上传佐证文件") {
		t.Errorf("completion without evidence: %.500s", body)
	}
}

// Files that are not what they say, too large, or refused by the scanner are not stored and the
// workflow hears nothing; each refusal says why in Chinese.
func TestEvidenceRefused(t *testing.T) {
	f := newFixture(t, false)
	office := f.as(t, "office")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	exe = append(exe, []byte("This program cannot be run in DOS mode.")...)
	zipped := func() []byte { // a zip that is no Office file
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		w, _ := z.Create("setup.exe")
		w.Write(exe)
		z.Close()
		return b.Bytes()
	}()
	macros := func() []byte { // a macro-enabled Word document renamed .docx
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		src, err := zip.NewReader(bytes.NewReader(testDOCX(t)), int64(len(testDOCX(t))))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range src.File {
			w, _ := z.Create(f.Name)
			rc, _ := f.Open()
			io.Copy(w, rc)
			rc.Close()
		}
		w, _ := z.Create("word/vbaProject.bin")
		w.Write([]byte("Attribute VB_Name = \"ThisDocument\""))
		z.Close()
		return b.Bytes()
	}()
	cases := []struct {
		name   string
		file   string
		data   []byte
		status int
		want   string
	}{
		{"a program renamed .pdf", "年报.pdf", exe, http.StatusBadRequest, "内容不是PDF"},
		{"a zip renamed .docx", "说明.docx", zipped, http.StatusBadRequest, "内容不是"},
		{"a document with macros", "说明.docx", macros, http.StatusBadRequest, "内容不是"},
		{"a PNG named .pdf", "截图.pdf", testPNG(t), http.StatusBadRequest, "扩展名是 .pdf，内容却是PNG 图片"},
		{"an extension not taken", "年报.exe", testPDF(""), http.StatusBadRequest, "只能上传PDF"},
		{"an empty file", "年报.pdf", nil, http.StatusBadRequest, "是空的"},
		{"a file over 20 MB", "扫描件.pdf", append(testPDF(""), bytes.Repeat([]byte{' '}, maxEvidence)...), http.StatusRequestEntityTooLarge, "超过 20 MB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := office.complete(f.itemA1, nil, tc.file, tc.data)
			wantStatus(t, resp, body, tc.status)
			if !strings.Contains(body, tc.want) {
				t.Errorf("answer lacks %q: %.600s", tc.want, pageText(body))
			}
		})
	}
	// a body past the route's limit is cut while it is parsed, with the same words (through a
	// recorder: a real client may see its connection closed before it has sent the rest)
	var big bytes.Buffer
	mw := multipart.NewWriter(&big)
	mw.WriteField(csrfField, office.csrf)
	fw, _ := mw.CreateFormFile(evidenceField, "扫描件.pdf")
	fw.Write(append(testPDF(""), bytes.Repeat([]byte{' '}, maxUpload)...))
	mw.Close()
	req := httptest.NewRequest("POST", fmt.Sprintf("/items/%d/complete", f.itemA1), &big)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(office.cookie)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "超过 20 MB") {
		t.Errorf("a body over the upload limit: %d %.600s", rec.Code, pageText(rec.Body.String()))
	}
	var resp *http.Response
	var body string

	// the scan hook gets the file on stdin; a non-zero exit refuses it
	f.srv.opt.ScanCommand = `! grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE`
	resp, body = office.complete(f.itemA1, nil, "年报.pdf", testPDF("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"))
	wantStatus(t, resp, body, http.StatusBadRequest)
	if !strings.Contains(body, "未通过病毒扫描") {
		t.Errorf("scan refusal: %.600s", pageText(body))
	}
	f.srv.opt.ScanCommand = `sh -c 'exit 1'`
	resp, body = office.complete(f.itemA1, nil, "年报.pdf", testPDF(""))
	wantStatus(t, resp, body, http.StatusBadRequest)
	f.srv.opt.ScanCommand = `exit 2` // the scanner itself failed (clamdscan: no daemon)
	resp, body = office.complete(f.itemA1, nil, "年报.pdf", testPDF(""))
	wantStatus(t, resp, body, http.StatusServiceUnavailable)
	if !strings.Contains(body, "病毒扫描未能完成") {
		t.Errorf("scanner failure: %.600s", pageText(body))
	}
	if _, n := f.cmd.last(); n != 0 || f.evidenceCount(t, f.itemA1) != 0 {
		t.Fatalf("refused files reached the workflow (%d calls) or the database (%d files)", n, f.evidenceCount(t, f.itemA1))
	}
	// a clean file passes the same scanner
	f.srv.opt.ScanCommand = `! grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE`
	resp, body = office.complete(f.itemA1, nil, "年报.pdf", testPDF(""))
	wantStatus(t, resp, body, http.StatusSeeOther)

	// a completion the workflow refuses takes its file away again
	f.cmd.err = fmt.Errorf("complete item-x: %w: cycle 2024 is already done", workflows.ErrRejected)
	resp, body = office.complete(f.itemA1, nil, "年报.pdf", testPDF(""))
	wantStatus(t, resp, body, http.StatusConflict)
	if n := f.evidenceCount(t, f.itemA1); n != 1 {
		t.Fatalf("%d files after a refused completion, want the 1 accepted before", n)
	}
}

// The download is the item page's: the office of another item, a supervisor of another unit
// and anonymous visitors do not get the file, and a file id is good only under its own item.
func TestEvidenceDownloadScope(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	ev, err := f.st.AddEvidence(ctx, store.Evidence{ItemID: f.itemA1, CycleKey: "2024", Name: "年报.pdf", ContentType: "application/pdf",
		Content: testPDF(""), Uploader: "bangongshi", UploadedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/items/%d/evidence/%d", f.itemA1, ev.ID)
	for role, want := range map[string]int{"office": http.StatusOK, "supervisor": http.StatusOK, "admin": http.StatusOK,
		"office2": http.StatusForbidden, "anonymous": http.StatusSeeOther} {
		resp, body := f.as(t, role).get(path)
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d: %.300s", role, resp.StatusCode, want, body)
		}
	}
	foreign, _, err := CreateUser(ctx, f.st, "zonghe", "", store.RoleOffice, "password-zonghe", []int64{f.officeB}, nil, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.users["foreign"] = foreign
	resp, body := f.as(t, "foreign").get(path)
	wantStatus(t, resp, body, http.StatusForbidden)
	// 乙局's user asks for the file under 乙局's item: that item has no such file
	resp, body = f.as(t, "foreign").get(fmt.Sprintf("/items/%d/evidence/%d", f.itemB, ev.ID))
	wantStatus(t, resp, body, http.StatusNotFound)
	if !strings.Contains(body, "找不到该佐证文件") {
		t.Errorf("404 of a file under another item: %.300s", pageText(body))
	}
}

// Against the real item workflow: a file alone completes the cycle, the workflow takes its
// download URL as the evidence, and the cycle's projection carries it.
func TestEvidenceCompletesTheRealWorkflow(t *testing.T) {
	// its own list: workflow ids are made of the unit, year and item key, and each test's fresh
	// database numbers its unit 1 on the one Temporal server of the test process
	f, wc, items := liveList(t, "序号,工作任务,责任科室,完成时限\n1,规范性文件及时公开（附佐证文件）,办公室,及时公开\n")
	item := items[0]
	ctx := context.Background()
	var office int64
	if err := f.st.Pool.QueryRow(ctx, `SELECT office_id FROM item_offices WHERE item_id = $1`, item.ID).Scan(&office); err != nil {
		t.Fatal(err)
	}
	u, _, err := CreateUser(ctx, f.st, "bangongshi", "办公室联络员", store.RoleOffice, "password-bangongshi", []int64{office}, nil, store.Audit{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.users["office"] = u
	if _, err := wc.RecordEvent(ctx, item.WorkflowID, workflows.Event{At: time.Now().Add(-time.Minute), Title: "印发《第一号文件》", By: "admin"}); err != nil {
		t.Fatal(err)
	}
	c := f.asNow(t, "office")
	pdf := testPDF("")
	resp, body := c.complete(item.ID, nil, "第一号文件.pdf", pdf)
	wantStatus(t, resp, body, http.StatusSeeOther)
	st, err := wc.Query(ctx, item.WorkflowID)
	if err != nil {
		t.Fatal(err)
	}
	if s := cycleStatus(t, st, "E1"); s != "done" {
		t.Fatalf("E1 is %s after its completion with a file", s)
	}
	files, err := f.st.ItemEvidence(ctx, item.ID)
	if err != nil || len(files) != 1 || files[0].CycleKey != "E1" {
		t.Fatalf("files %+v (%v)", files, err)
	}
	var evidence string
	if err := f.st.Pool.QueryRow(ctx, `SELECT evidence_url FROM item_cycles WHERE item_id = $1 AND cycle_key = 'E1'`, item.ID).Scan(&evidence); err != nil {
		t.Fatal(err)
	}
	if want := f.srv.evidenceURL(item.ID, files[0].ID); evidence != want {
		t.Fatalf("cycle evidence %q, want %q", evidence, want)
	}
	resp, body = c.get(strings.TrimPrefix(evidence, f.srv.opt.BaseURL))
	wantStatus(t, resp, body, http.StatusOK)
	if body != string(pdf) {
		t.Fatal("the file downloaded through the workflow's evidence URL is not the one uploaded")
	}
}

// asNow is a browser of a user whose session is valid by the real clock, for the live fixture
// (whose server has no pinned "today").
func (f *fixture) asNow(t *testing.T, role string) *client {
	t.Helper()
	u, ok := f.users[role]
	if !ok {
		t.Fatalf("no user %s", role)
	}
	tok := randomToken(32)
	if err := f.st.CreateSession(context.Background(), tok, u.ID, time.Now().Add(time.Hour), "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	return &client{t: t, f: f, cookie: &http.Cookie{Name: sessionCookie, Value: tok}, csrf: f.srv.csrfToken(tok)}
}

// BenchmarkEvidence uploads a 10 MB PDF through the completion form and downloads it back:
// the cost of keeping files in PostgreSQL, per file (go test -run '^$' -bench Evidence ./web).
func BenchmarkEvidence(b *testing.B) {
	ctx := context.Background()
	st := testenv.Store(b)
	var unit, office, item int64
	q := func(sql string, dst *int64, args ...any) {
		if err := st.Pool.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			b.Fatal(err)
		}
	}
	q(`INSERT INTO units (name) VALUES ('基准局') RETURNING id`, &unit)
	q(`INSERT INTO offices (unit_id, name) VALUES ($1, '办公室') RETURNING id`, &office, unit)
	var list int64
	q(`INSERT INTO lists (unit_id, year, title) VALUES ($1, 2024, '清单') RETURNING id`, &list, unit)
	q(`INSERT INTO items (list_id, key, seq, title, requirement, rule, workflow_id, source_file, source_row)
		VALUES ($1, '0000000000000001', 1, '事项', '要求', '{"kind":"deadline","text":"4月底","due":"2024-04-30"}', 'wf-bench', 'a.csv', 2) RETURNING id`, &item, list)
	if _, err := st.Pool.Exec(ctx, `INSERT INTO item_offices (item_id, office_id, role) VALUES ($1, $2, 'lead')`, item, office); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Pool.Exec(ctx, `INSERT INTO item_state (item_id, workflow_id, seq, status, cycle_key) VALUES ($1, 'wf-bench', 1, 'overdue', '2024')`, item); err != nil {
		b.Fatal(err)
	}
	u, _, err := CreateUser(ctx, st, "bench-office", "", store.RoleOffice, "password-bench", []int64{office}, nil, store.Audit{Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Options{Store: st, Items: &recorder{}, Secret: []byte("test-secret-0123456789abcdef-9f3kq7xz"), BaseURL: "http://zwgk.test"})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tok := randomToken(32)
	if err := st.CreateSession(ctx, tok, u.ID, time.Now().Add(time.Hour), "127.0.0.1", "bench"); err != nil {
		b.Fatal(err)
	}
	cookie := &http.Cookie{Name: sessionCookie, Value: tok}
	pdf := testPDF(strings.Repeat("0123456789abcdef", 10<<20/16))
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField(csrfField, srv.csrfToken(tok))
	fw, _ := mw.CreateFormFile(evidenceField, "扫描件.pdf")
	fw.Write(pdf)
	mw.Close()
	send := func(method, path string, body []byte, ctype string) (int, int64) {
		req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		req.AddCookie(cookie)
		resp, err := noRedirect.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, n
	}
	b.SetBytes(int64(len(pdf)))
	b.ResetTimer()
	var up, down time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if code, _ := send("POST", fmt.Sprintf("/items/%d/complete", item), form.Bytes(), mw.FormDataContentType()); code != http.StatusSeeOther {
			b.Fatalf("upload: %d", code)
		}
		up += time.Since(start)
		b.StopTimer()
		files, err := st.ItemEvidence(ctx, item)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start = time.Now()
		if code, n := send("GET", fmt.Sprintf("/items/%d/evidence/%d", item, files[len(files)-1].ID), nil, ""); code != http.StatusOK || n != int64(len(pdf)) {
			b.Fatalf("download: %d, %d bytes", code, n)
		}
		down += time.Since(start)
	}
	b.ReportMetric(float64(up.Milliseconds())/float64(b.N), "upload-ms/op")
	b.ReportMetric(float64(down.Milliseconds())/float64(b.N), "download-ms/op")
}
