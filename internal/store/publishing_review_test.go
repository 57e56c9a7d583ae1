package store_test

import (
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// SearchAudit narrows by statement, person, channel (its pause) and day,
// pages from newest to oldest without gap or overlap, and AuditActors
// names everyone who acted.
func TestSearchAudit(t *testing.T) {
	storetest.RunWithClock(t, func(t *testing.T, db *store.DB, clock *storetest.Clock) {
		ctx := t.Context()
		add := func(e store.AuditEntry) {
			t.Helper()
			if err := db.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		day1 := clock.Now()
		for i := range 7 {
			add(store.AuditEntry{Actor: "olivia", Action: "statement.save", StatementID: int64(1 + i%2)})
		}
		clock.Advance(24 * time.Hour)
		add(store.AuditEntry{Actor: "arthur", Action: "pause", Payload: "channel=3 reason=check"})
		add(store.AuditEntry{Actor: "arthur", Action: "pause", Payload: "channel=31 reason=other"})
		add(store.AuditEntry{Actor: "arthur", Action: "statement.approve", StatementID: 2})

		seqs := func(es []store.AuditEntry) []int64 {
			var out []int64
			for _, e := range es {
				out = append(out, e.Seq)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			q    store.AuditQuery
			want []int64
		}{
			{"statement", store.AuditQuery{StatementID: 2}, []int64{10, 6, 4, 2}},
			{"person", store.AuditQuery{Actor: "arthur"}, []int64{10, 9, 8}},
			{"channel", store.AuditQuery{ChannelID: 3}, []int64{8}},
			{"first day", store.AuditQuery{To: day1.Add(time.Hour)}, []int64{7, 6, 5, 4, 3, 2, 1}},
			{"second day", store.AuditQuery{From: day1.Add(time.Hour)}, []int64{10, 9, 8}},
			{"person and statement", store.AuditQuery{Actor: "olivia", StatementID: 2}, []int64{6, 4, 2}},
			{"nobody", store.AuditQuery{Actor: "' OR 1=1 --"}, nil},
		} {
			got, more, err := db.SearchAudit(ctx, tc.q)
			if err != nil || more || !slicesEqual(seqs(got), tc.want) {
				t.Errorf("%s: %v (more %v, %v), want %v", tc.name, seqs(got), more, err, tc.want)
			}
		}
		// Pages of three: 10 9 8, 7 6 5, 4 3 2, 1.
		var all []int64
		q := store.AuditQuery{Limit: 3}
		for {
			page, more, err := db.SearchAudit(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, seqs(page)...)
			if !more {
				break
			}
			q.Before = page[len(page)-1].Seq
		}
		if !slicesEqual(all, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}) {
			t.Fatalf("pages: %v", all)
		}
		if actors, err := db.AuditActors(ctx); err != nil || !slicesEqual(actors, []string{"arthur", "olivia"}) {
			t.Fatalf("actors %v %v", actors, err)
		}
	})
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
