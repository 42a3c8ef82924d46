package importer

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// decodeText turns the bytes of a text, CSV or HTML file into a string: UTF-8 with or without
// BOM, UTF-16 with BOM (Excel's "Unicode text"), or GB18030 (a superset of GBK and GB2312, what
// Excel and WPS write on a Chinese Windows). Binary data is refused.
func decodeText(name string, data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		s, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", Issue{File: name, Message: "UTF-16 文字无法解码：" + err.Error()}
		}
		return string(s), nil
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", Issue{File: name, Row: lineOf(data, i), Message: "这不是文本文件（含二进制数据）：请上传 .xlsx、.docx、.csv、.html 或 .txt"}
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(s, utf8.RuneError) {
		at := firstInvalidUTF8(data)
		return "", Issue{File: name, Row: lineOf(data, at), Message: "无法识别文件的文字编码（既不是 UTF-8 也不是 GBK/GB18030）：请另存为 UTF-8 编码"}
	}
	out := string(s)
	if !plausibleChinese(out) {
		return "", Issue{File: name, Message: "无法识别文件的文字编码（按 GBK 解码后不像中文）：请另存为 UTF-8 编码"}
	}
	return out, nil
}

func lineOf(data []byte, at int) int {
	if at < 0 {
		return 0
	}
	return bytes.Count(data[:at], []byte{'\n'}) + 1
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// plausibleChinese guards against binary-ish data that GB18030 happens to decode: text decoded
// from a real GBK file is mostly common Han characters, ASCII and punctuation.
func plausibleChinese(s string) bool {
	total, odd := 0, 0
	for _, r := range s {
		total++
		switch {
		case r < 0x80, r >= 0x4E00 && r <= 0x9FFF, r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFFEF,
			r >= 0x2000 && r <= 0x27BF, strings.ContainsRune("“”‘’…—·", r):
		default:
			odd++
		}
	}
	return total == 0 || odd*10 < total
}
