package web

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
)

// decodeInput reads a handler's input into dst, a pointer to a struct: the JSON body for an API
// call (decodeJSON, unknown fields refused), the posted form otherwise, one field per `form` tag.
// Both roads end in the same struct so that a handler checks its input once, whichever way it came.
//
// Form values by field type:
//   - string: the first value, untrimmed (the handler's check trims, as it does for JSON);
//   - []string: every value of the control, or with `form:"name,split"` one text field split
//     by splitNames (别名 typed as 甲、乙);
//   - bool, *bool: a checkbox or hidden field, true unless absent, empty or "0"; *bool is always
//     set, since a form without the box means "no" where JSON without the key means "default";
//   - int, int64: trimmed, empty is 0, negative refused;
//   - []int64: every non-empty value, each an id (> 0).
//
// A bad number names the control by its `label` tag (the form tag if none), in the words the
// handlers used before: "科室编号无效：x".
func decodeInput(r *http.Request, rc *reqCtx, dst any) error {
	if rc.api {
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
	return decodeForm(r, v.Elem())
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
			fv.SetString(first)
		case []string:
			if opt == "split" {
				fv.Set(reflect.ValueOf(splitNames(first)))
			} else if vals != nil {
				fv.Set(reflect.ValueOf(append([]string(nil), vals...)))
			}
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
		default:
			return fmt.Errorf("web: decodeInput: form field %s of type %s is not supported", f.Name, f.Type)
		}
	}
	return nil
}

func formBool(v string) bool { return v != "" && v != "0" }
