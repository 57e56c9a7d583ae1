package press

import (
	"encoding/base64"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mofa-vn/chancery/internal/store"
)

// pngHeader is the start of a PNG file, enough for content sniffing.
var pngHeader = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"

// The compose form is outside input: whatever a browser (or anyone) posts,
// reading it never panics, keeps only this statement's stored images and
// images whose sniffed type is one browsers show, and returns every image
// with the form field it came from.
func FuzzComposeForm(f *testing.F) {
	png := base64.StdEncoding.EncodeToString([]byte(pngHeader))
	f.Add("body_en=Hello&title_en=T&targets=3&override_3_en=Short&media_keep=7&alt_m7_en=A+photo&due_at=2030-01-01T10:00")
	f.Add("pending_name=a.png&pending_data=" + png + "&alt_p0_ar=%D8%B5%D9%88%D8%B1%D8%A9&media_remove=m7&media_keep=7")
	f.Add("pending_name=x&pending_data=!!!&override_x_en=1&override_3=2&targets=abc&due_at=tomorrow&media_keep=99")
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/press/statements", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := parseComposeForm(r); err != nil {
			return // a malformed body is refused with 400
		}
		old := store.Statement{ID: 5, Media: []store.Attachment{{ID: 7, Filename: "p.png", ContentType: "image/png", Data: []byte(pngHeader)}}}
		form, _ := (&Handlers{}).readCompose(r, old)
		if len(form.media) != len(form.in.Media) {
			t.Fatalf("%d images shown, %d saved", len(form.media), len(form.in.Media))
		}
		for i, m := range form.media {
			switch {
			case m.ID != 0 && m.ID != 7:
				t.Fatalf("kept an image of another statement: %d", m.ID)
			case m.ID == 0 && !slices.Contains(uploadTypes, m.ContentType):
				t.Fatalf("carried a %s", m.ContentType)
			case m.ID == 0 && !strings.HasPrefix(string(m.URL), "data:image/"):
				t.Fatalf("carried image shown at %q", m.URL)
			case len(form.in.Media[i].Data) == 0:
				t.Fatal("an empty image")
			}
		}
	})
}
