package press

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
	"github.com/mofa-vn/chancery/locales"
	"github.com/mofa-vn/chancery/web"
)

func pngOf(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpVP8X is the header of an extended WebP of w×h.
func webpVP8X(w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00")
	w, h = w-1, h-1
	return append(b, byte(w), byte(w>>8), byte(w>>16), byte(h), byte(h>>8), byte(h>>16))
}

// TestCheckImageByContent accepts the four formats by what the bytes are
// and refuses everything else, whatever it is called.
func TestCheckImageByContent(t *testing.T) {
	var jb, gb bytes.Buffer
	small := image.NewRGBA(image.Rect(0, 0, 4, 3))
	if err := jpeg.Encode(&jb, small, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gb, small, nil); err != nil {
		t.Fatal(err)
	}
	p := pngOf(t, 4, 3, color.White)
	for _, tc := range []struct {
		name string
		data []byte
		want string // content type, "" refused
		w, h int
	}{
		{"png", p, "image/png", 4, 3},
		{"jpeg", jb.Bytes(), "image/jpeg", 4, 3},
		{"gif", gb.Bytes(), "image/gif", 4, 3},
		{"webp", webpVP8X(1200, 675), "image/webp", 1200, 675},
		{"empty", nil, "", 0, 0},
		{"text", []byte("<svg onload=alert(1)>"), "", 0, 0},
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>"), "", 0, 0},
		{"truncated png", p[:20], "", 0, 0},
		{"too wide", pngOf(t, maxImageSide+1, 1, color.Black), "", 0, 0},
		{"webp bomb", webpVP8X(8000, 8000), "", 0, 0},
		{"too large", append(append([]byte{}, p...), make([]byte, maxUpload)...), "", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := CheckImage(tc.data)
			if tc.want == "" {
				if !errors.Is(err, fault.ErrRefused) {
					t.Errorf("accepted as %+v, err %v", info, err)
				}
				return
			}
			if err != nil || info.ContentType != tc.want || info.Width != tc.w || info.Height != tc.h {
				t.Errorf("got %+v, %v; want %s %dx%d", info, err, tc.want, tc.w, tc.h)
			}
		})
	}
}

// FuzzCheckImage: any bytes are either refused or an image within the
// limits; never a panic.
func FuzzCheckImage(f *testing.F) {
	f.Add(pngOf(f, 2, 2, color.White))
	f.Add(webpVP8X(10, 10))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8L\x00\x00\x00\x00\x2f\xff\xff\xff\xff"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x00\x00\x00\x9d\x01\x2a\xff\xff\xff\xff"))
	f.Add([]byte("GIF89a\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := CheckImage(data)
		if err != nil {
			if !errors.Is(err, fault.ErrRefused) {
				t.Fatalf("an error other than a refusal: %v", err)
			}
			return
		}
		if info.Width < 1 || info.Height < 1 || info.Width > maxImageSide || info.Height > maxImageSide || info.Width*info.Height > maxImagePixels {
			t.Fatalf("accepted %+v", info)
		}
	})
}

// mediaSite serves the press office's routes with the viewer named by the
// X-Test-User header (the session's part is auth's, tested there).
type mediaSite struct {
	t   *testing.T
	db  *store.DB
	srv *httptest.Server
	svc *publishing.Service
	net *pubtest.Network
}

func newMediaSite(t *testing.T, db *store.DB) *mediaSite {
	return newSite(t, db, nil, nil)
}

