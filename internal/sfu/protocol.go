package sfu

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/pion/webrtc/v4"

	"github.com/mofa-vn/chancery/internal/procedure"
)

// ProtocolVersion is the version of the signalling protocol. Every message
// carries it in "v"; a client speaking another version is refused. The
// protocol is documented in docs/signalling.md.
const ProtocolVersion = 1

// MaxMessageBytes bounds one signalling message. An SDP offer with three
// simulcast layers and a screen track is well under 20 kB.
const MaxMessageBytes = 64 << 10

// Source is what a track carries.
type Source string

// The sources of tracks.
const (
	SourceCamera         Source = "camera"
	SourceMicrophone     Source = "microphone"
	SourceScreen         Source = "screen"
	SourceInterpretation Source = "interpretation"
)

func (s Source) kind() (webrtc.RTPCodecType, bool) {
	switch s {
	case SourceCamera, SourceScreen:
		return webrtc.RTPCodecTypeVideo, true
	case SourceMicrophone, SourceInterpretation:
		return webrtc.RTPCodecTypeAudio, true
	}
	return 0, false
}

// Client-to-server message types.
const (
	TypeJoin      = "join"      // token
	TypeOffer     = "offer"     // sdp, tracks: the publishing connection's offer
	TypeAnswer    = "answer"    // sdp: answer to the server's offer on the subscribing connection
	TypeCandidate = "candidate" // target, candidate: trickle ICE
	TypeRestart   = "restart"   // ask the server to restart ICE on the subscribing connection
	TypeView      = "view"      // track, width, height: how large the client shows a video
	TypeMuteSelf  = "mute_self" // source, muted
	TypeChat      = "chat"      // text
	TypeHand      = "hand"      // raised
	TypeAdmit     = "admit"     // participant (moderator)
	TypeDeny      = "deny"      // participant (moderator)
	TypeMute      = "mute"      // participant, source (moderator)
	TypeRemove    = "remove"    // participant (moderator)
	TypeLock      = "lock"      // locked (moderator)
	TypeRecord    = "record"    // recording: start or stop recording the room (moderator)
	// TypeAllowUnmute lifts a moderator's mute of participant's source, so
	// that the participant may unmute again (moderator).
	TypeAllowUnmute = "allow_unmute"
	TypePing        = "ping"
)

// Server-to-client message types (besides offer, answer, candidate, chat and
// hand, which go both ways).
const (
	TypeWelcome     = "welcome"     // you are in: the room's state
	TypeLobby       = "lobby"       // you wait in the lobby
	TypeParticipant = "participant" // a participant joined or changed
	TypeLeft        = "left"        // a participant left
	TypeTrack       = "track"       // a track was published or changed
	TypeUntrack     = "untrack"     // a track was unpublished
	TypeSpeakers    = "speakers"    // the active speakers, loudest first
	TypeWaiting     = "waiting"     // moderators: who waits in the lobby
	TypeLocked      = "locked"      // the room was locked or unlocked
	TypeRecording   = "recording"   // recording, reason: the room's recording started or stopped
	TypeToken       = "token"       // token, expires_at: a fresh rejoin token before the last one expires
	TypeError       = "error"       // code, message
	TypeBye         = "bye"         // reason: the server closes the connection
	TypePong        = "pong"
)

// Targets of a trickled ICE candidate.
const (
	TargetPublish   = "pub"
	TargetSubscribe = "sub"
)

// TrackSpec is what a publisher says about a track in its offer: the
// MediaStreamTrack id and what it carries.
type TrackSpec struct {
	ID       string `json:"id"`
	Source   Source `json:"source"`
	Language string `json:"language,omitempty"`
}

