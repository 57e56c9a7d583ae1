package sfu

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/sfu/media"
)

// Simultaneous interpretation (docs/signalling.md, "Interpretation").
//
// A room has one booth per target language: the interpreters whose join
// token names that booth (Claims.Booth) staff it. Each booth speaks into
// one language channel, a media.Channel whose outgoing track every
// listener of the language keeps while the server switches its source:
// the booth's live interpreter, or the floor speaker's microphone when
// the floor speaks the channel's own language (passthrough, the booth
// idle). Only one microphone per booth is live, and the server enforces
// it: the channel takes the live interpreter's track and nothing else.
// Interpreters hear the floor or relay another booth's channel; their own
// language and relay cycles are refused. Booth partners receive each
// other's interpretation tracks directly, so the standby hears the live
// partner; nobody else receives an interpreter's own track.
//
// A sign-language booth (IsSignLanguage) has a video channel: its source
// is the live sign interpreter's camera, which only booth partners
// receive directly; everyone else who chose the sign channel
// (interp_sign) receives the channel's one video track, which stays the
// same across handovers. Floor passthrough carries the floor speaker's
// camera when the floor signs in the booth's language.

// Interpretation message types, client to server.
const (
	TypeInterpListen   = "interp_listen"   // language: the channel one listens to ("" the floor only)
	TypeInterpSign     = "interp_sign"     // language: the sign-language channel one watches ("" none)
	TypeInterpHear     = "interp_hear"     // language: an interpreter's source, "" the floor or a booth to relay
	TypeInterpLive     = "interp_live"     // on: an interpreter takes (or gives up) the booth's live microphone
	TypeInterpOffer    = "interp_offer"    // on: the live interpreter offers (or withdraws) the handover
	TypeInterpAccept   = "interp_accept"   // the partner accepts the handover offered
	TypeInterpSwitch   = "interp_switch"   // the live interpreter hands over now, once accepted
	TypeInterpTakeover = "interp_takeover" // a partner takes the live microphone by force (audited)
	TypeInterpCough    = "interp_cough"    // on: the live interpreter mutes the channel while held
	TypeInterpChat     = "interp_chat"     // text: booth-only chat
	TypeInterpSlow     = "interp_slow"     // ask the chair to have the speaker slow down
	TypeInterpFloor    = "interp_floor"    // language: the floor's language while no turn says it (moderator)
	TypeInterpDucking  = "interp_ducking"  // level: the floor's level under a channel, percent (moderator)
)

// TypeInterpState is the interpretation state, server to client; booth
// chat and slow-down requests come back as interp_chat and interp_slow.
const TypeInterpState = "interp_state"

// Refusals of interpretation actions; the session goes on.
const (
	// CodeInterpBooth is an action only an interpreter of a booth may
	// take, or a track in a language the token's booth is not.
	CodeInterpBooth = "interp_booth"
	// CodeInterpNoBooth names a booth the room does not have.
	CodeInterpNoBooth = "interp_no_booth"
	// CodeInterpOwnLanguage is a relay from the interpreter's own booth.
	CodeInterpOwnLanguage = "interp_own_language"
	// CodeInterpCycle is a relay that would make booths relay each other.
	CodeInterpCycle = "interp_relay_cycle"
	// CodeInterpPartnerLive is going live while the partner is.
	CodeInterpPartnerLive = "interp_partner_live"
	// CodeInterpNotLive is an action only the live interpreter may take.
	CodeInterpNotLive = "interp_not_live"
	// CodeInterpNoHandover is an accept without an offer, or a switch
	// before the partner accepted.
	CodeInterpNoHandover = "interp_no_handover"
	// CodeInterpNoPartner is an offer in a booth with nobody to take it.
	CodeInterpNoPartner = "interp_no_partner"
	// CodeInterpSign is a sign-language channel chosen to listen to or
	// relay, or a spoken one chosen to watch.
	CodeInterpSign = "interp_sign"
)

