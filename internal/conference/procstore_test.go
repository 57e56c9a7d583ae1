package conference_test

import (
	"errors"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/fault"
	"github.com/mofa-vn/chancery/internal/procedure"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// TestSecretTallySealed (both backends): an open secret vote's counts are
// in the database only sealed, bound to their vote (a tally copied onto
// another vote does not open, and the close then changes nothing); a
// ballot whose tally cannot be written leaves no voter behind; without
// the server's key a secret vote is refused before any ballot.
func TestSecretTallySealed(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			o := storetest.Options(t, backend)
			db := storetest.OpenOptions(t, o)
			raw := storetest.Raw(t, o)
			box, err := secrets.NewBox([]byte("0123456789abcdef0123456789abcdef"))
			if err != nil {
				t.Fatal(err)
			}
			st := conference.Store{DB: db, Box: box}
			at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			open := func(room string) int64 {
				v, err := st.OpenVote(ctx, room, sfu.Vote{Motion: "Elect the rapporteur", Secret: true, Rule: procedure.Simple, Key: []byte("k"),
					OpenedBy: "chair", OpenedAt: at})
				if err != nil {
					t.Fatal(err)
				}
				return v.ID
			}
			a, b := open("a"), open("b")
			for d, c := range map[string]procedure.Choice{"France": procedure.Yes, "Japan": procedure.No} {
				if err := st.CastSecret(ctx, a, d, c); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.CastSecret(ctx, b, "Chile", procedure.Yes); err != nil {
				t.Fatal(err)
			}
			tally := func(id int64) []byte {
				t.Helper()
				var sealed []byte
				var yes, no, abstain int
				if err := raw.QueryRowContext(ctx, `SELECT tally, count_yes, count_no, count_abstain FROM votes WHERE id = $1`, id).
					Scan(&sealed, &yes, &no, &abstain); err != nil {
					t.Fatal(err)
				}
				if yes+no+abstain != 0 {
					t.Fatalf("vote %d has counts in clear while open: %d %d %d", id, yes, no, abstain)
				}
				return sealed
			}
			// The receipts' key is sealed too, and opened for the room.
			var key []byte
			if err := raw.QueryRowContext(ctx, `SELECT ballot_key FROM votes WHERE id = $1`, b).Scan(&key); err != nil || string(key) == "k" || len(key) < 20 {
				t.Fatalf("the receipts' key in the database: %q, %v", key, err)
			}
			if vs, err := st.Votes(ctx, "b", 5); err != nil || len(vs) != 1 || string(vs[0].Key) != "k" || !vs[0].Open {
				t.Fatalf("votes of room b = %+v, %v", vs, err)
			}
			ta, tb := tally(a), tally(b)
			if len(ta) == 0 || len(ta) != len(tb) {
				t.Fatalf("sealed tallies of %d and %d bytes", len(ta), len(tb))
			}

			// A crash between the voter row and the tally: neither is
			// written.
			err = db.CastSecret(ctx, a, "Germany", func([]byte) ([]byte, error) { return nil, errors.New("the server stops here") })
			if err == nil {
				t.Fatal("a ballot without its tally was accepted")
			}
			if _, err := db.SecretVersion(ctx, a, "Germany"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("the voter of a failed ballot: %v", err)
			}
			if string(tally(a)) != string(ta) {
				t.Fatal("a failed ballot changed the tally")
			}

			// Vote b's tally copied onto vote a does not open: the close
			// fails and changes nothing.
			if _, err := raw.ExecContext(ctx, `UPDATE votes SET tally = $1 WHERE id = $2`, tb, a); err != nil {
				t.Fatal(err)
			}
			if _, err := st.CloseVote(ctx, a, at.Add(time.Minute), "chair"); !errors.Is(err, secrets.ErrCorrupt) {
				t.Fatalf("close with another vote's tally: %v", err)
			}
			if v, err := db.GetVote(ctx, a); err != nil || v.State != "open" {
				t.Fatalf("after a refused close: %+v, %v", v, err)
			}
			if _, err := raw.ExecContext(ctx, `UPDATE votes SET tally = $1 WHERE id = $2`, ta, a); err != nil {
				t.Fatal(err)
			}
			v, err := st.CloseVote(ctx, a, at.Add(time.Minute), "chair")
			if err != nil || v.Counts != (procedure.Counts{Yes: 1, No: 1}) || v.Outcome != procedure.Rejected {
				t.Fatalf("close = %+v, %v", v, err)
			}
			if len(tally(b)) == 0 {
				t.Fatal("vote b lost its tally")
			}
			var left []byte
			if err := raw.QueryRowContext(ctx, `SELECT tally FROM votes WHERE id = $1`, a).Scan(&left); err != nil || left != nil {
				t.Fatalf("a closed vote keeps its sealed tally: %x, %v", left, err)
			}
			if err := st.CastSecret(ctx, a, "Chile", procedure.Yes); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("a ballot after the close: %v", err)
			}

			// A vote opened before the tally was sealed (migration 0030)
			// counted in the clear columns: the close adds both.
			legacy := open("d")
			if _, err := raw.ExecContext(ctx, `UPDATE votes SET count_yes = 2 WHERE id = $1`, legacy); err != nil {
				t.Fatal(err)
			}
			if err := st.CastSecret(ctx, legacy, "Chile", procedure.No); err != nil {
				t.Fatal(err)
			}
			if v, err := st.CloseVote(ctx, legacy, at.Add(time.Minute), "chair"); err != nil || v.Counts != (procedure.Counts{Yes: 2, No: 1}) {
				t.Fatalf("legacy close = %+v, %v", v, err)
			}

			// Without the key: refused, before a ballot could be lost.
			bare := conference.Store{DB: db}
			if _, err := bare.OpenVote(ctx, "c", sfu.Vote{Motion: "x", Secret: true, Rule: procedure.Simple, Key: []byte("k"), OpenedAt: at}); !errors.Is(err, fault.ErrRefused) {
				t.Fatalf("a secret vote without the key: %v", err)
			}
			if err := bare.CastSecret(ctx, b, "Japan", procedure.No); !errors.Is(err, fault.ErrRefused) {
				t.Fatalf("a secret ballot without the key: %v", err)
			}
		})
	}
}
