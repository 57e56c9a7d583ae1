package sfu_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/httpx/httpxtest"
	"github.com/mofa-vn/chancery/internal/procedure"
	"github.com/mofa-vn/chancery/internal/sfu"
	"github.com/mofa-vn/chancery/internal/sfu/sfuclient"
	"github.com/mofa-vn/chancery/internal/store"
	"github.com/mofa-vn/chancery/internal/store/storetest"
)

// member joins identity as a delegate of delegation; head marks the head.
func (e *env) member(identity, delegation string, head bool) *sfuclient.Client {
	e.t.Helper()
	tok, err := e.signer.Issue(sfu.Claims{Room: "plenary", Identity: identity, Name: "Member " + identity, Delegation: delegation, Head: head,
		Role: sfu.RoleDelegate, Permissions: sfu.DefaultPermissions(sfu.RoleDelegate)}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.joinToken(identity, tok, nil)
}

// procState waits for a procedure_state on c that match accepts.
func procState(t *testing.T, c *sfuclient.Client, match func(p *sfu.ProcedureInfo) bool) *sfu.ProcedureInfo {
	t.Helper()
	return nextEvent(t, c, sfu.TypeProcState, func(m sfu.ServerMessage) bool { return m.Procedure != nil && match(m.Procedure) }).Procedure
}

func presentList(p *sfu.ProcedureInfo) string {
	if p.RollCall == nil {
		return ""
	}
	var ds []string
	for _, v := range p.RollCall.Present {
		ds = append(ds, v.Delegation+"/"+v.Identity)
	}
	return strings.Join(ds, ",")
}

// procEnv starts a server on a new database of backend, with a logger
// that writes everything, debug included, into the returned buffer; raw
// reads the database behind the store's back.
func procEnv(t *testing.T, backend string) (e *env, logs *httpxtest.SyncBuffer, raw *sql.DB, params sfu.Params) {
	t.Helper()
	o := storetest.Options(t, backend)
	db := storetest.OpenOptions(t, o)
	logs = &httpxtest.SyncBuffer{}
	params = sfu.Params{Config: sfu.Config{UDPAddr: "127.0.0.1:0", Loopback: true}, Store: procStore(t, db),
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	e = newEnvParams(t, params)
	e.db = db
	return e, logs, storetest.Raw(t, o), params
}

// TestRollCallQuorumAndNamedVote (both backends): the chair sets the
// quorum, opens a roll call; a delegation answers through its head or the
// member the head designated, once; quorum is computed live; a named vote
// pauses the speaker and closes the floor; ballots come only from
// delegations present and entitled, can be changed until the close; the
// result follows the rule and goes to the hash-chained audit log. Every
// refusal reaches the sender alone and changes nothing.
func TestRollCallQuorumAndNamedVote(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			e, _, _, params := procEnv(t, backend)
			chair := e.join("chair", sfu.RoleChair, nil)
			e.officer = chair
			vn := e.member("vn-head", "Viet Nam", true)
			vnm := e.member("vn-member", "Viet Nam", false)
			fr := e.member("fr-head", "France", true)
			jp := e.member("jp-head", "Japan", true)
			de := e.member("de-head", "Germany", true)
			obs := e.join("olga", sfu.RoleObserver, nil)

			// No roll call yet: no quorum, no vote.
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeProcSettings, Settings: &sfu.ProcedureSettings{
				Quorum: procedure.Quorum{Kind: procedure.QuorumMajority, N: 5}}})
			p := procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Quorum.N == 5 })
			if p.Quorum.Required != 3 || p.Quorum.Membership != 5 || p.Quorum.Met {
				t.Fatalf("quorum = %+v", p.Quorum)
			}
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteOpen, Motion: "Adopt the agenda", Rule: procedure.Simple})
			floorError(t, chair, sfu.CodeNoQuorum)

			// A delegate forges the chair's actions.
			for _, typ := range []string{sfu.TypeRollCallOpen, sfu.TypeVoteOpen, sfu.TypeProcSettings} {
				send(t, fr, sfu.ClientMessage{Type: typ, Motion: "x", Rule: procedure.Simple, Settings: &sfu.ProcedureSettings{
					Quorum: procedure.Quorum{Kind: procedure.QuorumFixed, N: 1}}})
				floorError(t, fr, sfu.CodeForbidden)
			}

			send(t, chair, sfu.ClientMessage{Type: sfu.TypeRollCallOpen})
			procState(t, vn, func(p *sfu.ProcedureInfo) bool { return p.RollCall != nil && p.RollCall.Open })
			// The member of Viet Nam is not its head; the observer acts for
			// no delegation.
			send(t, vnm, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
			floorError(t, vnm, sfu.CodeNotEntitled)
			send(t, obs, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
			floorError(t, obs, sfu.CodeNotEntitled)
			// The member cannot designate; the head designates the member.
			send(t, vnm, sfu.ClientMessage{Type: sfu.TypeDesignate, Participant: vnm.Welcome.Self.ID})
			floorError(t, vnm, sfu.CodeNotEntitled)
			send(t, vn, sfu.ClientMessage{Type: sfu.TypeDesignate, Participant: fr.Welcome.Self.ID})
			floorError(t, vn, sfu.CodeNotEntitled)
			send(t, vn, sfu.ClientMessage{Type: sfu.TypeDesignate, Participant: vnm.Welcome.Self.ID})
			procState(t, chair, func(p *sfu.ProcedureInfo) bool { return len(p.Voters) == 1 && p.Voters[0].Identity == "vn-member" })
			send(t, vn, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
			floorError(t, vn, sfu.CodeNotEntitled)
			for _, c := range []*sfuclient.Client{vnm, fr, jp} {
				send(t, c, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
			}
			send(t, jp, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
			floorError(t, jp, sfu.CodeAnswered)
			p = procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Quorum.Present == 3 })
			if !p.Quorum.Met || presentList(p) != "France/fr-head,Japan/jp-head,Viet Nam/vn-member" {
				t.Fatalf("after the roll call: quorum %+v, present %s", p.Quorum, presentList(p))
			}
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeRollCallClose})
			procState(t, de, func(p *sfu.ProcedureInfo) bool { return p.RollCall != nil && !p.RollCall.Open })
			send(t, de, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
			floorError(t, de, sfu.CodeRollCallClosed)

			// France speaks; the vote opens: the turn is paused and the
			// floor closed.
			send(t, fr, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
			f := floorState(t, chair, "france asks", func(f *sfu.FloorInfo) bool { return requestOf(f, "fr-head") != 0 })
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorGrant, Request: requestOf(f, "fr-head")})
			f = floorState(t, chair, "france speaks", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.State == sfu.FloorInProgress })
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteOpen, Motion: "Adopt the agenda", Rule: procedure.Simple})
			floorState(t, fr, "paused for the vote", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.State == sfu.FloorPaused })
			p = procState(t, jp, func(p *sfu.ProcedureInfo) bool { return p.Vote != nil })
			vote := p.Vote.ID
			if p.Vote.Open != true || p.Vote.Counts != nil || p.Vote.Present != 3 || p.Vote.Required != 3 {
				t.Fatalf("open vote = %+v", p.Vote)
			}
			send(t, jp, sfu.ClientMessage{Type: sfu.TypeFloorRequest})
			floorError(t, jp, sfu.CodeVoteOpen)
			// A delegate forges the chair's close, of the vote and of the
			// roll call: refused to it alone, the vote stays open.
			send(t, fr, sfu.ClientMessage{Type: sfu.TypeVoteClose, Vote: vote})
			floorError(t, fr, sfu.CodeForbidden)
			send(t, fr, sfu.ClientMessage{Type: sfu.TypeRollCallClose})
			floorError(t, fr, sfu.CodeForbidden)
			if v, err := e.db.GetVote(t.Context(), vote); err != nil || v.State != "open" {
				t.Fatalf("after a forged close: %+v, %v", v, err)
			}
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorResume, Request: f.Current.ID})
			floorError(t, chair, sfu.CodeVoteOpen)
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeRollCallOpen})
			floorError(t, chair, sfu.CodeVoteOpen)
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteOpen, Motion: "Another", Rule: procedure.Simple})
			floorError(t, chair, sfu.CodeVoteOpen)

			// Ballots: Germany did not answer the roll call; the head of
			// Viet Nam designated someone else.
			send(t, de, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Yes})
			floorError(t, de, sfu.CodeNotPresent)
			send(t, vn, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Yes})
			floorError(t, vn, sfu.CodeNotEntitled)
			send(t, obs, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Yes})
			floorError(t, obs, sfu.CodeNotEntitled)
			send(t, fr, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote + 1, Choice: procedure.Yes})
			floorError(t, fr, sfu.CodeVoteClosed)
			cast := func(c *sfuclient.Client, choice procedure.Choice) {
				t.Helper()
				send(t, c, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: choice})
				if m := nextEvent(t, c, sfu.TypeVoteReceipt, nil); m.VoteID != vote || m.Receipt != "" {
					t.Fatalf("named ballot acknowledged with %+v", m)
				}
			}
			cast(vnm, procedure.Yes)
			cast(fr, procedure.No)
			cast(jp, procedure.Yes)
			p = procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Vote != nil && len(p.Vote.Voted) == 3 })
			if p.Vote.Counts != nil || p.Vote.Ballots != nil {
				t.Fatalf("an open vote shows its ballots: %+v", p.Vote)
			}
			cast(jp, procedure.Abstain)
			cast(fr, procedure.Yes)
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteClose, Vote: vote})
			p = procState(t, de, func(p *sfu.ProcedureInfo) bool { return p.Vote == nil && len(p.Results) == 1 })
			r := p.Results[0]
			if r.Counts == nil || *r.Counts != (procedure.Counts{Yes: 2, Abstain: 1}) || r.Outcome != procedure.Adopted ||
				r.Ballots["France"] != procedure.Yes || r.Ballots["Japan"] != procedure.Abstain || r.Ballots["Viet Nam"] != procedure.Yes {
				t.Fatalf("result = %+v (counts %+v)", r, r.Counts)
			}
			send(t, fr, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.No})
			floorError(t, fr, sfu.CodeVoteClosed)
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteClose, Vote: vote})
			floorError(t, chair, sfu.CodeVoteClosed)

			// The floor is open again: the chair resumes France.
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeFloorResume, Request: f.Current.ID})
			floorState(t, fr, "resumed", func(f *sfu.FloorInfo) bool { return f.Current != nil && f.Current.State == sfu.FloorInProgress })

			// A consensus is recorded without a vote.
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteOpen, Motion: "Thank the host country", Rule: procedure.Consensus})
			p = procState(t, chair, func(p *sfu.ProcedureInfo) bool { return len(p.Results) == 2 })
			if c := p.Results[0]; c.Rule != procedure.Consensus || c.Outcome != procedure.Adopted || c.Open {
				t.Fatalf("consensus = %+v", c)
			}

			// The results are in the hash-chained audit log, which holds.
			if _, err := e.db.VerifyAudit(t.Context()); err != nil {
				t.Fatal(err)
			}
			as, err := e.db.ListAudit(t.Context(), store.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var results []string
			byChair := map[string]bool{}
			for _, a := range as {
				if a.Action == "procedure.vote_result" {
					results = append(results, a.Payload)
				}
				if a.Actor == "room:chair" {
					byChair[a.Action] = true
				}
			}
			// Every chair action is in the chain too.
			for _, action := range []string{"room.procedure_settings", "room.roll_call_open", "room.roll_call_close", "room.floor_grant",
				"room.vote_open", "room.vote_close", "room.vote_consensus"} {
				if !byChair[action] {
					t.Errorf("no %s in the audit log (%v)", action, byChair)
				}
			}
			if len(results) != 2 || !strings.Contains(results[1], `"yes":2`) || !strings.Contains(results[1], `"France":"yes"`) ||
				!strings.Contains(results[0], `"consensus"`) {
				t.Fatalf("audit results = %q", results)
			}
			// A restart finds the results and the roll call as they were.
			for _, c := range []*sfuclient.Client{chair, vn, vnm, fr, jp, de, obs} {
				c.Close()
			}
			e2 := newEnvParams(t, params)
			c2 := e2.join("chair", sfu.RoleChair, nil)
			p = procState(t, c2, func(*sfu.ProcedureInfo) bool { return true })
			if len(p.Results) != 2 || p.Quorum.Present != 3 || len(p.Voters) != 1 || p.Results[1].Counts.Yes != 2 {
				t.Fatalf("after a restart: %+v", p)
			}
		})
	}
}

