package store

import (
	"context"
	"fmt"
	"strings"
)

// StatePartial is a statement's derived state while some of its
// publications are out and the others are still to go.
const StatePartial = "partially-published"

// Progress counts a statement's publications by state. A statement's
// stored state is its clearance (draft, submitted, scheduled); once
// scheduled, what it is in is derived from its publications by State, so
// that it can never disagree with them.
type Progress struct {
	Total      int `json:"total"`
	Published  int `json:"published"`
	Publishing int `json:"publishing"`
	Failed     int `json:"failed"`
	NeedsCheck int `json:"needs_check"`
}

// ProgressOf counts pubs, the publications of one statement.
func ProgressOf(pubs []Publication) Progress {
	var p Progress
	for _, pb := range pubs {
		p.add(pb.State, 1)
	}
	return p
}

func (p *Progress) add(state string, n int) {
	p.Total += n
	switch state {
	case StatePublished:
		p.Published += n
	case StatePublishing:
		p.Publishing += n
	case StateFailed:
		p.Failed += n
	case StateNeedsCheck:
		p.NeedsCheck += n
	}
}

// State is the statement's state given its clearance state: before
// clearance completes, the clearance state; after, needs-check when any
// publication needs a person's check, failed when any failed, published
// when all are out, publishing while one is being sent, partially
// published when some are out and the rest still wait, else scheduled.
func (p Progress) State(clearance string) string {
	if clearance != StateScheduled || p.Total == 0 {
		return clearance
	}
	switch {
	case p.NeedsCheck > 0:
		return StateNeedsCheck
	case p.Failed > 0:
		return StateFailed
	case p.Published == p.Total:
		return StatePublished
	case p.Publishing > 0:
		return StatePublishing
	case p.Published > 0:
		return StatePartial
	}
	return StateScheduled
}

// Partial reports whether some but not all publications are out.
func (p Progress) Partial() bool { return p.Published > 0 && p.Published < p.Total }

// StatementProgress counts the publications of each statement in ids.
func (db *DB) StatementProgress(ctx context.Context, ids []int64) (map[int64]Progress, error) {
	out := make(map[int64]Progress, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT statement_id, state, COUNT(*) FROM pub_publications
		WHERE statement_id IN (`+strings.Join(ph, ", ")+`) GROUP BY statement_id, state`, args...)
	if err != nil {
		return nil, wrap("statement progress", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var state string
		var n int
		if err := rows.Scan(&id, &state, &n); err != nil {
			return nil, wrap("statement progress", err)
		}
		p := out[id]
		p.add(state, n)
		out[id] = p
	}
	return out, wrap("statement progress", rows.Err())
}