// signLanguages are ISO 639-3 codes of sign languages a booth may be
// named by, besides "sgn" and "sgn-…" (BCP 47's sign-language prefix):
// International Sign and the national sign languages of the countries of
// Chancery's seven interface languages and of its usual partners.
var signLanguages = map[string]bool{
	"ils": true,                           // International Sign
	"hab": true, "hos": true, "haf": true, // Ha Noi, Ho Chi Minh City, Hai Phong sign languages
	"ase": true, "bfi": true, "asf": true, "nzs": true, "isg": true, // American, British, Australian, New Zealand, Irish
	"fsl": true, "sfb": true, "ssr": true, // French, French Belgian, Swiss French
	"ssp": true, "mfs": true, "aed": true, // Spanish, Mexican, Argentine
	"rsl": true, "ukl": true, // Russian, Ukrainian
	"csl": true, "tss": true, "jsl": true, "kvk": true, // Chinese, Taiwan, Japanese, Korean
	"sdl": true, "esl": true, "jos": true, "lbs": true, // Saudi Arabian, Egyptian, Jordanian, Libyan
	"gsg": true, "ise": true, "dse": true, "swl": true, "pso": true, "tsm": true, // German, Italian, Dutch, Swedish, Polish, Turkish
}

// IsSignLanguage reports whether lang (a booth's language) is a sign
// language: its booth interprets on camera into a video channel.
func IsSignLanguage(lang string) bool {
	lang = strings.ToLower(lang)
	return lang == "sgn" || strings.HasPrefix(lang, "sgn-") || signLanguages[lang]
}

// DefaultDucking is the floor's level under an interpretation channel, in
// percent, until the chair sets another: 10 to 20 % is where interpreters
// start (conference.md §2.1).
const DefaultDucking = 15

// InterpInfo is the interp_state message: the room's booths and floor
// settings, and what the recipient chose.
type InterpInfo struct {
	// FloorLanguage is the language the floor speaks now: the running
	// turn's, else the chair's setting ("" unknown).
	FloorLanguage string `json:"floor_language"`
	// FloorSetting is the chair's setting.
	FloorSetting string      `json:"floor_setting"`
	Ducking      int         `json:"ducking"`
	Booths       []BoothInfo `json:"booths"`
	// Booth is the recipient's own booth (interpreters); Hear its source
	// ("" the floor); Listen the channel it listens to ("" the floor).
	Booth  string `json:"booth,omitempty"`
	Hear   string `json:"hear,omitempty"`
	Listen string `json:"listen,omitempty"`
	// Sign is the sign-language channel the recipient watches ("" none).
	Sign string `json:"sign,omitempty"`
}

// BoothInfo describes one booth and its channel.
type BoothInfo struct {
	Language string `json:"language"`
	// TrackID and StreamID find the channel's track among the received
	// media (the msid).
	TrackID  string `json:"track_id"`
	StreamID string `json:"stream_id"`
	// Interpreters are the participant ids of the booth's interpreters in
	// the room, in order of arrival.
	Interpreters []string `json:"interpreters"`
	// Live is the live interpreter's participant id ("" none in the room).
	Live string `json:"live,omitempty"`
	// Offer is the partner the live interpreter offered the handover to,
	// and Accepted whether they accepted.
	Offer    string `json:"offer,omitempty"`
	Accepted bool   `json:"accepted,omitempty"`
	Cough    bool   `json:"cough,omitempty"`
	// Passthrough tells that the floor speaks this language: the channel
	// carries the floor and the booth is idle.
	Passthrough bool `json:"passthrough,omitempty"`
	// Relay lists the booths this booth's interpreters relay.
	Relay []string `json:"relay,omitempty"`
	// Sign marks a sign-language booth: its channel is a video track.
	Sign bool `json:"sign,omitempty"`
}

// booth is one target language's interpreters and channel. Guarded by
// room.mu.
type booth struct {
	lang string
	ch   *media.Channel
	// live and offer are identities, so that a reconnect keeps them.
	live     string
	offer    string
	accepted bool
	cough    bool
	order    []string // participant ids, by arrival
	pass     bool
}

// interp is a room's interpretation state. Guarded by room.mu.
type interp struct {
	booths    map[string]*booth
	floorLang string // the chair's setting
	ducking   int
	// hear is each interpreter's relay booth ("" or absent: the floor);
	// listen each other member's channel; sign the sign-language channel
	// each member watches.
	hear   map[string]string
	listen map[string]string
	sign   map[string]string
	// chatTimes rate-limit booth chat and slow-down requests.
	chatTimes map[string][]time.Time
}

