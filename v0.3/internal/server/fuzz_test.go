package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzHelloName feeds arbitrary names through the full handler stack: the
// only answers allowed are 200 with the name echoed back, or 400 with a
// JSON error, never a 5xx or a panic.
func FuzzHelloName(f *testing.F) {
	for _, seed := range []string{"", "Gopher", "世界", "a\nb", "\xff", "\x00", "%", "🙂", string(make([]byte, 65))} {
		f.Add(seed)
	}
	s, _ := newTestServer(f, PodInfo{})
	f.Fuzz(func(t *testing.T, name string) {
		rec := get(s, "/api/v1/hello?name="+url.QueryEscape(name))
		valid := name == "" || (utf8.ValidString(name) && utf8.RuneCountInString(name) <= MaxNameLen && allPrint(name))
		switch {
		case valid && rec.Code == http.StatusOK:
			var body HelloBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("200 body %q is not JSON: %v", rec.Body, err)
			}
			want := name
			if want == "" {
				want = DefaultName
			}
			if body.Message != "Hello, "+want+"!" {
				t.Fatalf("message = %q, want greeting for %q", body.Message, want)
			}
		case !valid && rec.Code == http.StatusBadRequest:
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["code"] != "invalid_name" {
				t.Fatalf("400 body %q is not an invalid_name JSON error (%v)", rec.Body, err)
			}
		default:
			t.Fatalf("name %q (valid=%v): status %d, body %s", name, valid, rec.Code, rec.Body)
		}
	})
}

func allPrint(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
