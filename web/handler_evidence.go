package web

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/zwgk/zwgk/store"
)

// Evidence files: an office that marks a cycle done may attach the document itself (the PDF of
// the notice, a screenshot of the published page, the Word or Excel file) beside or instead of
// the URL of the published page. The file is checked by its content, not by its name or the
// type the browser claims; optionally scanned by a command the operator names
// (ZWGK_SCAN_COMMAND); stored in PostgreSQL with its sha256; and served back only to those who
// may see the item, as an attachment of the type it was sniffed as, so that a browser never
// renders an uploaded file as a page of this site.

// maxEvidence is the largest file accepted. The route's body limit is maxUpload, a little more,
// so that a file just over 20 MB is refused by the check below, which says so.
const maxEvidence = 20 << 20

// evidenceField is the form field of the file.
const evidenceField = "evidence_file"

// scanTimeout bounds the scan command: clamdscan answers in seconds, a hung scanner must not
// hold the request until the client gives up.
const scanTimeout = 2 * time.Minute

// evidenceKind is a type of file accepted as evidence.
type evidenceKind struct {
	contentType string
	label       string // how users call it
	exts        []string
}

var evidenceKinds = []evidenceKind{
	{"application/pdf", "PDF", []string{".pdf"}},
	{"image/png", "PNG 图片", []string{".png"}},
	{"image/jpeg", "JPG 图片", []string{".jpg", ".jpeg"}},
	{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档（.docx）", []string{".docx"}},
	{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格（.xlsx）", []string{".xlsx"}},
}

const evidenceKindsText = "PDF、PNG、JPG 图片、Word（.docx）或 Excel（.xlsx）"

// sniffEvidence says what a file is by its bytes. Office files are zip archives: a docx or xlsx
// is told by the part every such file has (word/document.xml, xl/workbook.xml) in the zip's
// directory, which is read without inflating anything.
func sniffEvidence(data []byte) (evidenceKind, bool) {
	ct := http.DetectContentType(data)
	if ct == "application/zip" || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return evidenceKind{}, false
		}
		var types, word, excel bool
		for _, f := range zr.File {
			// a macro-enabled document renamed .docx or .xlsx carries its macros in this part
			if strings.HasSuffix(strings.ToLower(f.Name), "vbaproject.bin") {
				return evidenceKind{}, false
			}
			switch f.Name {
			case "[Content_Types].xml":
				types = true
			case "word/document.xml":
				word = true
			case "xl/workbook.xml":
				excel = true
			}
		}
		switch {
		case types && word && !excel:
			ct = evidenceKinds[3].contentType
		case types && excel && !word:
			ct = evidenceKinds[4].contentType
		default:
			return evidenceKind{}, false
		}
	}
	for _, k := range evidenceKinds {
		if k.contentType == ct {
			return k, true
		}
	}
	return evidenceKind{}, false
}

// evidenceUpload is a file sent with a completion, checked.
type evidenceUpload struct {
	name string
	kind evidenceKind
	data []byte
}

// readEvidence returns the file of a completion form, or nil when none was chosen.
func readEvidence(r *http.Request) (*evidenceUpload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	fhs := r.MultipartForm.File[evidenceField]
	if len(fhs) == 0 {
		return nil, nil
	}
	if len(fhs) > 1 {
		return nil, badRequest("一次只能上传一个佐证文件。")
	}
	fh := fhs[0]
	name := evidenceName(fh.Filename)
	if fh.Size > maxEvidence {
		return nil, &httpError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("佐证文件“%s”超过 20 MB，未保存：请压缩（如降低扫描分辨率）或拆分后再上传。", name)}
	}
	if fh.Size == 0 {
		return nil, badRequest("佐证文件“%s”是空的，请重新选择文件。", name)
	}
	ext := strings.ToLower(filepath.Ext(name))
	var byName *evidenceKind
	for i, k := range evidenceKinds {
		for _, e := range k.exts {
			if e == ext {
				byName = &evidenceKinds[i]
			}
		}
	}
	if byName == nil {
		return nil, badRequest("只能上传%s作为佐证文件，“%s”不是这几种文件。", evidenceKindsText, name)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open evidence upload %q: %w", name, err)
	}
	defer f.Close()
	// read into one buffer of the announced size: io.ReadAll would grow and copy it
	data := make([]byte, fh.Size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("read evidence upload %q: %w", name, err)
	}
	kind, ok := sniffEvidence(data)
	switch {
	case !ok:
		return nil, badRequest("“%s”的内容不是%s（可能是改了扩展名的其他文件，如程序或压缩包），未保存。请上传原始文件。", name, evidenceKindsText)
	case kind.contentType != byName.contentType:
		return nil, badRequest("“%s”的扩展名是 %s，内容却是%s，未保存：请确认选对了文件，或改正扩展名后再上传。", name, ext, kind.label)
	}
	return &evidenceUpload{name: name, kind: kind, data: data}, nil
}

