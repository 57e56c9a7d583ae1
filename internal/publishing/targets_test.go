package publishing_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
	"github.com/mofa-vn/chancery/internal/portal"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/social/bluesky"
	"github.com/mofa-vn/chancery/internal/social/bluesky/blueskyfake"
	"github.com/mofa-vn/chancery/internal/social/socialtest"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// portalChannel creates a portal channel served by the real portal
// publisher, the one cmd/server wires.
func (e *env) portalChannel(name string, langs ...string) publishing.Channel {
	e.T.Helper()
	h, err := portal.New(e.Ctx, portal.Params{DB: e.DB, Kit: httpxtest.Kit(e.T)})
	if err != nil {
		e.T.Fatal(err)
	}
	ch, err := e.Svc.CreateChannel(e.Ctx, e.Author, publishing.ChannelInput{Network: string(social.Portal), Name: name, Languages: langs, TimeZone: "Asia/Ho_Chi_Minh"})
	if err != nil {
		e.T.Fatal(err)
	}
	e.Others[ch.ID] = h.Publisher("https://mofa.example")
	return ch
}

func (e *env) catalog() *lang.Catalog { return httpxtest.Kit(e.T).Cat }

// A statement passes clearance only if every target will take it. Without
// a title, the portal would refuse it after X had published it: the
// submission is refused, naming the portal channel and the title, in the
// officer's language, and nothing is sent anywhere.
func TestSubmitRefusesWhatATargetWouldRefuse(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X ministry", social.X, social.Limits{MaxLength: 280}, "en")
		site := e.portalChannel("Ministry portal", "en", "vi")
		due := clock.Now().Add(time.Hour)
		untitled := []publishing.VariantInput{{Lang: "en", Body: "The ministry welcomes the agreement."}}
		st := e.Draft(publishing.StatementInput{DueAt: due, Variants: untitled, Targets: []int64{x.ID, site.ID}})
		err := e.Svc.Submit(e.Ctx, e.Author, st.ID)
		wantProblem(t, err, "press_error_target_title_missing")
		var p *fault.Problem
		errors.As(err, &p)
		if p.Data["Channel"] != "Ministry portal" || p.Data["Lang"] != "en" || p.Field != "variants" {
			t.Fatalf("problem %+v does not name the portal channel and the language", p)
		}
		cat := e.catalog()
		for code, words := range map[string][]string{
			"en": {"Ministry portal", "title", "Title"}, "vi": {"Ministry portal", "tiêu đề", "Tiêu đề"},
			"fr": {"Ministry portal", "titre", "Titre"}, "ar": {"Ministry portal", "عنوان"},
		} {
			msg := cat.T(code, p.Key, p.Data)
			for _, w := range words {
				if !strings.Contains(msg, w) {
					t.Errorf("%s message %q lacks %q", code, msg, w)
				}
			}
		}
		e.wantStateAny(st.ID, store.StateDraft)
		clock.Set(due)
		if n := e.Dispatch(); n != 0 || len(xNet.Posts()) != 0 {
			t.Fatal("something went out")
		}
		if _, err := db.GetArticleBySlug(e.Ctx, "statement-"+strconv.FormatInt(st.ID, 10)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the portal holds an article: %v", err)
		}

		// With a title in each of the portal's languages it has, it goes
		// out on both.
		due = clock.Now().Add(time.Hour)
		titled := []publishing.VariantInput{{Lang: "en", Title: "Agreement", Body: "The ministry welcomes the agreement."}}
		e.save(e.Author, st.ID, publishing.StatementInput{DueAt: due, Variants: titled, Targets: []int64{x.ID, site.ID}})
		e.Submit(st.ID)
		e.Approve(e.Approver, st.ID)
		clock.Set(due)
		e.Dispatch()
		e.wantStateAny(st.ID, store.StatePublished)
		if len(xNet.Posts()) != 1 {
			t.Fatalf("X got %d posts", len(xNet.Posts()))
		}
		a, err := db.GetArticleBySlug(e.Ctx, "statement-"+strconv.FormatInt(st.ID, 10))
		if err != nil || a.Slug == "" {
			t.Fatalf("portal article: %+v, %v", a, err)
		}
	})
}