func (r *Room) interpLocked() *interp {
	if r.in.booths == nil {
		r.in = interp{booths: map[string]*booth{}, ducking: DefaultDucking, hear: map[string]string{},
			listen: map[string]string{}, sign: map[string]string{}, chatTimes: map[string][]time.Time{}}
	}
	return &r.in
}

// boothOf is the booth p's token names, lowercase ("" none).
func boothOf(p *Participant) string {
	if p.claims.Role != RoleInterpreter {
		return ""
	}
	return strings.ToLower(p.claims.Booth)
}

// MeetingLanguages is what a Store implements when a room's meeting has
// languages (set by staff for the room, or its event's): each is a booth
// of the room's interpretation from the start, so that listeners choose
// it and consoles show it before any interpreter joins. Without it, a
// booth opens with its first interpreter.
type MeetingLanguages interface {
	// MeetingLanguages returns the languages of the meeting in the room
	// named slug (none: no such list).
	MeetingLanguages(ctx context.Context, slug string) ([]string, error)
}

// meetingLanguagesTTL is how long a room reuses the meeting's languages it
// read, as it does the reception list.
const meetingLanguagesTTL = 30 * time.Second

// meetingLanguages reads the meeting's languages from the store (at most
// every meetingLanguagesTTL); nil without them or on an error, which is
// logged: booths then open with their interpreters.
func (r *Room) meetingLanguages(ctx context.Context) []string {
	ms, ok := r.s.store.(MeetingLanguages)
	if !ok {
		return nil
	}
	r.mu.Lock()
	if !r.langsAt.IsZero() && time.Since(r.langsAt) < meetingLanguagesTTL {
		l := r.langs
		r.mu.Unlock()
		return l
	}
	r.mu.Unlock()
	sctx, cancel := r.s.storeContext(ctx)
	defer cancel()
	langs, err := ms.MeetingLanguages(sctx, r.slug)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("meeting languages", "err", err)
		}
		return nil
	}
	r.mu.Lock()
	r.langs, r.langsAt = langs, time.Now()
	r.mu.Unlock()
	return langs
}

// boothLocked is the booth of lang, opened if need be. r.mu must be held.
func (r *Room) boothLocked(lang string) *booth {
	in := r.interpLocked()
	b := in.booths[lang]
	if b == nil {
		b = &booth{lang: lang, ch: media.NewChannel(media.ChannelParams{ID: "interp-" + lang, Owner: "booth-" + lang,
			Language: lang, Video: IsSignLanguage(lang), Counters: &r.s.counters})}
		in.booths[lang] = b
	}
	return b
}

// interpJoined opens the booths of the meeting's languages and p's booth,
// and sends everyone the state.
func (r *Room) interpJoined(p *Participant) {
	langs := r.meetingLanguages(p.ctx)
	r.mu.Lock()
	for _, l := range langs {
		if l = strings.ToLower(l); validLanguage(l) {
			r.boothLocked(l)
		}
	}
	if lang := boothOf(p); lang != "" {
		b := r.boothLocked(lang)
		b.order = append(b.order, p.id)
	}
	r.mu.Unlock()
	r.interpChanged()
}

// interpLeft forgets p's choices and its place in its booth.
func (r *Room) interpLeft(p *Participant, empty bool) {
	r.mu.Lock()
	in := r.interpLocked()
	delete(in.hear, p.id)
	delete(in.listen, p.id)
	delete(in.sign, p.id)
	if b := in.booths[boothOf(p)]; b != nil {
		b.order = slices.DeleteFunc(b.order, func(id string) bool { return id == p.id })
	}
	if empty {
		for _, b := range in.booths {
			b.ch.Close()
		}
	}
	r.mu.Unlock()
	if !empty {
		r.interpChanged()
	}
}

// memberByIdentityLocked is the admitted member of identity, or nil.
// r.mu must be held.
func (r *Room) memberByIdentityLocked(identity string) *Participant {
	if identity == "" {
		return nil
	}
	for _, p := range r.members {
		if p.joined && p.claims.Identity == identity {
			return p
		}
	}
	return nil
}