// ClientMessage is a message from a client. Which fields are used depends on
// Type; DecodeClientMessage checks them.
type ClientMessage struct {
	V           int                      `json:"v"`
	Type        string                   `json:"type"`
	Token       string                   `json:"token,omitempty"`
	SDP         string                   `json:"sdp,omitempty"`
	Tracks      []TrackSpec              `json:"tracks,omitempty"`
	Target      string                   `json:"target,omitempty"`
	Candidate   *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	Track       string                   `json:"track,omitempty"`
	Width       int                      `json:"width,omitempty"`
	Height      int                      `json:"height,omitempty"`
	Source      Source                   `json:"source,omitempty"`
	Muted       bool                     `json:"muted,omitempty"`
	Text        string                   `json:"text,omitempty"`
	Raised      bool                     `json:"raised,omitempty"`
	Participant string                   `json:"participant,omitempty"`
	Locked      bool                     `json:"locked,omitempty"`
	Delegation  string                   `json:"delegation,omitempty"` // admit_delegation: a ReceptionDelegation's Key
	Recording   bool                     `json:"recording,omitempty"`
	// Floor control (floor.go).
	Request    int64        `json:"request,omitempty"`
	Kind       FloorKind    `json:"kind,omitempty"`
	Position   int          `json:"position,omitempty"`
	AgendaItem string       `json:"agenda_item,omitempty"`
	Language   string       `json:"language,omitempty"`
	Times      map[Role]int `json:"times,omitempty"`
	// Roll call and votes (procedure.go).
	Motion   string             `json:"motion,omitempty"`
	Secret   bool               `json:"secret,omitempty"`
	Rule     procedure.Rule     `json:"rule,omitempty"`
	Vote     int64              `json:"vote,omitempty"`
	Choice   procedure.Choice   `json:"choice,omitempty"`
	Receipt  string             `json:"receipt,omitempty"`
	Settings *ProcedureSettings `json:"settings,omitempty"`
	// Interpretation (interp.go).
	On    bool `json:"on,omitempty"`
	Level int  `json:"level,omitempty"`
}

// ProtocolError is a bad message from a client. Code is stable and the
// client translates it; the connection is closed after it is sent.
type ProtocolError struct {
	Code string
	Msg  string
}

func (e *ProtocolError) Error() string { return "sfu: " + e.Code + ": " + e.Msg }

func protoErr(code, format string, a ...any) *ProtocolError {
	return &ProtocolError{Code: code, Msg: fmt.Sprintf(format, a...)}
}

// Error codes sent to clients.
const (
	CodeBadMessage = "bad_message"
	CodeBadVersion = "bad_version"
	CodeTooLarge   = "too_large"
	CodeBadToken   = "bad_token"
	CodeExpired    = "token_expired"
	CodeLocked     = "room_locked"
	CodeDenied     = "denied"
	CodeForbidden  = "forbidden"
	CodeBadSDP     = "bad_sdp"
	CodeNotFound   = "not_found"
	CodeRateLimit  = "rate_limited"
	// CodeRevoked is a join token revoked before its expiry.
	CodeRevoked = "token_revoked"
	// CodeIdentityInUse is a join with another token for an identity that
	// is in the room: it is refused rather than allowed to take over the
	// session of whoever holds the identity.
	CodeIdentityInUse = "identity_in_use"
	// CodeMutedByChair refuses a participant's own unmute while a
	// moderator's mute of that source stands.
	CodeMutedByChair = "muted_by_chair"
)

// MaxChatRunes bounds one chat message.
const MaxChatRunes = 2000

