package broadcast_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/broadcast"
	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/httpx"
	"github.com/mofa-vn/chancery/internal/lang"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/locales"
	"github.com/mofa-vn/chancery/web"
)

// fixture is the broadcast area on a real SFU and database, behind the
// same middleware as the server, with a public event whose session has a
// room.
type fixture struct {
	t     testing.TB
	db    *store.DB
	srv   *sfu.Server
	sign  *sfu.Signer
	h     *broadcast.Handlers
	ts    *httptest.Server
	users map[string]*httpx.Viewer
	event store.Event
	room  store.Room // the public session's room
	now   atomic.Pointer[time.Time]
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	cat, err := lang.NewCatalog(locales.FS, "vi")
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets("/static/")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	kit, err := httpx.NewKit(httpx.KitParams{Log: log, Cat: cat, Assets: assets, DefaultLang: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sfu.NewSigner([]byte(strings.Repeat("k", 32)), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sfu.New(sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Signer: signer, Store: conference.Store{DB: db}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, srv: srv, sign: signer, users: map[string]*httpx.Viewer{}}
	start := time.Now().UTC().Truncate(time.Second)
	f.now.Store(&start)
	f.h = broadcast.New(broadcast.Params{SFU: srv, DB: db, Kit: kit, Now: func() time.Time { return *f.now.Load() }, Moderates: conference.Moderates(db)})
	f.event, f.room = f.publicSession("geneva-dialogue", true, start.Add(-time.Hour), start.Add(2*time.Hour))
	mux := httpx.NewRouter()
	f.h.Routes(mux)
	viewer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if v := f.users[r.Header.Get("X-Test-User")]; v != nil {
				r = r.WithContext(httpx.WithViewer(r.Context(), v))
			}
			next.ServeHTTP(w, r)
		})
	}
	f.ts = httptest.NewServer(httpx.Chain(mux, kit.Recover, kit.SecurityHeaders(nil), kit.CrossOrigin(), viewer))
	t.Cleanup(func() {
		f.h.Close()
		_ = srv.Close()
		f.ts.Close()
	})
	return f
}

// publicSession creates an event (public or not) with one session, in a
// room of its own, and returns both.
func (f *fixture) publicSession(slug string, public bool, starts, ends time.Time) (store.Event, store.Room) {
	f.t.Helper()
	ctx := f.t.Context()
	e, err := f.db.CreateEvent(ctx, store.Event{Slug: slug, Zone: "Europe/Zurich", StartsAt: starts, EndsAt: ends.Add(24 * time.Hour),
		StartLocal: "2026-03-10T09:00", EndLocal: "2026-03-12T09:00", Format: "virtual", Public: public, Languages: []string{"en", "fr"},
		SourceLang: "en", Translations: map[string]store.EventTranslation{"en": {Title: "Geneva Dialogue " + slug, Status: store.StatusPublished}}})
	if err != nil {
		f.t.Fatal(err)
	}
	s, err := f.db.CreateEventSession(ctx, e.Slug, "Plenary "+slug, store.EventSession{EventID: e.ID, Kind: store.SessionPlenary,
		Titles: map[string]string{"en": "Opening"}, StartsAt: starts, EndsAt: ends, StartLocal: "2026-03-10T09:00", EndLocal: "2026-03-10T12:00"})
	if err != nil {
		f.t.Fatal(err)
	}
	room, err := f.db.GetRoomBySlug(ctx, s.RoomSlug)
	if err != nil {
		f.t.Fatal(err)
	}
	return e, room
}

func (f *fixture) user(username string, roles ...account.Role) account.User {
	f.t.Helper()
	u, err := f.db.CreateUser(f.t.Context(), account.User{Username: username, DisplayName: strings.ToUpper(username), Roles: roles})
	if err != nil {
		f.t.Fatal(err)
	}
	f.users[username] = &httpx.Viewer{User: u, Roles: roles}
	return u
}