// trackOfLocked is the published track of source of the member p, of
// video kind if video. r.mu must be held.
func (r *Room) trackOfLocked(p *Participant, source media.Source, video bool) *upTrack {
	if p == nil {
		return nil
	}
	for _, u := range r.tracks {
		if u.Owner() == p.id && u.Source() == source && (u.Kind() == webrtc.RTPCodecTypeVideo) == video {
			return u
		}
	}
	return nil
}

// routeLocked sets each channel's source from the booths' and the floor's
// state. r.mu must be held.
func (r *Room) routeLocked() {
	in := r.interpLocked()
	lang := r.floorLanguageLocked()
	for _, b := range in.booths {
		b.pass = lang != "" && strings.EqualFold(lang, b.lang)
		var src *upTrack
		video := b.ch.Video()
		switch {
		case b.pass && !r.floor.held:
		case b.pass && video:
			src = r.trackOfLocked(r.memberByIdentityLocked(r.floor.open), media.SourceCamera, true)
		case b.pass:
			src = r.trackOfLocked(r.memberByIdentityLocked(r.floor.open), media.SourceMicrophone, false)
		case video:
			src = r.trackOfLocked(r.memberByIdentityLocked(b.live), media.SourceCamera, true)
		default:
			src = r.trackOfLocked(r.memberByIdentityLocked(b.live), media.SourceInterpretation, false)
		}
		b.ch.SetSource(src)
		b.ch.SetCough(b.cough && !b.pass)
	}
}

// floorLanguageLocked is the language of the floor now: the running
// turn's, else the chair's setting. r.mu must be held.
func (r *Room) floorLanguageLocked() string {
	if r.floor.held && r.floor.lang != "" {
		return strings.ToLower(r.floor.lang)
	}
	return r.interpLocked().floorLang
}

// interpChanged routes the channels anew and sends everyone the state.
func (r *Room) interpChanged() {
	r.recordChannels() // a booth opened while the room is recorded
	r.mu.Lock()
	if len(r.in.booths) == 0 && r.in.floorLang == "" {
		r.mu.Unlock()
		return // no interpretation in this room
	}
	r.routeLocked()
	ps := r.joinedLocked()
	msgs := make([]ServerMessage, len(ps))
	for i, p := range ps {
		msgs[i] = ServerMessage{Type: TypeInterpState, Interp: r.interpInfoLocked(p)}
	}
	r.mu.Unlock()
	for i, p := range ps {
		p.send(msgs[i])
	}
}

// interpInfoLocked describes the interpretation to p. r.mu must be held.
func (r *Room) interpInfoLocked(p *Participant) *InterpInfo {
	in := r.interpLocked()
	info := &InterpInfo{FloorLanguage: r.floorLanguageLocked(), FloorSetting: in.floorLang, Ducking: in.ducking,
		Booths: make([]BoothInfo, 0, len(in.booths)), Booth: boothOf(p), Hear: in.hear[p.id], Listen: in.listen[p.id],
		Sign: in.sign[p.id]}
	relays := map[string][]string{}
	for id, lang := range in.hear {
		if m := r.members[id]; m != nil && lang != "" && !slices.Contains(relays[boothOf(m)], lang) {
			relays[boothOf(m)] = append(relays[boothOf(m)], lang)
		}
	}
	for _, b := range in.booths {
		bi := BoothInfo{Language: b.lang, TrackID: b.ch.Track().ID(), StreamID: b.ch.Track().Owner(),
			Interpreters: append([]string{}, b.order...), Accepted: b.accepted, Cough: b.cough, Passthrough: b.pass,
			Sign: b.ch.Video()}
		if m := r.memberByIdentityLocked(b.live); m != nil {
			bi.Live = m.id
		}
		if m := r.memberByIdentityLocked(b.offer); m != nil {
			bi.Offer = m.id
		}
		bi.Relay = relays[b.lang]
		slices.Sort(bi.Relay)
		info.Booths = append(info.Booths, bi)
	}
	slices.SortFunc(info.Booths, func(a, b BoothInfo) int { return strings.Compare(a.Language, b.Language) })
	return info
}