// TestSecretVoteLeavesNoLink (both backends): a secret vote's counts are
// shown only at the close; a delegation changes its ballot only with the
// last receipt its client got; and afterwards no table row and no log line
// (debug included) pairs a delegation with its choice.
func TestSecretVoteLeavesNoLink(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			e, logs, raw, _ := procEnv(t, backend)
			chair := e.join("chair", sfu.RoleChair, nil)
			e.officer = chair
			names := []string{"Austria", "Brazil", "Chile", "Denmark"}
			var cs []*sfuclient.Client
			for _, n := range names {
				cs = append(cs, e.member(strings.ToLower(n), n, true))
			}
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeProcSettings, Settings: &sfu.ProcedureSettings{
				Quorum: procedure.Quorum{Kind: procedure.QuorumFixed, N: 3}}})
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeRollCallOpen})
			procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.RollCall != nil && p.RollCall.Open })
			for _, c := range cs {
				send(t, c, sfu.ClientMessage{Type: sfu.TypeRollCallAnswer})
			}
			procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Quorum.Present == 4 })
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteOpen, Motion: "Elect the rapporteur", Secret: true, Rule: procedure.TwoThirds})
			vote := procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Vote != nil }).Vote.ID

			receipt := func(c *sfuclient.Client) string {
				t.Helper()
				return nextEvent(t, c, sfu.TypeVoteReceipt, nil).Receipt
			}
			choices := []procedure.Choice{procedure.Yes, procedure.No, procedure.Yes, procedure.Abstain}
			rs := make([]string, len(cs))
			for i, c := range cs {
				send(t, c, sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: choices[i]})
				rs[i] = receipt(c)
			}
			// Austria changes its vote twice; an old receipt, or none,
			// changes nothing.
			send(t, cs[0], sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.No, Receipt: rs[0]})
			r2 := receipt(cs[0])
			send(t, cs[0], sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Abstain, Receipt: rs[0]})
			floorError(t, cs[0], sfu.CodeReceipt)
			send(t, cs[1], sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Yes})
			floorError(t, cs[1], sfu.CodeReceipt)
			send(t, cs[1], sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Yes, Receipt: rs[2]}) // Chile's
			floorError(t, cs[1], sfu.CodeReceipt)
			send(t, cs[0], sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: procedure.Yes, Receipt: r2})
			rs[0] = receipt(cs[0])
			p := procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Vote != nil && len(p.Vote.Voted) == 4 })
			if p.Vote.Counts != nil {
				t.Fatalf("the counts of an open secret vote are shown: %+v", p.Vote.Counts)
			}

			// The database and the logs, before and after the close.
			inspect := func(when string) {
				t.Helper()
				checkNoLink(t, raw, backend, names, when)
				for _, line := range strings.Split(logs.String(), "\n") {
					for _, r := range rs {
						if strings.Contains(line, r) {
							t.Errorf("%s: a receipt is logged: %s", when, line)
						}
					}
					for _, n := range names {
						if strings.Contains(line, n) && choiceWord.MatchString(line) {
							t.Errorf("%s: a log line names a delegation and a choice: %s", when, line)
						}
					}
				}
			}
			inspect("open")
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteClose, Vote: vote})
			p = procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Vote == nil && len(p.Results) == 1 })
			// Austria yes, Brazil no, Chile yes, Denmark abstain: two thirds
			// of three yes or no are yes.
			if r := p.Results[0]; r.Counts == nil || *r.Counts != (procedure.Counts{Yes: 2, No: 1, Abstain: 1}) || r.Outcome != procedure.Adopted ||
				r.Ballots != nil || strings.Join(r.Voted, ",") != strings.Join(names, ",") {
				t.Fatalf("secret result = %+v (counts %+v)", r, r.Counts)
			}
			inspect("closed")
			if testing.Verbose() {
				t.Log(logs.String())
			}
		})
	}
}

