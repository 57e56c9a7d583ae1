package publishing_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/account"
	"github.com/mofa-vn/chancery/internal/publishing"
	"github.com/mofa-vn/chancery/internal/publishing/pubtest"
	"github.com/mofa-vn/chancery/internal/social"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// BenchmarkDispatch10k publishes 10,000 publications due within one minute
// to a fake network answering in 50 ms, with one scheduler (Run, real
// clock), and reports the dispatch lag (post created minus due time) p50
// and p99 and the throughput. Run it once per backend:
//
//	go test -run '^$' -bench Dispatch10k -benchtime 1x -timeout 30m ./internal/publishing/
func BenchmarkDispatch10k(b *testing.B) {
	const n = 10000
	for _, backend := range storetest.Backends {
		b.Run(backend, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				db := storetest.Open(b, backend)
				ctx := context.Background()
				net := pubtest.New(social.Mastodon, social.Limits{MaxLength: 500, Idempotent: true})
				net.Latency = 50 * time.Millisecond
				res := func(context.Context, publishing.Channel) (social.Publisher, error) { return net, nil }
				// Warnings and errors (a lost lease, a failed write) go to
				// stderr: they explain a long tail.
				log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
				svc, err := publishing.New(publishing.Params{Networks: pubtest.Networks, DB: db, Resolve: res, Log: log, Settings: publishing.Settings{Workers: 64}})
				if err != nil {
					b.Fatal(err)
				}
				due := seedBench(b, ctx, db, svc, n, 20*time.Second, time.Minute)
				b.StartTimer()
				rctx, cancel := context.WithCancel(ctx)
				var wg sync.WaitGroup
				wg.Go(func() { svc.Run(rctx) })
				for len(net.Posts()) < n {
					time.Sleep(20 * time.Millisecond)
				}
				cancel()
				wg.Wait()
				b.StopTimer()
				var lags []time.Duration
				first, last := time.Time{}, time.Time{}
				for _, p := range net.Posts() {
					var id int64
					if _, err := fmt.Sscanf(p.Key, "pub-%d-en-0", &id); err != nil {
						b.Fatal(err)
					}
					// Created is stamped when the 50 ms answer is ready;
					// the call started 50 ms earlier.
					lags = append(lags, p.Created.Sub(due[id])-net.Latency)
					if first.IsZero() || p.Created.Before(first) {
						first = p.Created
					}
					if p.Created.After(last) {
						last = p.Created
					}
				}
				slices.Sort(lags)
				b.ReportMetric(float64(lags[len(lags)/2].Milliseconds()), "p50-lag-ms")
				b.ReportMetric(float64(lags[len(lags)*99/100].Milliseconds()), "p99-lag-ms")
				b.ReportMetric(float64(lags[len(lags)-1].Milliseconds()), "max-lag-ms")
				b.ReportMetric(float64(n)/last.Sub(first).Seconds(), "posts/s")
				if c := net.CountByKey(); len(c) != n {
					b.Fatalf("%d distinct posts, want %d", len(c), n)
				}
			}
		})
	}
}

// seedBench creates n cleared single-channel statements, then spreads their
// due times over spread starting lead from now, and returns each
// publication's due time.
func seedBench(b *testing.B, ctx context.Context, db *store.DB, svc *publishing.Service, n int, lead, spread time.Duration) map[int64]time.Time {
	b.Helper()
	author, err := db.CreateUser(ctx, account.User{Username: "author", Roles: []account.Role{account.RolePressOfficer}})
	if err != nil {
		b.Fatal(err)
	}
	approver, err := db.CreateUser(ctx, account.User{Username: "approver", Roles: []account.Role{account.RoleApprover}})
	if err != nil {
		b.Fatal(err)
	}
	ch, err := svc.CreateChannel(ctx, publishing.ActorOf(author), publishing.ChannelInput{Network: "mastodon", Name: "M", BaseURL: "https://mastodon.example", Languages: []string{"en"}, TimeZone: "UTC"})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				st, err := svc.SaveStatement(ctx, publishing.ActorOf(author), 0, publishing.StatementInput{DueAt: time.Now().Add(24 * time.Hour),
					Variants: []publishing.VariantInput{{Lang: "en", Body: fmt.Sprint("Statement ", i)}}, Targets: []int64{ch.ID}})
				if err == nil {
					err = svc.Submit(ctx, publishing.ActorOf(author), st.ID)
				}
				if err == nil {
					_, err = svc.Approve(ctx, publishing.ActorOf(approver), st.ID, publishing.ContentHash(st))
				}
				if err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	pubs, err := db.ListPublications(ctx, store.QueueFilter{Limit: n})
	if err != nil || len(pubs) != n {
		b.Fatalf("%d publications, %v", len(pubs), err)
	}
	start := time.Now().Add(lead)
	due := make(map[int64]time.Time, n)
	var mu sync.Mutex
	ids := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range ids {
				at, err := pubtest.BringDue(ctx, db, pubs[i].ID, start.Add(time.Duration(i)*spread/time.Duration(n)), author.ID, approver.ID)
				if err != nil {
					b.Error(err)
				}
				mu.Lock()
				due[pubs[i].ID] = at
				mu.Unlock()
			}
		})
	}
	for i := range n {
		ids <- i
	}
	close(ids)
	wg.Wait()
	if time.Now().After(start) {
		b.Logf("seeding the due times took longer than the lead: the first publications start late")
	}
	return due
}