// wantsLocked reports whether p receives u when it is published: every
// track but interpreters' own, which only their booth partners receive
// (the listeners hear them through the channel), and sign interpreters'
// cameras, which viewers see through the sign channel. r.mu must be held.
func (r *Room) wantsLocked(p *Participant, u *upTrack) bool {
	if p.id == u.Owner() {
		return false
	}
	if u.Source() == media.SourceCamera {
		if o := r.members[u.Owner()]; o != nil && IsSignLanguage(boothOf(o)) {
			return boothOf(p) == boothOf(o)
		}
		return true
	}
	if u.Source() != media.SourceInterpretation {
		return true
	}
	return boothOf(p) != "" && boothOf(p) == strings.ToLower(u.Language())
}

// checkInterpTrack refuses an interpretation track from anyone but an
// interpreter of the booth of its language.
func (p *Participant) checkInterpTrack(t TrackSpec) error {
	if t.Source != SourceInterpretation {
		return nil
	}
	b := boothOf(p)
	if b == "" {
		return protoErr(CodeInterpBooth, "only an interpreter of a booth may publish interpretation")
	}
	if !strings.EqualFold(t.Language, b) {
		return protoErr(CodeInterpBooth, "your invitation names the %s booth, not %q", b, t.Language)
	}
	return nil
}

// checkInterp checks an interpretation message's fields.
func (m *ClientMessage) checkInterp() error {
	switch m.Type {
	case TypeInterpListen, TypeInterpHear, TypeInterpFloor, TypeInterpSign:
		if m.Language != "" && !validLanguage(m.Language) {
			return protoErr(CodeBadMessage, "bad language %q", m.Language)
		}
	case TypeInterpDucking:
		if m.Level < 0 || m.Level > 100 {
			return protoErr(CodeBadMessage, "the level is a percentage, 0 to 100")
		}
	case TypeInterpChat:
		if !utf8.ValidString(m.Text) || utf8.RuneCountInString(m.Text) > MaxChatRunes || strings.TrimSpace(m.Text) == "" {
			return protoErr(CodeBadMessage, "chat text must be 1 to %d characters", MaxChatRunes)
		}
	}
	return nil
}

// handleInterp runs an interpretation message. A refusal goes to the
// sender alone and changes nothing.
func (p *Participant) handleInterp(m ClientMessage) {
	if err := p.interpAction(m); err != nil {
		p.send(errorMessage(err))
	}
}

func (p *Participant) interpAction(m ClientMessage) error {
	r := p.room
	ctx := context.WithoutCancel(p.ctx)
	switch m.Type {
	case TypeInterpListen:
		return p.listen(m.Language)
	case TypeInterpSign:
		return p.watchSign(m.Language)
	case TypeInterpHear:
		return p.hear(m.Language)
	case TypeInterpFloor, TypeInterpDucking:
		if !p.permissions().Moderate {
			return protoErr(CodeForbidden, "only the chair or a technician may do this")
		}
		r.mu.Lock()
		in := r.interpLocked()
		detail := ""
		if m.Type == TypeInterpFloor {
			in.floorLang = strings.ToLower(m.Language)
			detail = "floor language " + in.floorLang
		} else {
			in.ducking = m.Level
			detail = "ducking " + strconv.Itoa(m.Level)
		}
		r.mu.Unlock()
		r.interpChanged()
		r.audit(ctx, p, m.Type, nil, detail)
		return nil
	case TypeInterpChat, TypeInterpSlow:
		return p.interpMessage(m)
	}
	return p.boothAction(ctx, m)
}

