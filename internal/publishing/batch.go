package publishing

import (
	"context"
	"sync"

	"github.com/mofa-vn/chancery/internal/store"
)

// batch shares, between the publications of one claim, the channels and
// statements they need: a statement going to seven channels is read once,
// not seven times. It lives only as long as the claim's work, so what it
// holds is as fresh as a read at claim time; the pauses and rate limits,
// which may change at any moment, are read again before every call
// (run.gate).
type batch struct {
	db    *store.DB
	mu    sync.Mutex
	chans map[int64]*once[store.Channel]
	sts   map[int64]*once[store.Statement]
}

// once is one read shared by whoever needs it first and after.
type once[T any] struct {
	o   sync.Once
	v   T
	err error
}

func newBatch(db *store.DB) *batch {
	return &batch{db: db, chans: map[int64]*once[store.Channel]{}, sts: map[int64]*once[store.Statement]{}}
}

func entry[T any](b *batch, m map[int64]*once[T], id int64) *once[T] {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := m[id]
	if !ok {
		e = &once[T]{}
		m[id] = e
	}
	return e
}

// load returns pub's channel and statement. Callers must not modify them:
// other publications of the batch share them.
func (b *batch) load(ctx context.Context, pub store.Publication) (store.Channel, store.Statement, error) {
	ch := entry(b, b.chans, pub.ChannelID)
	ch.o.Do(func() { ch.v, ch.err = b.db.GetChannel(ctx, pub.ChannelID) })
	if ch.err != nil {
		return store.Channel{}, store.Statement{}, ch.err
	}
	st := entry(b, b.sts, pub.StatementID)
	st.o.Do(func() { st.v, st.err = b.db.GetStatement(ctx, pub.StatementID) })
	return ch.v, st.v, st.err
}