// evidenceName keeps the last element of an uploaded file's name (old browsers send the whole
// path), without control characters, at most 100 characters with the extension kept.
func evidenceName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name))
	if r := []rune(name); len(r) > 100 {
		ext := []rune(filepath.Ext(name))
		if len(ext) > 10 {
			ext = nil
		}
		name = string(r[:100-len(ext)]) + string(ext)
	}
	if strings.TrimSuffix(name, filepath.Ext(name)) == "" {
		name = "佐证材料" + name
	}
	return name
}

// scanEvidence runs ZWGK_SCAN_COMMAND (through sh, so that the operator may write it as on a
// command line) with the file on stdin; any exit but 0 refuses the file. Off when unset.
func (s *Server) scanEvidence(ctx context.Context, up *evidenceUpload) error {
	if s.opt.ScanCommand == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, scanTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", s.opt.ScanCommand)
	cmd.Stdin = bytes.NewReader(up.data)
	out := &cappedBuffer{max: 2048}
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		s.log.Error("web: evidence scan timed out", "file", up.name, "command", s.opt.ScanCommand, "output", out.String())
		return &httpError{status: http.StatusServiceUnavailable, msg: "病毒扫描超时，文件未保存，请稍后再试；多次出现请联系政务公开办。"}
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		s.log.Warn("web: evidence refused by the scan", "file", up.name, "output", out.String())
		return badRequest("“%s”未通过病毒扫描，未保存。请用杀毒软件检查后重新上传；如确认文件无害，请联系政务公开办。", up.name)
	default:
		s.log.Error("web: evidence scan failed", "file", up.name, "command", s.opt.ScanCommand, "err", err, "output", out.String())
		return &httpError{status: http.StatusServiceUnavailable, msg: "病毒扫描未能完成，文件未保存，请稍后再试；多次出现请联系政务公开办。"}
	}
}

// cappedBuffer keeps the first max bytes written to it, for the log, and accepts the rest.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// evidenceURL is where a stored file is downloaded; the completion sent to the workflow
// carries it as its evidence, since the workflow takes an http(s) URL and this one stays valid.
func (s *Server) evidenceURL(item, id int64) string {
	return s.opt.BaseURL + "/items/" + itoa(item) + "/evidence/" + itoa(id)
}

var evidencePath = regexp.MustCompile(`/items/\d+/evidence/\d+$`)

// isEvidenceURL tells the download URL of a stored file from the URL of a published page, so
// that the item page lists the file once.
func isEvidenceURL(u string) bool { return evidencePath.MatchString(u) }

// evidenceRef is what the audit log keeps of a file: enough to tell it is the one served.
type evidenceRef struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"content_type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// completionAudit is the audit detail of a completion with a file.
type completionAudit struct {
	Cycle       string       `json:"cycle,omitempty"`
	EvidenceURL string       `json:"evidence_url"`
	Note        string       `json:"note,omitempty"`
	By          string       `json:"by"`
	File        *evidenceRef `json:"evidence_file,omitempty"`
}

// evidenceDownload serves a stored file to whoever may see its item (the route's item scope),
// as an attachment of its sniffed type, never rendered inline.
func (s *Server) evidenceDownload(w http.ResponseWriter, r *http.Request, rc *reqCtx) error {
	id, err := pathID(r, "eid")
	if err != nil {
		return err
	}
	e, err := s.st.EvidenceFile(r.Context(), rc.item.ItemID, id)
	if errors.Is(err, store.ErrNotFound) {
		return &httpError{status: http.StatusNotFound, msg: "找不到该佐证文件：可能编号有误，或它不属于这个事项。"}
	}
	if err != nil {
		return err
	}
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": e.Name})
	if disp == "" {
		disp = "attachment; filename=\"evidence-" + itoa(e.ID) + filepath.Ext(e.Name) + "\""
	}
	h := w.Header()
	h.Set("Content-Type", e.ContentType)
	h.Set("Content-Disposition", disp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(int64(len(e.Content)), 10))
	h.Set("Cache-Control", "private, no-store")
	// opened despite the attachment (some viewers do), the file runs nothing of this origin
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("ETag", `"sha256-`+e.SHA256+`"`)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err = w.Write(e.Content)
	return err
}

// fileSize is a size as people read it.
func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}
