package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/zwgk/zwgk/calendar"
)

// decodeInput reads a handler's input into dst, a pointer to a struct: the JSON body for an API
// call (decodeJSON, unknown fields refused), the posted form otherwise, one field per `form` tag.
// Both roads end in the same struct so that a handler checks its input once, whichever way it came.
//
// Form values by field type:
//   - string: the first value, untrimmed (the handler's check trims, as it does for JSON), or
//     with `form:"name,trim"` trimmed where only the form's value is to be trimmed;
//   - []string: every value of the control, or with `form:"name,split"` one text field split
//     by splitNames (别名 typed as 甲、乙);
//   - map[string][]string: with `form:"prefix:*"`, every control whose name starts with the
//     prefix, keyed by the rest of its name (group:各股室 → 各股室);
//   - bool, *bool: a checkbox or hidden field, true unless absent, empty or "0"; *bool is always
//     set, since a form without the box means "no" where JSON without the key means "default";
//   - int, int64: trimmed, empty is 0, negative refused;
//   - []int64: every non-empty value, each an id (> 0);
//   - calendar.Date: trimmed, empty is the zero date, a bad one refused as formDate does;
//   - upload: the file of a multipart form's file control, nil if none was sent.
//
// A bad number names the control by its `label` tag (the form tag if none), in the words the
// handlers used before: "科室编号无效：x". A struct whose form is more than named controls (the
// corrections form's role:<column> beside was:<column>) reads the rest in a readForm method,
// called after its tagged fields.
func decodeInput(r *http.Request, rc *reqCtx, dst any) error {
	return decodeBody(r, rc.api, dst)
}

// decodeBody is decodeInput with the road chosen by the caller: an API upload (multipart, its
// fields beside the file) or a page's form on a route whose API body is not JSON.
func decodeBody(r *http.Request, asJSON bool, dst any) error {
	if asJSON {
		return decodeJSON(r, dst)
	}
	if r.PostForm == nil {
		if err := r.ParseForm(); err != nil {
			return badRequest("表单无效：%v", err)
		}
	}
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("web: decodeInput wants a pointer to a struct, got %T", dst)
	}
	if err := decodeForm(r, v.Elem()); err != nil {
		return err
	}
	if fr, ok := dst.(formReader); ok {
		return fr.readForm(r.PostForm)
	}
	return nil
}

// formReader is a decodeInput target that reads part of its form itself.
type formReader interface {
	readForm(form url.Values) error
}

// upload is a file sent in a multipart form's file control.
type upload struct {
	Name string
	Data []byte
}

func decodeForm(r *http.Request, s reflect.Value) error {
	t := s.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeForm(r, s.Field(i)); err != nil {
				return err
			}
			continue
		}
		tag := f.Tag.Get("form")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		label := f.Tag.Get("label")
		if label == "" {
			label = name
		}
		vals := r.PostForm[name]
		first := ""
		if len(vals) > 0 {
			first = vals[0]
		}
		fv := s.Field(i)
		switch fv.Interface().(type) {
		case string:
			if opt == "trim" {
				first = strings.TrimSpace(first)
			}
			fv.SetString(first)
		case []string:
			if opt == "split" {
				fv.Set(reflect.ValueOf(splitNames(first)))
			} else if vals != nil {
				fv.Set(reflect.ValueOf(append([]string(nil), vals...)))
			}
		case map[string][]string:
			prefix, ok := strings.CutSuffix(name, "*")
			if !ok {
				return fmt.Errorf("web: decodeInput: map field %s wants a form:\"prefix*\" tag", f.Name)
			}
			m := map[string][]string{}
			for k, v := range r.PostForm {
				if rest, ok := strings.CutPrefix(k, prefix); ok {
					m[rest] = v
				}
			}
			fv.Set(reflect.ValueOf(m))
		case bool:
			fv.SetBool(formBool(first))
		case *bool:
			b := formBool(first)
			fv.Set(reflect.ValueOf(&b))
		case int, int64:
			n, err := formInt(r, name, label)
			if err != nil {
				return err
			}
			fv.SetInt(n)
		case []int64:
			ids, err := formIDs(vals, strings.TrimSuffix(label, "编号"))
			if err != nil {
				return err
			}
			fv.Set(reflect.ValueOf(ids))
		case calendar.Date:
			d, err := formDate(first, label)
			if err != nil {
				return err
			}
			fv.Set(reflect.ValueOf(d))
		case *upload:
			up, err := formUpload(r, name)
			if err != nil {
				return err
			}
			fv.Set(reflect.ValueOf(up))
		default:
			return fmt.Errorf("web: decodeInput: form field %s of type %s is not supported", f.Name, f.Type)
		}
	}
	return nil
}

func formBool(v string) bool { return v != "" && v != "0" }

// parseUpload reads an upload's multipart form within limit bytes (parts beyond 8 MB go to
// temporary files, which the caller removes): a larger body is refused as tooLarge says, any
// other failure as notForm words it. The caller defers r.MultipartForm.RemoveAll().
func parseUpload(w http.ResponseWriter, r *http.Request, limit int64, tooLarge string, notForm func(error) error) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{status: http.StatusRequestEntityTooLarge, msg: tooLarge}
		}
		return notForm(err)
	}
	return nil
}

// formUpload reads a file control whole; the route's body limit has bounded it already.
func formUpload(r *http.Request, name string) (*upload, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File[name]) == 0 {
		return nil, nil
	}
	hdr := r.MultipartForm.File[name][0]
	f, err := hdr.Open()
	if err != nil {
		return nil, badRequest("读取文件失败：%v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, badRequest("读取文件失败：%v", err)
	}
	return &upload{Name: hdr.Filename, Data: b}, nil
}