// do sends a request and returns the response with its body read.
func (f *fixture) do(method, path, ctype, body string, hdr ...string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequestWithContext(f.t.Context(), method, f.ts.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// issue issues a WHIP token for room as user through the API.
func (f *fixture) issue(user, room string, programme bool) broadcast.IssuedToken {
	f.t.Helper()
	body := `{"label":"Studio A","programme":false}`
	if programme {
		body = `{"label":"Programme","programme":true}`
	}
	res, b := f.do("POST", "/api/v1/rooms/"+room+"/whip-tokens", "application/json", body, "X-Test-User", user)
	if res.StatusCode != http.StatusCreated {
		f.t.Fatalf("issue: %d %s", res.StatusCode, b)
	}
	var out broadcast.IssuedToken
	decode(f.t, b, &out)
	return out
}

func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peer is a WHIP publisher or a WHEP viewer made with pion, as an encoder
// or a player would be.
type peer struct {
	t        testing.TB
	pc       *webrtc.PeerConnection
	location string
	etag     string
	// received counts RTP packets by kind (viewers).
	video, audio atomic.Uint64
	mu           sync.Mutex
	videoCodec   string
	tag          byte // last byte of the last video packet (viewTagged)
	gap          int  // largest sequence step seen (viewTagged)
	stop         chan struct{}
	wg           sync.WaitGroup
}

// newPC returns a PeerConnection that negotiates the video codecs given
// (all of pion's defaults when none) and Opus.
func newPC(t testing.TB, videoCodecs ...string) *webrtc.PeerConnection {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if len(videoCodecs) == 0 {
		if err := m.RegisterDefaultCodecs(); err != nil {
			t.Fatal(err)
		}
	} else {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
			t.Fatal(err)
		}
		for i, c := range videoCodecs {
			cp := webrtc.RTPCodecCapability{MimeType: c, ClockRate: 90000, RTCPFeedback: []webrtc.RTCPFeedback{{Type: "nack", Parameter: "pli"}}}
			if c == webrtc.MimeTypeH264 {
				cp.SDPFmtpLine = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"
			}
			if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: cp, PayloadType: webrtc.PayloadType(96 + 2*i)}, webrtc.RTPCodecTypeVideo); err != nil {
				t.Fatal(err)
			}
		}
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// offer makes pc's offer with every candidate gathered (non-trickle, as
// OBS does).
func offer(t testing.TB, pc *webrtc.PeerConnection) string {
	t.Helper()
	o, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	<-done
	return pc.LocalDescription().SDP
}

// post sends pc's offer to path and applies the answer; it returns the
// response for the caller to check (nil peer when not 201).
func (f *fixture) post(pc *webrtc.PeerConnection, path string, hdr ...string) (*peer, *http.Response, string) {
	f.t.Helper()
	res, body := f.do("POST", path, "application/sdp", offer(f.t, pc), hdr...)
	if res.StatusCode != http.StatusCreated {
		return nil, res, body
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: body}); err != nil {
		f.t.Fatal(err)
	}
	return &peer{t: f.t, pc: pc, location: res.Header.Get("Location"), etag: res.Header.Get("ETag"), stop: make(chan struct{})}, res, body
}

// publish publishes synthetic media in codec (VP8 or H.264) and Opus into
// room with the WHIP token.
func (f *fixture) publish(room, token, codec string) (*peer, *http.Response, string) {
	f.t.Helper()
	pc := newPC(f.t, codec)
	vt, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: codec, ClockRate: 90000}, "video", "studio")
	if err != nil {
		f.t.Fatal(err)
	}
	at, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "studio")
	if err != nil {
		f.t.Fatal(err)
	}
	for _, tr := range []webrtc.TrackLocal{vt, at} {
		if _, err := pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
			f.t.Fatal(err)
		}
	}
	p, res, body := f.post(pc, "/whip/"+room, "Authorization", "Bearer "+token)
	if p == nil {
		return nil, res, body
	}
	p.wg.Go(func() { sendVideo(p.stop, vt, codec) })
	p.wg.Go(func() { sendAudio(p.stop, at) })
	f.t.Cleanup(p.halt)
	return p, res, body
}

