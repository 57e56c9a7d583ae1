package sfu

import (
	"errors"
	"testing"

	"github.com/mofa-vn/chancery/internal/procedure"
)

// FuzzDecodeProcedureMessage: whatever a client sends, a procedure message
// that is accepted names a vote where it needs one, a known choice, rule
// and quorum rule within bounds, a motion of printable text and a receipt
// of bounded size; anything else is a refusal with a code.
func FuzzDecodeProcedureMessage(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"roll_call_open"}`,
		`{"v":1,"type":"roll_call_answer"}`,
		`{"v":1,"type":"voter_designate","participant":"p-1"}`,
		`{"v":1,"type":"procedure_settings","settings":{"quorum":{"kind":"fixed","n":3},"public":true}}`,
		`{"v":1,"type":"procedure_settings","settings":{"quorum":{"kind":"majority","n":-4}}}`,
		`{"v":1,"type":"vote_open","motion":"Adopt the agenda","rule":"two_thirds","secret":true}`,
		`{"v":1,"type":"vote_open","motion":"x","rule":"consensus","secret":true}`,
		`{"v":1,"type":"vote_cast","vote":4,"choice":"abstain","receipt":"AAAA"}`,
		`{"v":1,"type":"vote_cast","vote":-4,"choice":"oui"}`,
		`{"v":1,"type":"vote_close","vote":4}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeClientMessage(b)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) || pe.Code == "" {
				t.Fatalf("error without a code: %v", err)
			}
			return
		}
		switch m.Type {
		case TypeVoteOpen:
			if !procedure.ValidMotion(m.Motion) || !m.Rule.Valid() || (m.Rule == procedure.Consensus && m.Secret) {
				t.Fatalf("accepted %+v", m)
			}
		case TypeVoteCast:
			if m.Vote <= 0 || !m.Choice.Valid() || len(m.Receipt) > 64 {
				t.Fatalf("accepted %+v", m)
			}
		case TypeVoteClose:
			if m.Vote <= 0 {
				t.Fatalf("accepted %+v", m)
			}
		case TypeProcSettings:
			q := m.Settings.Quorum
			if !q.Kind.Valid() || q.N < 0 || q.N > procedure.MaxDelegations || (q.Kind == procedure.QuorumFixed && q.N < 1) {
				t.Fatalf("accepted %+v", q)
			}
		case TypeDesignate:
			if m.Participant == "" || len(m.Participant) > 64 {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}