// Every refusal of the portal's Check becomes a problem that names the
// channel and the part refused.
func TestTargetRefusalsNameTheField(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		site := e.portalChannel("Portal", "en")
		due := clock.Now().Add(time.Hour)
		png := func(alt string) []publishing.MediaInput {
			return []publishing.MediaInput{{Filename: "flag.png", ContentType: "image/png", Data: []byte("\x89PNG fake"), Alts: map[string]string{"en": alt}}}
		}
		for _, tc := range []struct {
			name string
			v    publishing.VariantInput
			m    []publishing.MediaInput
			key  string
		}{
			{"title too long", publishing.VariantInput{Lang: "en", Title: strings.Repeat("t", 301), Body: "b"}, nil, "press_error_target_title_too_long"},
			{"media type", publishing.VariantInput{Lang: "en", Title: "T", Body: "b"},
				[]publishing.MediaInput{{Filename: "a.svg", ContentType: "image/svg+xml", Data: []byte("<svg/>"), Alts: map[string]string{"en": "a"}}}, "press_error_target_media_type"},
			{"alt too long", publishing.VariantInput{Lang: "en", Title: "T", Body: "b"}, png(strings.Repeat("a", 1001)), "press_error_target_alt_too_long"},
			{"fine", publishing.VariantInput{Lang: "en", Title: "T", Body: "b"}, png("The flag"), ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st := e.Draft(publishing.StatementInput{DueAt: due, Variants: []publishing.VariantInput{tc.v}, Media: tc.m, Targets: []int64{site.ID}})
				err := e.Svc.Submit(e.Ctx, e.Author, st.ID)
				if tc.key == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantProblem(t, err, tc.key)
				var p *fault.Problem
				errors.As(err, &p)
				if p.Data["Channel"] != "Portal" {
					t.Fatalf("problem %+v does not name the channel", p)
				}
			})
		}
		// Text no target takes is refused when saved, on both backends
		// (PostgreSQL cannot store a NUL).
		for _, v := range []publishing.VariantInput{{Lang: "en", Title: "T", Body: "a\x00b"}, {Lang: "en", Title: "\xff", Body: "b"}} {
			_, err := e.Svc.SaveStatement(e.Ctx, e.Author, 0, publishing.StatementInput{DueAt: due, Variants: []publishing.VariantInput{v}, Targets: []int64{site.ID}})
			wantProblem(t, err, "press_error_text")
		}
	})
}

// Approval checks the targets again: a channel whose credentials broke
// since submission would refuse the statement, so it is not cleared.
func TestApproveRefusesWhatATargetNowRefuses(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		e := newEnv(t, db, clock, publishing.Settings{})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		tg, tgNet := e.Channel("Telegram", social.Telegram, social.Limits{MaxLength: 4096}, "en")
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Hour), Variants: pubtest.Variants("Both"), Targets: []int64{x.ID, tg.ID}})
		e.Submit(st.ID)
		tgNet.AuthBroken = true
		_, err := e.Svc.Approve(e.Ctx, e.Approver, st.ID, st.ContentHash)
		wantProblem(t, err, "press_error_credentials")
		e.wantStateAny(st.ID, store.StateSubmitted)
		tgNet.AuthBroken = false
		if r := e.Approve(e.Approver, st.ID); !r.Complete {
			t.Fatalf("approval once reconnected: %+v", r)
		}
		clock.Advance(time.Hour)
		e.Dispatch()
		if len(xNet.Posts()) != 1 || len(tgNet.Posts()) != 1 {
			t.Fatalf("posts: X %d, Telegram %d", len(xNet.Posts()), len(tgNet.Posts()))
		}
	})
}

// Bluesky refuses an image over 2 MB before sending anything; clearance
// asks it (social.Checker) at submission, through the real connector and
// its fake PDS, so that the statement does not go out on X alone.
func TestSubmitAsksTheBlueskyConnector(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		fake := blueskyfake.New("mofa.example.bsky.social", "abcd-efgh-ijkl-mnop")
		t.Cleanup(fake.Close)
		// The fake PDS listens on loopback: allowed, as -extra-api-urls does.
		e := newEnv(t, db, clock, publishing.Settings{ExtraAPIs: []string{fake.URL}})
		x, xNet := e.Channel("X", social.X, social.Limits{MaxLength: 280}, "en")
		bs, err := e.Svc.CreateChannel(e.Ctx, e.Author, publishing.ChannelInput{Network: "bluesky", Name: "Bluesky MOFA", BaseURL: fake.URL,
			Languages: []string{"en"}, TimeZone: "UTC"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := bluesky.New(bluesky.Config{BaseURL: fake.URL, Now: clock.Now, HTTP: outboundtest.Client(t, fake.URL),
			Credentials: socialtest.NewCreds(t, bluesky.Secret{Identifier: "mofa.example.bsky.social", AppPassword: "abcd-efgh-ijkl-mnop"})})
		if err != nil {
			t.Fatal(err)
		}
		e.Others[bs.ID] = c
		big := []publishing.MediaInput{{Filename: "summit.png", ContentType: "image/png", Data: make([]byte, bluesky.MaxImageSize+1), Alts: map[string]string{"en": "The summit"}}}
		st := e.Draft(publishing.StatementInput{DueAt: clock.Now().Add(time.Hour), Variants: pubtest.Variants("Summit"), Media: big, Targets: []int64{x.ID, bs.ID}})
		err = e.Svc.Submit(e.Ctx, e.Author, st.ID)
		wantProblem(t, err, "press_error_target_media_too_large")
		var p *fault.Problem
		errors.As(err, &p)
		if msg := e.catalog().T("en", p.Key, p.Data); msg != "The image summit.png is too large for Bluesky MOFA: at most 2 MB." {
			t.Fatalf("message %q", msg)
		}
		clock.Advance(2 * time.Hour)
		e.Dispatch()
		if len(xNet.Posts()) != 0 || len(fake.Records()) != 0 {
			t.Fatal("something went out")
		}
	})
}