var (
	choiceWord = regexp.MustCompile(`(?i)\b(yes|no|abstain)\b`)
	countKey   = regexp.MustCompile(`"(yes|no|abstain)":\d+`)
)

// waitProc is procState with a longer patience, for fifty clients on a
// busy machine; it reports the last state seen.
func waitProc(t *testing.T, c *sfuclient.Client, what string, match func(p *sfu.ProcedureInfo) bool) *sfu.ProcedureInfo {
	t.Helper()
	var last *sfu.ProcedureInfo
	timeout := time.After(60 * time.Second)
	for {
		select {
		case m, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection closed waiting for %s", what)
			}
			if m.Type == sfu.TypeProcState && m.Procedure != nil {
				last = m.Procedure
				if match(last) {
					return last
				}
			}
		case <-timeout:
			if last != nil {
				t.Fatalf("timed out waiting for %s: last quorum %+v, vote %+v", what, last.Quorum, last.Vote)
			}
			t.Fatalf("timed out waiting for %s: no state", what)
		}
	}
}

// drain discards what c received so far.
func drain(c *sfuclient.Client) {
	for {
		select {
		case <-c.Events():
		default:
			return
		}
	}
}

// checkNoLink reads every row of every table and fails if one holds both a
// delegation's name and a choice; it also checks that the secret vote
// left no ballot row and that its voters table has nothing but the vote,
// the delegation and the version.
func checkNoLink(t *testing.T, db *sql.DB, backend string, names []string, when string) {
	t.Helper()
	ctx := t.Context()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if backend == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	var tables []string
	for _, row := range rowsOf(t, db, q)[1:] {
		tables = append(tables, row[0])
	}
	if !slices.Contains(tables, "vote_voters") {
		t.Fatalf("%s: no vote_voters in %v", when, tables)
	}
	for _, tb := range tables {
		rows := rowsOf(t, db, `SELECT * FROM `+tb)
		if tb == "vote_voters" && strings.Join(rows[0], ",") != "vote_id,delegation,version" {
			t.Errorf("vote_voters has columns %v", rows[0])
		}
		for _, text := range rows[1:] {
			// A result's counts are keyed by choice ("yes":2): they
			// name no delegation's choice.
			row := countKey.ReplaceAllString(strings.Join(text, " | "), "")
			for _, n := range names {
				if strings.Contains(row, n) && choiceWord.MatchString(row) {
					t.Errorf("%s: table %s links %s to a choice: %s", when, tb, n, row)
				}
			}
		}
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM vote_ballots`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%s: %d ballot rows (%v) for a secret vote", when, n, err)
	}
}

// rowsOf runs query and returns its column names, then every row as text.
func rowsOf(t *testing.T, db *sql.DB, query string) [][]string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	out := [][]string{cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		text := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			text[i] = fmt.Sprint(v)
		}
		out = append(out, text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFiftyDelegationsVoteAtOnce (both backends): fifty delegations, each
// on its own connection, vote at the same moment in a named vote and in a
// secret one; each is counted exactly once.
func TestFiftyDelegationsVoteAtOnce(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			e, _, _, _ := procEnv(t, backend)
			chair := e.join("chair", sfu.RoleChair, nil)
			e.officer = chair
			const n = 50
			cs := make([]*sfuclient.Client, n)
			for i := range cs {
				cs[i] = e.member(fmt.Sprintf("d%02d", i), fmt.Sprintf("Delegation %02d", i), true)
			}
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeProcSettings, Settings: &sfu.ProcedureSettings{
				Quorum: procedure.Quorum{Kind: procedure.QuorumMajority, N: n}}})
			send(t, chair, sfu.ClientMessage{Type: sfu.TypeRollCallOpen})
			procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.RollCall != nil && p.RollCall.Open })
			all := func(fn func(i int, c *sfuclient.Client)) {
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i, c := range cs {
					wg.Go(func() {
						<-start
						fn(i, c)
					})
				}
				close(start)
				wg.Wait()
			}
			drain(chair)
			all(func(_ int, c *sfuclient.Client) { _ = c.Send(sfu.ClientMessage{Type: sfu.TypeRollCallAnswer}) })
			waitProc(t, chair, "all present", func(p *sfu.ProcedureInfo) bool { return p.Quorum.Present == n })
			for _, secret := range []bool{false, true} {
				send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteOpen, Motion: "Adopt the report", Secret: secret, Rule: procedure.Simple})
				vote := procState(t, chair, func(p *sfu.ProcedureInfo) bool { return p.Vote != nil }).Vote.ID
				// Each sends its ballot twice at once: the second, with no
				// receipt, is a change (named) or a refusal (secret).
				choice := func(i int) procedure.Choice { return procedure.Choices[i%3] }
				drain(chair)
				all(func(i int, c *sfuclient.Client) {
					_ = c.Send(sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: choice(i)})
					_ = c.Send(sfu.ClientMessage{Type: sfu.TypeVoteCast, Vote: vote, Choice: choice(i)})
				})
				waitProc(t, chair, "all voted", func(p *sfu.ProcedureInfo) bool { return p.Vote != nil && len(p.Vote.Voted) == n })
				send(t, chair, sfu.ClientMessage{Type: sfu.TypeVoteClose, Vote: vote})
				p := waitProc(t, chair, "the result", func(p *sfu.ProcedureInfo) bool { return p.Vote == nil && len(p.Results) > 0 && p.Results[0].ID == vote })
				if c := p.Results[0].Counts; c == nil || *c != (procedure.Counts{Yes: 17, No: 17, Abstain: 16}) || len(p.Results[0].Voted) != n {
					t.Fatalf("secret %v: counts %+v, %d voted", secret, c, len(p.Results[0].Voted))
				}
				v, err := e.db.GetVote(context.Background(), vote)
				if err != nil || v.Yes+v.No+v.Abstain != n || len(v.Voters) != n {
					t.Fatalf("stored vote %+v: %v", v, err)
				}
			}
		})
	}
}

// TestProcedureMessages: the procedure's messages are checked before they
// reach the room.
func TestProcedureMessages(t *testing.T) {
	for _, raw := range []string{
		`{"v":1,"type":"vote_open","motion":"","rule":"simple"}`,
		`{"v":1,"type":"vote_open","motion":"x","rule":"unanimity"}`,
		`{"v":1,"type":"vote_open","motion":"x","rule":"consensus","secret":true}`,
		`{"v":1,"type":"vote_open","motion":"a\u0000b","rule":"simple"}`,
		`{"v":1,"type":"vote_cast","vote":1,"choice":"maybe"}`,
		`{"v":1,"type":"vote_cast","vote":0,"choice":"yes"}`,
		`{"v":1,"type":"vote_cast","vote":1,"choice":"yes","receipt":"` + strings.Repeat("a", 65) + `"}`,
		`{"v":1,"type":"vote_close"}`,
		`{"v":1,"type":"voter_designate"}`,
		`{"v":1,"type":"procedure_settings"}`,
		`{"v":1,"type":"procedure_settings","settings":{"quorum":{"kind":"fixed","n":0}}}`,
		`{"v":1,"type":"procedure_settings","settings":{"quorum":{"kind":"all","n":3}}}`,
		`{"v":1,"type":"procedure_settings","settings":{"quorum":{"kind":"majority","n":-1}}}`,
	} {
		if _, err := sfu.DecodeClientMessage([]byte(raw)); err == nil {
			t.Errorf("accepted %s", raw)
		}
	}
	for _, raw := range []string{
		`{"v":1,"type":"vote_open","motion":"Thông qua chương trình nghị sự","rule":"two_thirds","secret":true}`,
		`{"v":1,"type":"vote_cast","vote":3,"choice":"abstain","receipt":"abc"}`,
		`{"v":1,"type":"procedure_settings","settings":{"quorum":{"kind":"fixed","n":12},"public":true}}`,
		`{"v":1,"type":"roll_call_answer"}`,
	} {
		if _, err := sfu.DecodeClientMessage([]byte(raw)); err != nil {
			t.Errorf("refused %s: %v", raw, err)
		}
	}
}
