package procedure

import (
	"math"
	"testing"
)

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		rule Rule
		c    Counts
		want Outcome
	}{
		{Simple, Counts{Yes: 3, No: 2, Abstain: 10}, Adopted},
		{Simple, Counts{Yes: 2, No: 2}, Rejected},
		{Simple, Counts{Abstain: 5}, Rejected},
		{Simple, Counts{Yes: 1}, Adopted},
		{TwoThirds, Counts{Yes: 2, No: 1}, Adopted},
		{TwoThirds, Counts{Yes: 19, No: 10}, Rejected},
		{TwoThirds, Counts{Yes: 20, No: 10, Abstain: 30}, Adopted},
		{TwoThirds, Counts{Abstain: 3}, Rejected},
		{Consensus, Counts{}, Adopted},
	} {
		if got := Decide(tc.rule, tc.c); got != tc.want {
			t.Errorf("Decide(%s, %+v) = %s, want %s", tc.rule, tc.c, got, tc.want)
		}
	}
}

func TestQuorum(t *testing.T) {
	for _, tc := range []struct {
		q          Quorum
		accredited int
		want       int
	}{
		{Quorum{QuorumMajority, 0}, 50, 26},
		{Quorum{QuorumMajority, 0}, 51, 26},
		{Quorum{QuorumMajority, 9}, 0, 5},
		{Quorum{QuorumMajority, 9}, 4, 3},
		{Quorum{QuorumFixed, 7}, 50, 7},
		{Quorum{QuorumFixed, 0}, 50, 1},
	} {
		if got := tc.q.Required(tc.accredited); got != tc.want {
			t.Errorf("%+v.Required(%d) = %d, want %d", tc.q, tc.accredited, got, tc.want)
		}
	}
}

// A receipt opens to the choice it was made for, only at its version and
// for its vote and delegation; anything else opens to nothing.
func TestReceipt(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	r := Receipt(key, 7, "Viet Nam", 1, No)
	if c, ok := Opened(key, 7, "Viet Nam", 1, r); !ok || c != No {
		t.Fatalf("Opened = %q %v", c, ok)
	}
	for name, ok := range map[string]bool{
		"version": func() bool { _, ok := Opened(key, 7, "Viet Nam", 2, r); return ok }(),
		"vote":    func() bool { _, ok := Opened(key, 8, "Viet Nam", 1, r); return ok }(),
		"deleg":   func() bool { _, ok := Opened(key, 7, "France", 1, r); return ok }(),
		"key":     func() bool { _, ok := Opened([]byte("other"), 7, "Viet Nam", 1, r); return ok }(),
		"forged":  func() bool { _, ok := Opened(key, 7, "Viet Nam", 1, "AAAA"); return ok }(),
	} {
		if ok {
			t.Errorf("a receipt opened with another %s", name)
		}
	}
}

func TestValidMotion(t *testing.T) {
	for s, want := range map[string]bool{"Adopt the agenda": true, "": false, "   ": false, "a\x00b": false, "line\nline": true,
		"a\u202eb": false, string(make([]byte, 0)): false} {
		if ValidMotion(s) != want {
			t.Errorf("ValidMotion(%q) != %v", s, want)
		}
	}
}

// TestTally: a tally is always TallySize bytes, decodes to what was
// encoded, and hostile bytes are refused, never a panic.
func TestTally(t *testing.T) {
	for _, c := range []Counts{{}, {Yes: 1}, {No: 1}, {Abstain: 1}, {Yes: 999, No: 0, Abstain: 1000}, {Yes: math.MaxInt32}} {
		b, err := EncodeTally(c)
		if err != nil || len(b) != TallySize {
			t.Fatalf("EncodeTally(%+v) = %x, %v", c, b, err)
		}
		if got, err := DecodeTally(b); err != nil || got != c {
			t.Fatalf("DecodeTally(EncodeTally(%+v)) = %+v, %v", c, got, err)
		}
	}
	if got, err := DecodeTally(nil); err != nil || got != (Counts{}) {
		t.Fatalf("empty tally = %+v, %v", got, err)
	}
	for _, c := range []Counts{{Yes: -1}, {Abstain: math.MaxInt32 + 1}} {
		if _, err := EncodeTally(c); err == nil {
			t.Errorf("encoded %+v", c)
		}
	}
	for _, b := range [][]byte{{1}, make([]byte, 13), {0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}} {
		if _, err := DecodeTally(b); err == nil {
			t.Errorf("decoded %x", b)
		}
	}
}

func FuzzDecodeTally(f *testing.F) {
	f.Add([]byte{})
	f.Add(make([]byte, TallySize))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeTally(b)
		if err != nil {
			return
		}
		again, err := EncodeTally(c)
		if err != nil || (len(b) > 0 && string(again) != string(b)) {
			t.Fatalf("%x decoded to %+v, encodes to %x (%v)", b, c, again, err)
		}
	})
}
