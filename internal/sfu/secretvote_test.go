package sfu_test

import (
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/conference"
	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/procedure"
	"github.com/mofa-vn/chancery/internal/secrets"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// secretRun is what one secret vote left behind: a snapshot of the whole
// database after each step while the vote was open, the log lines written
// while it was open, and the counts at its close.
type secretRun struct {
	snapshots []dbSnapshot
	logs      []string
	counts    procedure.Counts
}

// dbSnapshot is every row of every table, as text, table by table, with
// the system columns that place a row (PostgreSQL's xmin, xmax and ctid,
// SQLite's rowid) and the opaque columns' raw bytes set apart.
type dbSnapshot struct {
	rows   []string          // "table | xmin | xmax | ctid | col=value …" or "table | rowid | …"
	opaque map[string]string // table.column#row: the raw value of a column that must look random
}

// opaqueColumns are the columns whose bytes are meant to be random: the
// receipts' key and the sealed tally of a secret vote. Their length and
// whether they changed are compared; their bytes are not.
var opaqueColumns = map[string]bool{"votes.ballot_key": true, "votes.tally": true}

// secretBallots runs a secret vote on a fresh database of backend: Austria
// and Brazil answer the roll call, Austria votes first, then Brazil, then
// Austria changes its ballot with its receipt. The clocks are fixed, so
// that two runs differ only by the choices and by what is random.
func secretBallots(t *testing.T, backend string, first, second, change procedure.Choice) secretRun {
	t.Helper()
	at := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	now := func() time.Time { return at }
	o := storetest.Options(t, backend)
	o.Now = now
	db := storetest.OpenOptions(t, o)
	raw := storetest.Raw(t, o)
	logs := &httpxtest.SyncBuffer{}
	params := sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Store: procStore(t, db), Now: now,
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	e := newEnvParams(t, params)
	e.db = db
	chair := e.join("chair", sfu.RoleChair, nil)
	e.officer = chair
	a := e.member("austria", "Austria", true)
	b := e.member("brazil", "Brazil", true)
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeProcSettings, Settings: &sfu.ProcedureSettings{
		Quorum: procedure.Quorum{Kind: procedure.QuorumFixed, N: 2}}})
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeRollCallOpen})
	procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.RollCall != nil && p.RollCall.Open })
	send(t, a, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
	procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Quorum.Present == 1 })
	send(t, b, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
	procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Quorum.Present == 2 })
	send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteOpen, Motion: "Elect the rapporteur", Secret: true, Rule: procedure.Simple})
	vote := procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Vote != nil }).Vote.ID

	var run secretRun
	logStart := len(logs.String())
	snap := func() { run.snapshots = append(run.snapshots, snapshotDB(t, raw, backend)) }
	cast := func(c *sfuclient.Client, choice procedure.Choice, receipt string, voted int) string {
		t.Helper()
		send(t, c, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: choice, Receipt: receipt})
		r := nextEvent(t, c, sfu.TypeVoteReceipt, nil).Receipt
		procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Vote != nil && len(p.Vote.Voted) == voted })
		snap()
		return r
	}
	snap()
	ra := cast(a, first, "", 1)
	cast(b, second, "", 2)
	ra = cast(a, change, ra, 2)
	run.logs = logLines(logs.String()[logStart:])

	// A restart loses no ballot: the chair of a new server closes the
	// vote and finds the counts of every ballot cast before.
	for _, c := range []*sfuclient.Client{chair, a, b} {
		c.Close()
	}
	_ = e.srv.Close()
	e2 := newEnvParams(t, params)
	e2.db = db
	chair2 := e2.join("chair", sfu.RoleChair, nil)
	e2.officer = chair2
	// Austria's last receipt still changes its ballot, to an abstention:
	// the new server reads the receipts' key from the database.
	a2 := e2.member("austria", "Austria", true)
	send(t, a2, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Abstain, Receipt: ra})
	if r := nextEvent(t, a2, sfu.TypeVoteReceipt, nil).Receipt; r == "" || r == ra {
		t.Fatalf("receipt after the restart: %q", r)
	}
	send(t, chair2, sfu.ClientMessage{Type: sfu.TypeVoteClose, Vote: vote})
	p := procState(t, chair2, func(p *sfu.ProcedureInfo) bool { return p.Vote == nil && len(p.Results) == 1 })
	if r := p.Results[0]; r.Counts == nil || r.Ballots != nil || strings.Join(r.Voted, ",") != "Austria,Brazil" {
		t.Fatalf("secret result = %+v", r)
	}
	run.counts = *p.Results[0].Counts
	if _, err := db.VerifyAudit(t.Context()); err != nil {
		t.Fatal(err)
	}
	return run
}

