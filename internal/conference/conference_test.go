package conference_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

func TestTokenKeyIsGeneratedOnceAndShared(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		box, err := secrets.NewBox(bytes.Repeat([]byte{1}, secrets.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		k1, err := conference.TokenKey(t.Context(), db, "", box)
		if err != nil || len(k1) != 32 {
			t.Fatalf("key = %x, %v", k1, err)
		}
		k2, err := conference.TokenKey(t.Context(), db, "", box)
		if err != nil || !bytes.Equal(k1, k2) {
			t.Fatalf("second key differs: %x %x %v", k1, k2, err)
		}
		// The database holds it sealed, never in plain text.
		stored, err := db.GetSetting(t.Context(), "conference_token_key_sealed")
		if err != nil || strings.Contains(stored, hex.EncodeToString(k1)) || strings.Contains(stored, base64.StdEncoding.EncodeToString(k1)) {
			t.Fatalf("stored %q, %v", stored, err)
		}
		other, _ := secrets.NewBox(bytes.Repeat([]byte{2}, secrets.KeySize))
		if _, err := conference.TokenKey(t.Context(), db, "", other); err == nil {
			t.Error("another credentials key opened the token key")
		}
		configured := bytes.Repeat([]byte{7}, 32)
		k3, err := conference.TokenKey(t.Context(), db, hex.EncodeToString(configured), box)
		if err != nil || !bytes.Equal(k3, configured) {
			t.Fatalf("configured key ignored: %x %v", k3, err)
		}
	})
}

func TestPlainTokenKeyIsSealed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		box, _ := secrets.NewBox(bytes.Repeat([]byte{1}, secrets.KeySize))
		legacy := bytes.Repeat([]byte{9}, 32)
		if err := db.SetSetting(t.Context(), "conference_token_key", hex.EncodeToString(legacy)); err != nil {
			t.Fatal(err)
		}
		k, err := conference.TokenKey(t.Context(), db, "", box)
		if err != nil || !bytes.Equal(k, legacy) {
			t.Fatalf("key = %x, %v; want the stored key kept, so issued tokens stay valid", k, err)
		}
		if _, err := db.GetSetting(t.Context(), "conference_token_key"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the plain copy is still there: %v", err)
		}
	})
}

func TestStoreAdapterKeepsChatAndAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := conference.Store{DB: db}
		at := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
		m, err := s.SaveChat(t.Context(), "r", sfu.ChatMessage{Identity: "vn-1", Name: "Lan", Delegation: "Việt Nam", Text: "Xin chào", At: at.UnixMilli()})
		if err != nil || m.ID == 0 {
			t.Fatalf("save = %+v, %v", m, err)
		}
		got, err := s.RecentChat(t.Context(), "r", 10)
		if err != nil || len(got) != 1 || got[0].Text != "Xin chào" || got[0].At != at.UnixMilli() || got[0].Delegation != "Việt Nam" {
			t.Fatalf("recent = %+v, %v", got, err)
		}
		if err := s.Audit(t.Context(), sfu.AuditEntry{Room: "r", ActorIdentity: "chair", ActorName: "Chair", Action: "lock", At: at}); err != nil {
			t.Fatal(err)
		}
		as, err := db.ListRoomAudit(t.Context(), "r")
		if err != nil || len(as) != 1 || as[0].Action != "lock" || !as[0].CreatedAt.Equal(at) {
			t.Fatalf("audit = %+v, %v", as, err)
		}
	})
}

func TestJoinURL(t *testing.T) {
	if got := conference.JoinURL("https://chancery.example/", "ar", "asean", "a.b+c"); got != "https://chancery.example/ar/rooms/asean?t=a.b%2Bc" {
		t.Errorf("JoinURL = %q", got)
	}
}

// TestUsesMedia: camera, microphone and screen capture are allowed on the
// rooms' pages, in every language, and on no other page.
func TestUsesMedia(t *testing.T) {
	for _, p := range []string{"/en/rooms/plenary", "/ar/rooms/asean-digital-2026", "/vi/rooms/x/"} {
		if !conference.UsesMedia(p) {
			t.Errorf("%s may not use the camera", p)
		}
	}
	for _, p := range []string{"/", "/en/", "/en/news/rooms", "/rooms/signal", "/rooms", "/en/rooms", "/en/roomsx/a", "/en/news/x/rooms/y"} {
		if conference.UsesMedia(p) {
			t.Errorf("%s may use the camera", p)
		}
	}
}
