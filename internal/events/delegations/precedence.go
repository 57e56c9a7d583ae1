package delegations

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/mofa-vn/chancery/internal/store"
)

// Delegation is a delegation as the order of precedence places it.
type Delegation struct {
	store.Delegation
	// Display is its name in the precedence language.
	Display string
}

// sortByPrecedence orders ds by p: alphabetical by name in p.Lang with
// CLDR collation (rotated to start from the delegation drawn by lot, as
// the UN General Assembly seats states); by the time heads of mission
// presented credentials (Vienna Convention, Art. 16), those who have not
// yet last; or by the manual rank, unranked last. Ties fall back to the
// alphabetical order.
func sortByPrecedence(ds []store.Delegation, p store.Precedence) []Delegation {
	code := p.Lang
	if code == "" {
		code = "en"
	}
	col := collate.New(language.Make(code))
	out := make([]Delegation, len(ds))
	for i, d := range ds {
		out[i] = Delegation{Delegation: d, Display: NameIn(d, code)}
	}
	alpha := func(a, b Delegation) int {
		if c := col.CompareString(a.Display, b.Display); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	switch p.Method {
	case store.PrecedenceCredentials:
		slices.SortStableFunc(out, func(a, b Delegation) int {
			az, bz := a.CredentialsAt.IsZero(), b.CredentialsAt.IsZero()
			switch {
			case az != bz:
				if az {
					return 1
				}
				return -1
			case !az && !a.CredentialsAt.Equal(b.CredentialsAt):
				return a.CredentialsAt.Compare(b.CredentialsAt)
			}
			return alpha(a, b)
		})
	case store.PrecedenceManual:
		slices.SortStableFunc(out, func(a, b Delegation) int {
			ar, br := a.ManualRank, b.ManualRank
			if ar == 0 {
				ar = 1 << 30
			}
			if br == 0 {
				br = 1 << 30
			}
			if ar != br {
				return cmp.Compare(ar, br)
			}
			return alpha(a, b)
		})
	default:
		slices.SortStableFunc(out, alpha)
		if i := slices.IndexFunc(out, func(d Delegation) bool { return d.ID == p.StartDelegation }); i > 0 {
			out = append(out[i:], out[:i]...)
		}
	}
	return out
}

// Order returns the event's delegations in its order of precedence: the
// list of participants, the tiles of the room and the default order of
// the speakers' list follow it.
func (s *Service) Order(ctx context.Context, eventID int64) ([]Delegation, error) {
	p, err := s.DB.GetPrecedence(ctx, eventID)
	if err != nil {
		return nil, err
	}
	ds, err := s.DB.ListDelegations(ctx, eventID)
	if err != nil {
		return nil, err
	}
	return sortByPrecedence(ds, p), nil
}

// Draw draws by lot, with crypto/rand, the delegation the event's
// alphabetical order starts from, and records the draw and who made it in
// the audit log.
func (s *Service) Draw(ctx context.Context, eventID int64, actor Actor) (store.Precedence, Delegation, error) {
	ds, err := s.Order(ctx, eventID)
	if err != nil {
		return store.Precedence{}, Delegation{}, err
	}
	if len(ds) == 0 {
		return store.Precedence{}, Delegation{}, errNoDelegate
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(ds))))
	if err != nil {
		return store.Precedence{}, Delegation{}, fmt.Errorf("delegations: draw: %w", err)
	}
	drawn := ds[n.Int64()]
	p, err := s.DB.RecordDraw(ctx, eventID, drawn.ID, actor.audit("precedence.draw", map[string]any{
		"drawn": drawn.Display, "among": len(ds), "country": drawn.Country}))
	return p, drawn, err
}
