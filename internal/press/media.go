package press

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"image"
	_ "image/gif" // the formats CheckImage reads the dimensions of
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"slices"
	"strconv"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// The media library: every image attached to a statement is kept once (by
// SHA-256) with its alt texts per language, and the composer offers the
// images kept before, so that an officer picks the ministry's emblem or
// the minister's portrait again with its descriptions instead of
// uploading and describing it anew. Readers see the library; writers
// (who compose) add to it and pick from it.

// Image limits: a picture the networks take, and no decompression bomb.
const (
	maxImageSide   = 8192
	maxImagePixels = 40_000_000
)

// ImageInfo is what CheckImage read of an image.
type ImageInfo struct {
	ContentType   string
	Width, Height int
}

// errImage is the refusal of an image that is not one the networks show.
func errImage() error { return fault.Refused("media", "media_error_image") }

// CheckImage validates an uploaded image by its content, never its name or
// declared type: its sniffed type is one browsers and networks show
// (PNG, JPEG, GIF, WebP), it is at most maxUpload bytes, and its header
// gives dimensions between 1 and maxImageSide pixels a side and at most
// maxImagePixels in all.
func CheckImage(data []byte) (ImageInfo, error) {
	if len(data) == 0 || len(data) > maxUpload {
		return ImageInfo{}, errImage()
	}
	ct := http.DetectContentType(data)
	if !slices.Contains(uploadTypes, ct) {
		return ImageInfo{}, errImage()
	}
	var w, h int
	if ct == "image/webp" {
		var ok bool
		if w, h, ok = webpSize(data); !ok {
			return ImageInfo{}, errImage()
		}
	} else {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || "image/"+format != ct {
			return ImageInfo{}, errImage()
		}
		w, h = cfg.Width, cfg.Height
	}
	if w < 1 || h < 1 || w > maxImageSide || h > maxImageSide || w*h > maxImagePixels {
		return ImageInfo{}, errImage()
	}
	return ImageInfo{ContentType: ct, Width: w, Height: h}, nil
}

// webpSize reads the canvas size of a WebP file from its first chunk
// (https://developers.google.com/speed/webp/docs/riff_container): VP8
// (lossy), VP8L (lossless) or VP8X (extended).
func webpSize(b []byte) (w, h int, ok bool) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, false
	}
	switch string(b[12:16]) {
	case "VP8 ":
		// Frame tag (3 bytes), start code 9d 01 2a, then 14-bit sizes.
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, false
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), true
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, false
		}
		bits := binary.LittleEndian.Uint32(b[21:25])
		return int(bits&0x3fff) + 1, int((bits>>14)&0x3fff) + 1, true
	case "VP8X":
		w := int(b[24]) | int(b[25])<<8 | int(b[26])<<16
		h := int(b[27]) | int(b[28])<<8 | int(b[29])<<16
		return w + 1, h + 1, true
	}
	return 0, 0, false
}

// LibraryItem is an image of the library as the composer's picker shows it.
type LibraryItem struct {
	store.LibraryImage
	URL string
	// Alt is its description in the page's language, or in any.
	Alt     string
	AltLang string
}

// mediaRoutes adds the library's own routes.
// libraryImage serves one image of the library to the press office.
func (h *Handlers) libraryImage(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	img, err := h.db.GetImage(r.Context(), id)
	if err != nil {
		h.kit.Fail(w, r, err)
		return
	}
	// The type was checked at upload; sniff again rather than trust it.
	ct := http.DetectContentType(img.Data)
	if !slices.Contains(uploadTypes, ct) {
		h.kit.Fail(w, r, fault.ErrNotFound)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable") // the bytes of an ID never change
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(img.Data)
}

// library lists the images the composer offers to pick, leaving out
// those the statement has already.
func (h *Handlers) library(ctx context.Context, code string, st store.Statement) ([]LibraryItem, error) {
	imgs, err := h.db.ListImages(ctx, 60)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, m := range st.Media {
		have[sha(m.Data)] = true
	}
	out := []LibraryItem{}
	for _, img := range imgs {
		if have[img.SHA256] {
			continue
		}
		it := LibraryItem{LibraryImage: img, URL: "/press/media/" + strconv.FormatInt(img.ID, 10)}
		if a := img.Alts[code]; a != "" {
			it.Alt, it.AltLang = a, code
		} else {
			for _, l := range lang.All() {
				if a := img.Alts[l.Code]; a != "" {
					it.Alt, it.AltLang = a, l.Code
					break
				}
			}
		}
		out = append(out, it)
	}
	return out, nil
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// picks adds the library images the form picked (media_library) to the
// statement, each with the alt texts kept with it, which the alt fields
// typed for its slot ("l<ID>") replace language by language.
func (h *Handlers) picks(ctx context.Context, ids []string, alts func(slot string) map[string]string,
	add func(publishing.MediaInput, MediaField)) error {
	seen := map[int64]bool{}
	for _, v := range ids {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 || seen[id] {
			continue
		}
		seen[id] = true
		img, err := h.db.GetImage(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return fault.Refused("media", "media_error_gone")
		}
		if err != nil {
			return err
		}
		a := map[string]string{}
		for k, v := range img.Alts {
			a[k] = v
		}
		slot := "l" + strconv.FormatInt(id, 10)
		for k, v := range alts(slot) {
			a[k] = v
		}
		add(publishing.MediaInput{Filename: img.Name, ContentType: img.ContentType, Data: img.Data, Alts: a},
			MediaField{Slot: slot, Filename: img.Name, ContentType: img.ContentType, URL: template.URL("/press/media/" + strconv.FormatInt(img.ID, 10)), Library: img.ID, Alts: a})
	}
	return nil
}

// remember keeps the saved statement's images in the library, with their
// alt texts as just saved.
func (h *Handlers) remember(ctx context.Context, by int64, st store.Statement) error {
	for _, m := range st.Media {
		info, err := CheckImage(m.Data)
		if err != nil {
			continue // an image saved before the checks; not offered again
		}
		if _, err := h.db.RememberImage(ctx, store.LibraryImage{SHA256: sha(m.Data), Name: m.Filename, ContentType: info.ContentType,
			Width: info.Width, Height: info.Height, Data: m.Data, Alts: m.Alts, UploadedBy: by}); err != nil {
			return fmt.Errorf("press: remember image: %w", err)
		}
	}
	return nil
}
