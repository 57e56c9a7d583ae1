package delegations

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
)

func multipartSeed(fields map[string]string, files map[string][]byte) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.SetBoundary("seedboundary0123")
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for k, v := range files {
		fw, _ := w.CreateFormFile(k, k+".bin")
		_, _ = fw.Write(v)
	}
	_ = w.Close()
	return w.FormDataContentType(), b.Bytes()
}

// FuzzDecodeRegistrationForm: whatever the body and its content type, the
// decoder returns a form or a user error (4xx), never panics, never
// returns files over their limits or text that is not UTF-8, and a form
// it accepts passes or fails the checks cleanly.
func FuzzDecodeRegistrationForm(f *testing.F) {
	good := map[string]string{"name": "Nguyễn Thị Lan", "title": "Thứ trưởng", "category": "head", "email": "lan@example.org", "lang": "vi"}
	ct, body := multipartSeed(good, map[string][]byte{"credentials": DemoPDF("x"), "photo": DemoPhoto()})
	f.Add(ct, body)
	ct, body = multipartSeed(map[string]string{"name": "a", "name ": "b", "lang": "ar"}, map[string][]byte{"photo": []byte("GIF89a")})
	f.Add(ct, body)
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n\xff\xfe\r\n--x--\r\n"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\na\r\n--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nb\r\n--x--\r\n"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na\x00@b.c\r\n--x--"))
	f.Add("application/x-www-form-urlencoded", []byte("name=x"))
	f.Add("multipart/form-data", []byte(""))
	f.Add("multipart/form-data; boundary=\"", []byte("--\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		form, err := DecodeRegistrationForm(contentType, bytes.NewReader(body))
		if err != nil {
			var he *fault.Problem
			if !errors.As(err, &he) || httpx.Status(he) < 400 || httpx.Status(he) >= 500 {
				t.Fatalf("error %v is not a user error", err)
			}
			if httpx.Status(he) == http.StatusRequestEntityTooLarge && he.Key == "" {
				t.Fatal("too large without a message")
			}
			return
		}
		if len(form.Credentials) > MaxCredentials || len(form.Photo) > MaxPhoto {
			t.Fatalf("files over their limits: %d, %d", len(form.Credentials), len(form.Photo))
		}
		for _, s := range []string{form.Input.Name, form.Input.Title, form.Input.Category, form.Input.Email, form.Input.Lang} {
			if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 || len(s) > maxField {
				t.Fatalf("field %q passed", s)
			}
		}
		in := form.Input
		if err := in.clean(); err == nil {
			if in.Name == "" || !validEmail(in.Email) || strings.ContainsAny(in.Email, "\r\n") {
				t.Fatalf("clean accepted %+v", in)
			}
		}
		_ = checkPDF(form.Credentials)
		_, _ = photoType(form.Photo)
	})
}