// newSite is newMediaSite with a clock and, when wrap is set, the
// publisher the network is wrapped in.
func newSite(t *testing.T, db *store.DB, now func() time.Time, wrap func(social.Publisher) social.Publisher) *mediaSite {
	t.Helper()
	cat, err := lang.NewCatalog(locales.FS, "en")
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets("/static/")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	kit, err := httpx.NewKit(httpx.KitParams{Log: log, Cat: cat, Assets: assets, DefaultLang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	net := pubtest.New(social.Mastodon, social.Limits{MaxLength: 500})
	var pub social.Publisher = net
	if wrap != nil {
		pub = wrap(net)
	}
	res := func(context.Context, publishing.Channel) (social.Publisher, error) { return pub, nil }
	svc, err := publishing.New(publishing.Params{DB: db, Resolve: res, Log: log, Networks: pubtest.Networks, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	mux := httpx.NewRouter()
	New(db, svc, res, kit).Routes(mux)
	s := &mediaSite{t: t, db: db, svc: svc, net: net}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, err := strconv.ParseInt(r.Header.Get("X-Test-User"), 10, 64); err == nil {
			u, err := db.GetUser(r.Context(), id)
			if err != nil {
				t.Error(err)
			}
			r = r.WithContext(httpx.WithViewer(r.Context(), &httpx.Viewer{User: u, Roles: u.Roles}))
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *mediaSite) user(name string, role account.Role) account.User {
	s.t.Helper()
	u, err := s.db.CreateUser(s.t.Context(), account.User{Username: name, DisplayName: name, Roles: []account.Role{role}})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// do sends a request as u (nil: signed out) and returns the status and body.
func (s *mediaSite) do(u *account.User, method, path, ctype string, body io.Reader) (int, string, http.Header) {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.srv.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if u != nil {
		req.Header.Set("X-Test-User", strconv.FormatInt(u.ID, 10))
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// compose posts the compose form with fields and, if data is set, an
// uploaded file; it returns the status and where it led.
func (s *mediaSite) compose(u account.User, fields url.Values, file string, data []byte) (int, string, string) {
	s.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if data != nil {
		fw, err := mw.CreateFormFile("media_file", file)
		if err != nil {
			s.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	status, body, h := s.do(&u, "POST", "/press/statements", mw.FormDataContentType(), &b)
	return status, h.Get("Location"), body
}

func statementID(t *testing.T, loc string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(loc, "/press/statements/%d", &id); err != nil {
		t.Fatalf("redirect %q: %v", loc, err)
	}
	return id
}

// TestMediaLibrary: an image uploaded with its descriptions is kept once
// in the library; the composer offers it again with its description; an
// officer picks it into a new statement, which gets its alt texts (one of
// them changed); readers may see the library, others not; a forged or
// vanished pick and a disguised file are refused with nothing saved.
func TestMediaLibrary(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newMediaSite(t, db)
		officer := s.user("olivia", account.RolePressOfficer)
		approver := s.user("arthur", account.RoleApprover)
		delegate := s.user("dan", account.RoleDelegate)
		flag := pngOf(t, 30, 20, color.RGBA{R: 218, G: 37, B: 29, A: 255})
		base := url.Values{"title_en": {"Statement"}, "body_en": {"Text."}, "due_at": {time.Now().Add(time.Hour).Format("2006-01-02T15:04")}}
		first := url.Values{"alt_new_en": {"The flag of Viet Nam"}, "alt_new_vi": {"Quốc kỳ Việt Nam"}}
		for k, v := range base {
			first[k] = v
		}
		status, loc, body := s.compose(officer, first, "flag.png", flag)
		if status != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", status, body)
		}
		imgs, err := db.ListImages(t.Context(), 10)
		if err != nil || len(imgs) != 1 {
			t.Fatalf("library after one upload: %v %v", imgs, err)
		}
		sum := sha256.Sum256(flag)
		img := imgs[0]
		if img.SHA256 != hex.EncodeToString(sum[:]) || img.Width != 30 || img.Height != 20 || img.ContentType != "image/png" ||
			img.Alts["vi"] != "Quốc kỳ Việt Nam" || img.Alts["en"] != "The flag of Viet Nam" || img.UploadedBy != officer.ID {
			t.Errorf("kept %+v", img)
		}
		// The same bytes again: kept once.
		if status, _, body := s.compose(officer, first, "flag-copy.png", flag); status != http.StatusSeeOther {
			t.Fatalf("second upload: %d %s", status, body)
		}
		if imgs, _ := db.ListImages(t.Context(), 10); len(imgs) != 1 {
			t.Errorf("the same image is kept %d times", len(imgs))
		}

		// The composer of a new statement offers it, described.
		_, page, _ := s.do(&officer, "GET", "/press/compose", "", nil)
		if !strings.Contains(page, fmt.Sprintf(`name="media_library" value="%d"`, img.ID)) || !strings.Contains(page, "The flag of Viet Nam") {
			t.Error("the composer does not offer the library's image with its description")
		}
		// but not on the statement that has it already.
		_, page, _ = s.do(&officer, "GET", loc, "", nil)
		if strings.Contains(page, `name="media_library"`) {
			t.Error("the composer offers an image the statement has already")
		}

		// Picked into a new statement, with a French description added.
		pick := url.Values{"media_library": {strconv.FormatInt(img.ID, 10)}, fmt.Sprintf("alt_l%d_fr", img.ID): {"Le drapeau du Viet Nam"}}
		for k, v := range base {
			pick[k] = v
		}
		status, loc, body = s.compose(officer, pick, "", nil)
		if status != http.StatusSeeOther {
			t.Fatalf("pick: %d %s", status, body)
		}
		st, err := db.GetStatement(t.Context(), statementID(t, loc))
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Media) != 1 || !bytes.Equal(st.Media[0].Data, flag) || st.Media[0].Alts["vi"] != "Quốc kỳ Việt Nam" ||
			st.Media[0].Alts["en"] != "The flag of Viet Nam" || st.Media[0].Alts["fr"] != "Le drapeau du Viet Nam" {
			t.Errorf("picked media: %+v", st.Media)
		}
		// The French description is kept with the image for next time.
		if got, _ := db.GetImage(t.Context(), img.ID); got.Alts["fr"] != "Le drapeau du Viet Nam" {
			t.Errorf("library alts after the pick: %v", got.Alts)
		}

		// Who sees the library's images.
		path := fmt.Sprintf("/press/media/%d", img.ID)
		for _, c := range []struct {
			who  *account.User
			want int
		}{{&officer, 200}, {&approver, 200}, {&delegate, 403}} {
			status, body, h := s.do(c.who, "GET", path, "", nil)
			if status != c.want {
				t.Errorf("%s: %d", c.who.Username, status)
			}
			if status == 200 && (body != string(flag) || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff") {
				t.Errorf("%s got a different image or type %q", c.who.Username, h.Get("Content-Type"))
			}
		}
		if status, _, _ := s.do(nil, "GET", path, "", nil); status == 200 {
			t.Error("the library is open to the signed-out")
		}
		for _, p := range []string{"/press/media/abc", "/press/media/-1", "/press/media/99999"} {
			if status, _, _ := s.do(&officer, "GET", p, "", nil); status != 404 {
				t.Errorf("%s: %d, want 404", p, status)
			}
		}
		// The approver may look but not compose.
		if status, _, _ := s.compose(approver, pick, "", nil); status != 403 {
			t.Errorf("an approver composed with the library: %d", status)
		}

		before, _ := db.ListStatements(t.Context(), 1000)
		// A pick of an image that is not there.
		gone := url.Values{"media_library": {"99999"}}
		for k, v := range base {
			gone[k] = v
		}
		if status, _, body := s.compose(officer, gone, "", nil); status != http.StatusUnprocessableEntity || !strings.Contains(body, "no longer in the media library") {
			t.Errorf("a vanished pick: %d", status)
		}
		// HTML called .png.
		if status, _, body := s.compose(officer, base, "flag.png", []byte("<!DOCTYPE html><script>alert(1)</script>")); status != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "8192 pixels") {
			t.Errorf("a disguised upload: %d", status)
		}
		after, _ := db.ListStatements(t.Context(), 1000)
		if len(after) != len(before) {
			t.Errorf("a refused save left a statement behind: %d → %d", len(before), len(after))
		}
		if imgs, _ := db.ListImages(t.Context(), 10); len(imgs) != 1 {
			t.Errorf("a refused upload reached the library: %d images", len(imgs))
		}
	})
}