func (p *peer) halt() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.wg.Wait()
}

// sendVideo sends one key frame per packet at 30 frames a second: each
// packet is a frame any subscriber may start on.
func sendVideo(stop chan struct{}, t *webrtc.TrackLocalStaticRTP, codec string) {
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	payload := []byte{0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00} // VP8: S=1, PID 0; key frame (P=0)
	if codec == webrtc.MimeTypeH264 {
		// STAP-A with an SPS and an IDR slice.
		payload = []byte{0x18, 0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f, 0x00, 0x03, 0x65, 0x88, 0x84}
	}
	var seq uint16
	var ts uint32
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			seq++
			ts += 3000
			_ = t.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: ts}, Payload: payload})
		}
	}
}

func sendAudio(stop chan struct{}, t *webrtc.TrackLocalStaticRTP) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var seq uint16
	var ts uint32
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			seq++
			ts += 960
			_ = t.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts}, Payload: []byte{0xfc, 0xff, 0xfe}})
		}
	}
}

// view opens a WHEP viewer of room negotiating the video codecs given
// (pion's defaults when none).
func (f *fixture) view(path string, videoCodecs ...string) (*peer, *http.Response, string) {
	f.t.Helper()
	pc := newPC(f.t, videoCodecs...)
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			f.t.Fatal(err)
		}
	}
	p := &peer{t: f.t}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		n := &p.audio
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			n = &p.video
			p.mu.Lock()
			p.videoCodec = tr.Codec().MimeType
			p.mu.Unlock()
		}
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			n.Add(1)
		}
	})
	got, res, body := f.post(pc, path)
	if got == nil {
		return nil, res, body
	}
	p.pc, p.location, p.etag = got.pc, got.location, got.etag
	return p, res, body
}

// publishTagged publishes VP8 frames whose last byte is tag, so that a
// viewer can tell whose video it receives.
func (f *fixture) publishTagged(room, token string, tag byte) (*peer, *http.Response, string) {
	f.t.Helper()
	pc := newPC(f.t, webrtc.MimeTypeVP8)
	vt, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "studio")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := pc.AddTransceiverFromTrack(vt, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		f.t.Fatal(err)
	}
	p, res, body := f.post(pc, "/whip/"+room, "Authorization", "Bearer "+token)
	if p == nil {
		return nil, res, body
	}
	p.wg.Go(func() {
		tick := time.NewTicker(33 * time.Millisecond)
		defer tick.Stop()
		payload := []byte{0x10, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, tag}
		var seq uint16 = uint16(tag) << 8 // publishers number apart, as real ones do
		var ts uint32
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				seq++
				ts += 3000
				_ = vt.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: ts}, Payload: payload})
			}
		}
	})
	f.t.Cleanup(p.halt)
	return p, res, body
}

// viewTagged is view that records the last byte of each video packet and
// the largest step between consecutive sequence numbers.
func (f *fixture) viewTagged(path string) (*peer, *http.Response, string) {
	f.t.Helper()
	pc := newPC(f.t, webrtc.MimeTypeVP8)
	if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		f.t.Fatal(err)
	}
	p := &peer{t: f.t}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		var last uint16
		first := true
		for {
			pkt, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			p.mu.Lock()
			if len(pkt.Payload) > 0 {
				p.tag = pkt.Payload[len(pkt.Payload)-1]
			}
			if !first {
				if gap := int(pkt.SequenceNumber - last); gap > p.gap && gap < 1<<15 {
					p.gap = gap
				}
			}
			first, last = false, pkt.SequenceNumber
			p.mu.Unlock()
			p.video.Add(1)
		}
	})
	got, res, body := f.post(pc, path)
	if got == nil {
		return nil, res, body
	}
	p.pc, p.location, p.etag = got.pc, got.location, got.etag
	return p, res, body
}

func (p *peer) lastTag() byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tag
}

func (p *peer) maxGap() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gap
}