// TestSecretBallotSnapshotsUnlinkable (both backends): whoever reads the
// whole database after every ballot of a secret vote (every row of every
// table with its physical place and transaction ids), or its logs,
// cannot tell "Austria yes, Brazil no" from "Austria no, Brazil yes":
// the two runs leave the same snapshots, byte for byte, except for values
// that are random in both. A change of ballot to the same choice leaves
// the same traces as a change to another. After a restart, the last
// receipt still changes a ballot, and the counts come out right at the
// close.
func TestSecretBallotSnapshotsUnlinkable(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			// Run 1: Austria yes, Brazil no, Austria keeps yes.
			// Run 2: Austria no, Brazil yes, Austria moves to yes.
			r1 := secretBallots(t, backend, procedure.Yes, procedure.No, procedure.Yes)
			r2 := secretBallots(t, backend, procedure.No, procedure.Yes, procedure.Yes)
			if r1.counts != (procedure.Counts{No: 1, Abstain: 1}) || r2.counts != (procedure.Counts{Yes: 1, Abstain: 1}) {
				t.Fatalf("counts at the close: %+v and %+v", r1.counts, r2.counts)
			}
			if len(r1.snapshots) != 4 || len(r2.snapshots) != 4 {
				t.Fatalf("%d and %d snapshots", len(r1.snapshots), len(r2.snapshots))
			}
			n1, n2 := normalizeXIDs(r1.snapshots), normalizeXIDs(r2.snapshots)
			for i := range n1 {
				if d := diffRows(n1[i], n2[i]); d != "" {
					t.Errorf("snapshot %d tells the runs apart:\n%s", i, d)
				}
				for k, v1 := range r1.snapshots[i].opaque {
					v2, ok := r2.snapshots[i].opaque[k]
					if !ok || len(v1) != len(v2) {
						t.Errorf("snapshot %d: opaque %s is %d bytes, then %d bytes (present %v)", i, k, len(v1), len(v2), ok)
					}
				}
			}
			// The sealed tally is rewritten by every ballot, whatever it
			// says, so that a write tells nothing but that someone voted.
			for _, r := range []secretRun{r1, r2} {
				for i := 1; i < len(r.snapshots); i++ {
					for k, v := range r.snapshots[i].opaque {
						if strings.HasPrefix(k, "votes.tally#") && v == r.snapshots[i-1].opaque[k] {
							t.Errorf("step %d left %s unchanged", i, k)
						}
					}
				}
			}
			t.Logf("%d log lines while the vote was open; %d rows in the last snapshot", len(r1.logs), len(r1.snapshots[3].rows))
			if d := diffRows(r1.logs, r2.logs); d != "" {
				t.Errorf("the logs tell the runs apart:\n%s", d)
			}
		})
	}
}

// snapshotDB reads every row of every table of the database behind the
// store's back, in physical order, with the columns that place a row.
func snapshotDB(t *testing.T, db *sql.DB, backend string) dbSnapshot {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`
	if backend == store.BackendPostgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	var tables []string
	for _, row := range rowsOf(t, db, q)[1:] {
		tables = append(tables, row[0])
	}
	if !slices.Contains(tables, "votes") || !slices.Contains(tables, "vote_voters") {
		t.Fatalf("tables %v", tables)
	}
	s := dbSnapshot{opaque: map[string]string{}}
	for _, tb := range tables {
		var rows [][]string
		switch {
		case backend == store.BackendPostgres:
			rows = rowsOf(t, db, `SELECT xmin::text AS sys_xmin, xmax::text AS sys_xmax, ctid::text AS sys_ctid, * FROM `+tb+` ORDER BY ctid`)
		case withoutRowid(t, db, tb):
			rows = rowsOf(t, db, `SELECT * FROM `+tb)
		default:
			rows = rowsOf(t, db, `SELECT rowid AS sys_rowid, * FROM `+tb+` ORDER BY rowid`)
		}
		cols := rows[0]
		for i, row := range rows[1:] {
			fields := []string{tb}
			for j, v := range row {
				name := cols[j]
				if opaqueColumns[tb+"."+name] {
					s.opaque[fmt.Sprintf("%s.%s#%d", tb, name, i)] = v
					v = fmt.Sprintf("<%d bytes>", len(v))
				}
				fields = append(fields, name+"="+v)
			}
			s.rows = append(s.rows, strings.Join(fields, " | "))
		}
		s.rows = append(s.rows, fmt.Sprintf("%s: %d rows", tb, len(rows)-1))
	}
	return s
}

// withoutRowid reports whether a SQLite table has no rowid.
func withoutRowid(t *testing.T, db *sql.DB, table string) bool {
	t.Helper()
	var sqlText string
	if err := db.QueryRowContext(t.Context(), `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1`, table).Scan(&sqlText); err != nil {
		t.Fatal(err)
	}
	return strings.Contains(strings.ToUpper(sqlText), "WITHOUT ROWID")
}

var xidField = regexp.MustCompile(`\bsys_xm(in|ax)=(\d+)`)

// normalizeXIDs replaces PostgreSQL's transaction ids, which the server
// hands out to everyone, by their order of first appearance across a
// run's snapshots: what stays is which rows one transaction wrote, and
// in which order the transactions came.
func normalizeXIDs(snaps []dbSnapshot) [][]string {
	label := map[string]string{"0": "0"}
	out := make([][]string, len(snaps))
	for i, s := range snaps {
		for _, row := range s.rows {
			out[i] = append(out[i], xidField.ReplaceAllStringFunc(row, func(m string) string {
				sub := xidField.FindStringSubmatch(m)
				l, ok := label[sub[2]]
				if !ok {
					l = fmt.Sprintf("x%d", len(label))
					label[sub[2]] = l
				}
				return "sys_xm" + sub[1] + "=" + l
			}))
		}
	}
	return out
}

var logTime = regexp.MustCompile(`^time=\S+ `)

// logLines splits a text log into lines without their times.
func logLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l != "" {
			out = append(out, logTime.ReplaceAllString(l, ""))
		}
	}
	return out
}

// diffRows lists the lines that differ between a and b, at most twenty.
func diffRows(a, b []string) string {
	var out []string
	for i := 0; i < max(len(a), len(b)) && len(out) < 20; i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			out = append(out, "  - "+x+"\n  + "+y)
		}
	}
	return strings.Join(out, "\n")
}

// procStore is the room's store over db, as cmd/server wires it, with a
// secret key of its own to seal secret votes' tallies.
func procStore(t testing.TB, db *store.DB) conference.Store {
	t.Helper()
	box, err := secrets.NewBox(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return conference.Store{DB: db, Box: box}
}