// DecodeClientMessage parses and checks one message. Unknown fields, unknown
// types, a wrong version and out-of-range values are errors.
func DecodeClientMessage(b []byte) (ClientMessage, error) {
	var m ClientMessage
	if len(b) > MaxMessageBytes {
		return m, protoErr(CodeTooLarge, "message of %d bytes is over %d", len(b), MaxMessageBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return ClientMessage{}, protoErr(CodeBadMessage, "not a signalling message: %v", err)
	}
	if dec.More() {
		return ClientMessage{}, protoErr(CodeBadMessage, "trailing data after the message")
	}
	if m.V != ProtocolVersion {
		return ClientMessage{}, protoErr(CodeBadVersion, "protocol version %d is not %d", m.V, ProtocolVersion)
	}
	if err := m.check(); err != nil {
		return ClientMessage{}, err
	}
	return m, nil
}

func (m *ClientMessage) check() error {
	switch m.Type {
	case TypeJoin:
		if m.Token == "" {
			return protoErr(CodeBadMessage, "join needs a token")
		}
	case TypeOffer, TypeAnswer:
		if m.SDP == "" {
			return protoErr(CodeBadMessage, "%s needs an sdp", m.Type)
		}
		if len(m.Tracks) > 8 {
			return protoErr(CodeBadMessage, "at most 8 tracks")
		}
		for _, t := range m.Tracks {
			if _, ok := t.Source.kind(); !ok || t.ID == "" || len(t.ID) > 128 || len(t.Language) > 16 {
				return protoErr(CodeBadMessage, "bad track %q", t.ID)
			}
		}
	case TypeCandidate:
		if m.Target != TargetPublish && m.Target != TargetSubscribe {
			return protoErr(CodeBadMessage, "candidate target must be pub or sub")
		}
		if m.Candidate == nil {
			return protoErr(CodeBadMessage, "candidate missing")
		}
	case TypeView:
		if m.Track == "" || m.Width < 0 || m.Height < 0 || m.Width > 16384 || m.Height > 16384 {
			return protoErr(CodeBadMessage, "view needs a track and a size")
		}
	case TypeMuteSelf:
		if _, ok := m.Source.kind(); !ok {
			return protoErr(CodeBadMessage, "unknown source %q", m.Source)
		}
	case TypeChat:
		if !utf8.ValidString(m.Text) || utf8.RuneCountInString(m.Text) > MaxChatRunes || len(bytes.TrimSpace([]byte(m.Text))) == 0 {
			return protoErr(CodeBadMessage, "chat text must be 1 to %d characters", MaxChatRunes)
		}
	case TypeAdmitDelegation:
		if !checkDelegationKey(m.Delegation) {
			return protoErr(CodeBadMessage, "admit_delegation needs a delegation")
		}
	case TypeAdmit, TypeDeny, TypeRemove:
		if m.Participant == "" {
			return protoErr(CodeBadMessage, "%s needs a participant", m.Type)
		}
	case TypeMute, TypeAllowUnmute:
		if _, ok := m.Source.kind(); !ok || m.Participant == "" {
			return protoErr(CodeBadMessage, "%s needs a participant and a source", m.Type)
		}
	case TypeRestart, TypeHand, TypeLock, TypePing, TypeRecord:
	case TypeFloorRequest, TypeFloorCancel, TypeFloorGrant, TypeFloorPause, TypeFloorResume, TypeFloorEnd,
		TypeFloorDeny, TypeFloorReorder, TypeFloorAgenda, TypeFloorLanguage:
		return m.checkFloor()
	case TypeRollCallOpen, TypeRollCallClose, TypeRollCallAnswer, TypeDesignate, TypeProcSettings, TypeVoteOpen, TypeVoteCast, TypeVoteClose:
		return m.checkProcedure()
	case TypeInterpListen, TypeInterpSign, TypeInterpHear, TypeInterpLive, TypeInterpOffer, TypeInterpAccept, TypeInterpSwitch,
		TypeInterpTakeover, TypeInterpCough, TypeInterpChat, TypeInterpSlow, TypeInterpFloor, TypeInterpDucking:
		return m.checkInterp()
	default:
		return protoErr(CodeBadMessage, "unknown message type %q", m.Type)
	}
	return nil
}

// ParticipantInfo describes a participant to clients.
type ParticipantInfo struct {
	ID          string      `json:"id"`
	Identity    string      `json:"identity"`
	Name        string      `json:"name"`
	Delegation  string      `json:"delegation,omitempty"`
	Head        bool        `json:"head,omitempty"` // the head of the delegation
	Role        Role        `json:"role"`
	Booth       string      `json:"booth,omitempty"` // an interpreter's booth
	Permissions Permissions `json:"permissions"`
	Hand        bool        `json:"hand,omitempty"`
	// Rank is the place of the participant's delegation in the meeting's
	// order of precedence (1 first); 0 without one. Clients order the
	// participants and tiles by it.
	Rank int `json:"rank,omitempty"`
	// ChairMuted lists the sources a moderator muted and has not allowed
	// the participant to unmute yet.
	ChairMuted []ChairMute `json:"chair_muted,omitempty"`
}

// TrackInfo describes a published track to clients. Subscribers find the
// media by StreamID (the participant id) and ID in the received stream.
type TrackInfo struct {
	ID          string `json:"id"`
	Participant string `json:"participant"`
	Kind        string `json:"kind"`
	Source      Source `json:"source"`
	Language    string `json:"language,omitempty"`
	Simulcast   bool   `json:"simulcast,omitempty"`
	Muted       bool   `json:"muted,omitempty"`
}

// ChatMessage is one chat line.
type ChatMessage struct {
	ID          int64  `json:"id"`
	Participant string `json:"participant,omitempty"`
	Identity    string `json:"identity"`
	Name        string `json:"name"`
	Delegation  string `json:"delegation,omitempty"`
	Text        string `json:"text"`
	At          int64  `json:"at"` // Unix milliseconds
}

// ServerMessage is a message to a client.
type ServerMessage struct {
	V            int                      `json:"v"`
	Type         string                   `json:"type"`
	SDP          string                   `json:"sdp,omitempty"`
	Target       string                   `json:"target,omitempty"`
	Candidate    *webrtc.ICECandidateInit `json:"candidate,omitempty"`
	Self         *ParticipantInfo         `json:"self,omitempty"`
	Participant  *ParticipantInfo         `json:"participant,omitempty"`
	Participants []ParticipantInfo        `json:"participants,omitempty"`
	Track        *TrackInfo               `json:"track,omitempty"`
	Tracks       []TrackInfo              `json:"tracks,omitempty"`
	TrackID      string                   `json:"track_id,omitempty"`
	ID           string                   `json:"id,omitempty"`
	Speakers     []string                 `json:"speakers,omitempty"`
	Chat         []ChatMessage            `json:"chat,omitempty"`
	Message      *ChatMessage             `json:"message,omitempty"`
	Waiting      []ParticipantInfo        `json:"waiting,omitempty"`
	Reception    *ReceptionList           `json:"reception,omitempty"` // waiting: who is expected (rooms with a Reception)
	Locked       *bool                    `json:"locked,omitempty"`
	Recording    *bool                    `json:"recording,omitempty"` // recording: whether the room is recorded
	ICEServers   []webrtc.ICEServer       `json:"ice_servers,omitempty"`
	Room         string                   `json:"room,omitempty"`
	Token        string                   `json:"token,omitempty"`      // welcome, token: a fresh token to rejoin with after a network loss
	ExpiresAt    int64                    `json:"expires_at,omitempty"` // welcome, token: when Token expires (Unix seconds)
	Code         string                   `json:"code,omitempty"`
	Error        string                   `json:"message_text,omitempty"`
	Reason       string                   `json:"reason,omitempty"`
	Floor        *FloorInfo               `json:"floor,omitempty"`     // floor_state
	Procedure    *ProcedureInfo           `json:"procedure,omitempty"` // procedure_state
	VoteID       int64                    `json:"vote,omitempty"`      // vote_receipt
	Receipt      string                   `json:"receipt,omitempty"`   // vote_receipt: never logged, never stored
	Interp       *InterpInfo              `json:"interp,omitempty"`    // interp_state
	Booth        string                   `json:"booth,omitempty"`     // interp_chat, interp_slow: the sender's booth
}

func errorMessage(err error) ServerMessage {
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		pe = &ProtocolError{Code: CodeBadMessage, Msg: err.Error()}
	}
	return ServerMessage{Type: TypeError, Code: pe.Code, Error: pe.Msg}
}
