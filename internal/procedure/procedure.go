package procedure

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Choice is a delegation's answer to a motion.
type Choice string

// The choices of a motion.
const (
	Yes     Choice = "yes"
	No      Choice = "no"
	Abstain Choice = "abstain"
)

// Choices lists the choices in the order sheets show them.
var Choices = []Choice{Yes, No, Abstain}

// Valid reports whether c is a known choice.
func (c Choice) Valid() bool { return c == Yes || c == No || c == Abstain }

// Rule is how a motion is decided.
type Rule string

// The rules of decision.
const (
	// Simple is a simple majority of the delegations present and voting:
	// more yes than no, abstentions not counted.
	Simple Rule = "simple"
	// TwoThirds needs at least two thirds of those present and voting
	// (yes and no) to vote yes.
	TwoThirds Rule = "two_thirds"
	// Consensus is a decision recorded without a vote.
	Consensus Rule = "consensus"
)

// Valid reports whether r is a known rule.
func (r Rule) Valid() bool { return r == Simple || r == TwoThirds || r == Consensus }

// Outcome is what became of a motion.
type Outcome string

// The outcomes.
const (
	Adopted  Outcome = "adopted"
	Rejected Outcome = "rejected"
)

// Counts are a vote's totals.
type Counts struct {
	Yes     int `json:"yes"`
	No      int `json:"no"`
	Abstain int `json:"abstain"`
}

// Add adds n to c's count of choice.
func (c *Counts) Add(choice Choice, n int) {
	switch choice {
	case Yes:
		c.Yes += n
	case No:
		c.No += n
	case Abstain:
		c.Abstain += n
	}
}

// Cast is the number of ballots.
func (c Counts) Cast() int { return c.Yes + c.No + c.Abstain }

// TallySize is the length of an encoded tally: three counts of four bytes,
// whatever their values, so that a sealed tally's length tells nothing.
const TallySize = 12

// ErrTally is a tally that does not decode.
var ErrTally = errors.New("procedure: a tally is 12 bytes of three counts")

// EncodeTally writes the running counts of a secret vote, to be sealed.
// Counts out of range (negative, or beyond 2³¹) are an error.
func EncodeTally(c Counts) ([]byte, error) {
	b := make([]byte, 0, TallySize)
	for _, n := range []int{c.Yes, c.No, c.Abstain} {
		if n < 0 || n > math.MaxInt32 {
			return nil, ErrTally
		}
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	return b, nil
}

// DecodeTally reads what EncodeTally wrote; no bytes at all are the
// tally of a vote no one has voted in yet.
func DecodeTally(b []byte) (Counts, error) {
	if len(b) == 0 {
		return Counts{}, nil
	}
	if len(b) != TallySize {
		return Counts{}, ErrTally
	}
	var n [3]int
	for i := range n {
		v := binary.BigEndian.Uint32(b[4*i:])
		if v > math.MaxInt32 {
			return Counts{}, ErrTally
		}
		n[i] = int(v)
	}
	return Counts{Yes: n[0], No: n[1], Abstain: n[2]}, nil
}

// Decide applies rule to the counts. Consensus is adopted: it is recorded
// only when there is one. A tie under the simple majority is rejected, as
// is a motion no one voted yes or no on.
func Decide(rule Rule, c Counts) Outcome {
	switch rule {
	case Consensus:
		return Adopted
	case TwoThirds:
		if c.Yes > 0 && 3*c.Yes >= 2*(c.Yes+c.No) {
			return Adopted
		}
	default:
		if c.Yes > c.No {
			return Adopted
		}
	}
	return Rejected
}

// QuorumKind is how the quorum of a room is set.
type QuorumKind string

// The quorum rules.
const (
	// QuorumMajority is more than half of the membership (the delegations
	// accredited to the event, or the number the chair set).
	QuorumMajority QuorumKind = "majority"
	// QuorumFixed is at least a fixed number of delegations present.
	QuorumFixed QuorumKind = "fixed"
)

// Valid reports whether k is a known quorum rule.
func (k QuorumKind) Valid() bool { return k == QuorumMajority || k == QuorumFixed }

// Quorum is a room's quorum rule: Kind, and N, the fixed number
// (QuorumFixed) or the membership when no event accredits delegations to
// the room (QuorumMajority).
type Quorum struct {
	Kind QuorumKind `json:"kind"`
	N    int        `json:"n"`
}

// MaxDelegations bounds the numbers of a quorum rule.
const MaxDelegations = 1000

// Required returns how many delegations must be present under q, given
// the number accredited (0: unknown, N is the membership).
func (q Quorum) Required(accredited int) int {
	if q.Kind == QuorumFixed {
		return max(q.N, 1)
	}
	members := accredited
	if members <= 0 {
		members = q.N
	}
	return members/2 + 1
}

// Membership is the number of delegations the quorum is counted against.
func (q Quorum) Membership(accredited int) int {
	if accredited > 0 {
		return accredited
	}
	return q.N
}

// MaxMotionRunes bounds a motion's text.
const MaxMotionRunes = 500

// ValidMotion accepts 1 to MaxMotionRunes characters, not all spaces, with
// no control or format characters except newlines.
func ValidMotion(s string) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxMotionRunes {
		return false
	}
	blank := true
	for _, c := range s {
		if c != '\n' && (unicode.IsControl(c) || unicode.Is(unicode.Cf, c)) {
			return false
		}
		if !unicode.IsSpace(c) {
			blank = false
		}
	}
	return !blank
}

// Receipt is the proof a voter's client keeps of its secret ballot: an
// HMAC, under the vote's key, of the vote, the delegation, the ballot's
// version and the choice. It names the choice only to someone holding
// both the key and the receipt.
func Receipt(key []byte, vote int64, delegation string, version int, c Choice) string {
	m := hmac.New(sha256.New, key)
	for _, f := range []string{"chancery ballot", strconv.FormatInt(vote, 10), delegation, strconv.Itoa(version), string(c)} {
		m.Write([]byte(strconv.Itoa(len(f)) + ":" + f + ";"))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Opened returns the choice receipt names for the ballot at version, and
// false if it names none (forged, stale or of another ballot).
func Opened(key []byte, vote int64, delegation string, version int, receipt string) (Choice, bool) {
	for _, c := range Choices {
		if hmac.Equal([]byte(Receipt(key, vote, delegation, version, c)), []byte(receipt)) {
			return c, true
		}
	}
	return "", false
}