// boothAction runs what the interpreters of a booth do with its live
// microphone: go live or off, offer and accept a handover, switch, take
// over, cough.
func (p *Participant) boothAction(ctx context.Context, m ClientMessage) error {
	r := p.room
	r.mu.Lock()
	in := r.interpLocked()
	b := in.booths[boothOf(p)]
	if b == nil {
		r.mu.Unlock()
		return protoErr(CodeInterpBooth, "only an interpreter of a booth may do this")
	}
	me := p.claims.Identity
	liveHere := r.memberByIdentityLocked(b.live) != nil
	var audit string
	var prev *Participant
	switch m.Type {
	case TypeInterpLive:
		switch {
		case !m.On:
			if b.live != me {
				r.mu.Unlock()
				return protoErr(CodeInterpNotLive, "you are not live")
			}
			b.live, b.offer, b.accepted, b.cough = "", "", false, false
		case b.live == me:
		case liveHere:
			r.mu.Unlock()
			return protoErr(CodeInterpPartnerLive, "your partner is live: ask for the handover, or take over")
		default:
			b.live, b.offer, b.accepted, b.cough = me, "", false, false
		}
	case TypeInterpOffer:
		if b.live != me {
			r.mu.Unlock()
			return protoErr(CodeInterpNotLive, "only the live interpreter offers the handover")
		}
		if !m.On {
			b.offer, b.accepted = "", false
			break
		}
		to := r.partnerLocked(b, p, m.Participant)
		if to == nil {
			r.mu.Unlock()
			return protoErr(CodeInterpNoPartner, "no partner in the booth to hand over to")
		}
		b.offer, b.accepted = to.claims.Identity, false
	case TypeInterpAccept:
		if b.offer != me {
			r.mu.Unlock()
			return protoErr(CodeInterpNoHandover, "no handover was offered to you")
		}
		b.accepted = true
	case TypeInterpSwitch:
		if b.live != me {
			r.mu.Unlock()
			return protoErr(CodeInterpNotLive, "only the live interpreter switches")
		}
		if !b.accepted || r.memberByIdentityLocked(b.offer) == nil {
			r.mu.Unlock()
			return protoErr(CodeInterpNoHandover, "your partner has not accepted the handover")
		}
		b.live, b.offer, b.accepted, b.cough = b.offer, "", false, false
	case TypeInterpTakeover:
		if b.live == me {
			break
		}
		prev = r.memberByIdentityLocked(b.live)
		b.live, b.offer, b.accepted, b.cough = me, "", false, false
		audit = "interp_takeover"
	case TypeInterpCough:
		if b.live != me {
			r.mu.Unlock()
			return protoErr(CodeInterpNotLive, "only the live interpreter's cough mutes the channel")
		}
		b.cough = m.On
	}
	lang := b.lang
	r.mu.Unlock()
	r.interpChanged()
	if audit != "" {
		r.audit(ctx, p, audit, prev, "booth "+lang)
	}
	return nil
}

// partnerLocked is the interpreter of b the live one p hands over to:
// the one named (participant id), else the first other in the booth.
func (r *Room) partnerLocked(b *booth, p *Participant, named string) *Participant {
	for _, id := range b.order {
		o := r.members[id]
		if o == nil || o == p || !o.joined || (named != "" && id != named) {
			continue
		}
		return o
	}
	return nil
}

// listen makes p listen to the channel of lang ("" none).
func (p *Participant) listen(lang string) error {
	r := p.room
	lang = strings.ToLower(lang)
	r.mu.Lock()
	in := r.interpLocked()
	if boothOf(p) != "" {
		r.mu.Unlock()
		return protoErr(CodeInterpBooth, "interpreters choose what they hear as their source")
	}
	if b := in.booths[lang]; b != nil && b.ch.Video() {
		r.mu.Unlock()
		return protoErr(CodeInterpSign, "%s is a sign language: watch its channel instead", lang)
	}
	old, nu, err := r.chooseLocked(p, in.listen, lang)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	p.switchChannel(old, nu)
	r.interpChanged()
	return nil
}

// hear makes the interpreter p hear the floor ("") or relay the booth of
// lang. Its own language and a relay cycle are refused.
func (p *Participant) hear(lang string) error {
	r := p.room
	lang = strings.ToLower(lang)
	own := boothOf(p)
	if own == "" {
		return protoErr(CodeInterpBooth, "only an interpreter of a booth chooses a source")
	}
	if lang == own {
		return protoErr(CodeInterpOwnLanguage, "you cannot relay your own booth")
	}
	r.mu.Lock()
	in := r.interpLocked()
	if b := in.booths[lang]; b != nil && b.ch.Video() {
		r.mu.Unlock()
		return protoErr(CodeInterpSign, "%s is a sign language: it cannot be relayed", lang)
	}
	if lang != "" && in.booths[lang] != nil && r.relayReachesLocked(lang, own) {
		r.mu.Unlock()
		return protoErr(CodeInterpCycle, "the %s booth relays yours: relaying it would make a cycle", lang)
	}
	old, nu, err := r.chooseLocked(p, in.hear, lang)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	p.switchChannel(old, nu)
	r.interpChanged()
	return nil
}

