package pubtest

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/store"
)

// BringDue moves publication pub to at, as editor would on the calendar,
// and has approver clear the moved statement again at once (an approval
// covers the time, so a move voids it). Load tests and benchmarks create
// many cleared statements far ahead, then bring them due together with
// it. So that the approval never comes after the time it covers, a time
// less than a second from now (by the real clock) becomes a second from
// now, and when the machine is so busy that the approval still comes
// late, the publication is moved again further ahead (two, four, eight
// seconds…) and cleared again. BringDue returns the time it set. It goes
// straight to the store: the statements were checked when they were
// submitted.
func BringDue(ctx context.Context, db *store.DB, pub int64, at time.Time, editor, approver int64) (time.Time, error) {
	margin := time.Second
	for try := 0; ; try++ {
		if earliest := time.Now().Add(margin); at.Before(earliest) {
			at = earliest
		}
		at = at.UTC().Truncate(time.Microsecond)
		r, err := moveAndClear(ctx, db, pub, at, editor, approver)
		if err != nil {
			return at, err
		}
		if r.Complete && r.Late == 0 {
			return at, nil
		}
		if try == 5 {
			return at, fmt.Errorf("pubtest: bring due: publication %d not cleared in time: %+v", pub, r)
		}
		margin *= 2
	}
}

// moveAndClear moves pub to at and approves the moved statement.
func moveAndClear(ctx context.Context, db *store.DB, pub int64, at time.Time, editor, approver int64) (store.ApprovalResult, error) {
	p, err := db.GetPublication(ctx, pub)
	if err != nil {
		return store.ApprovalResult{}, fmt.Errorf("pubtest: bring due: %w", err)
	}
	st, err := db.GetStatement(ctx, p.StatementID)
	if err != nil {
		return store.ApprovalResult{}, fmt.Errorf("pubtest: bring due: %w", err)
	}
	moved := st
	moved.TargetDue = maps.Clone(st.TargetDue)
	if moved.TargetDue == nil {
		moved.TargetDue = map[int64]time.Time{}
	}
	moved.TargetDue[p.ChannelID] = at
	hash := publishing.ContentHash(moved)
	if _, err := db.MovePublication(ctx, store.Move{Publication: pub, At: at, OldHash: st.ContentHash, NewHash: hash, Editor: editor},
		store.AuditEntry{ActorID: editor, Actor: "test", Action: "publication.reschedule"}); err != nil {
		return store.ApprovalResult{}, fmt.Errorf("pubtest: bring due: %w", err)
	}
	r, err := db.ApproveStatement(ctx, st.ID, approver, hash, store.AuditEntry{ActorID: approver, Actor: "test", Action: "statement.approve"})
	if err != nil {
		return store.ApprovalResult{}, fmt.Errorf("pubtest: bring due: %w", err)
	}
	return r, nil
}