// watchSign makes p watch the sign-language channel of lang ("" none),
// besides what it listens to. The sign interpreters see each other
// directly.
func (p *Participant) watchSign(lang string) error {
	r := p.room
	lang = strings.ToLower(lang)
	r.mu.Lock()
	in := r.interpLocked()
	if IsSignLanguage(boothOf(p)) {
		r.mu.Unlock()
		return protoErr(CodeInterpBooth, "sign interpreters see their partner directly")
	}
	if b := in.booths[lang]; b != nil && !b.ch.Video() {
		r.mu.Unlock()
		return protoErr(CodeInterpSign, "%s is a spoken language: listen to its channel instead", lang)
	}
	old, nu, err := r.chooseLocked(p, in.sign, lang)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	p.switchChannel(old, nu)
	r.interpChanged()
	return nil
}

// relayReachesLocked reports whether booth from, following the relays its
// interpreters chose, reaches booth to.
func (r *Room) relayReachesLocked(from, to string) bool {
	edges := map[string][]string{}
	for id, lang := range r.in.hear {
		if m := r.members[id]; m != nil && lang != "" {
			edges[boothOf(m)] = append(edges[boothOf(m)], lang)
		}
	}
	seen := map[string]bool{}
	stack := []string{from}
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if b == to {
			return true
		}
		if seen[b] {
			continue
		}
		seen[b] = true
		stack = append(stack, edges[b]...)
	}
	return false
}

// chooseLocked records p's choice of channel in choices and returns the
// channel tracks to leave and to receive. r.mu must be held.
func (r *Room) chooseLocked(p *Participant, choices map[string]string, lang string) (old, nu *upTrack, err error) {
	in := r.interpLocked()
	var b *booth
	if lang != "" {
		if b = in.booths[lang]; b == nil {
			return nil, nil, protoErr(CodeInterpNoBooth, "there is no %s booth in this room", lang)
		}
	}
	if prev := in.booths[choices[p.id]]; prev != nil && choices[p.id] != "" {
		old = prev.ch.Track()
	}
	if lang == "" {
		delete(choices, p.id)
	} else {
		choices[p.id] = lang
		nu = b.ch.Track()
	}
	if old == nu {
		return nil, nil, nil
	}
	return old, nu, nil
}

// switchChannel moves p's subscription from one channel track to another,
// on its ops goroutine.
func (p *Participant) switchChannel(old, nu *upTrack) {
	if old == nil && nu == nil {
		return
	}
	p.enqueue(func() {
		if old != nil {
			p.unsubscribe(old)
		}
		if nu != nil {
			p.subscribe(nu)
		}
	})
}

// interpMessage sends booth chat to the booth, or a slow-down request to
// the moderators.
func (p *Participant) interpMessage(m ClientMessage) error {
	r := p.room
	lang := boothOf(p)
	if lang == "" {
		return protoErr(CodeInterpBooth, "only an interpreter of a booth may do this")
	}
	now := r.s.now()
	r.mu.Lock()
	in := r.interpLocked()
	keep := in.chatTimes[p.id][:0]
	for _, at := range in.chatTimes[p.id] {
		if now.Sub(at) < 10*time.Second {
			keep = append(keep, at)
		}
	}
	if len(keep) >= 10 {
		in.chatTimes[p.id] = keep
		r.mu.Unlock()
		return protoErr(CodeRateLimit, "too many messages")
	}
	in.chatTimes[p.id] = append(keep, now)
	var to []*Participant
	for _, o := range r.joinedLocked() {
		if (m.Type == TypeInterpChat && boothOf(o) == lang) || (m.Type == TypeInterpSlow && o.perms.Moderate) {
			to = append(to, o)
		}
	}
	r.mu.Unlock()
	msg := ChatMessage{Participant: p.id, Identity: p.claims.Identity, Name: p.claims.Name, Text: m.Text, At: now.UnixMilli()}
	for _, o := range to {
		o.send(ServerMessage{Type: m.Type, Message: &msg, Booth: lang})
	}
	if m.Type == TypeInterpSlow {
		p.send(ServerMessage{Type: m.Type, Message: &msg, Booth: lang}) // the sender sees it went
	}
	return nil
}
