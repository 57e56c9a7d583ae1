// Package procedure owns the rules of a conference's roll call, quorum and
// votes by delegation: which quorum rule holds, whether a motion is
// adopted under the rule chosen (simple majority of those present and
// voting, two thirds, or consensus recorded without a vote), the choices
// and their validation, and the receipts that let a delegation change a
// secret ballot without the server keeping who chose what.
//
// Secret ballots. The live room (internal/sfu) runs the vote; the
// database (internal/store) keeps, for a secret vote, two things that
// share no key: the list of delegations that have voted (vote_voters: the
// vote, the delegation and a change counter; no time, no sequence id, no
// choice) and the running counts on the vote's own row (yes, no,
// abstain). No ballot row exists, so no row order, rowid, ctid, sequence
// value or timestamp can pair a delegation with a choice; a backup holds
// the same two things. A first ballot inserts the voter row and adds to
// one count in one transaction; the room audit records only that the
// delegation voted, never how, and no log line carries a choice.
//
// Changing a secret ballot needs the old choice, which the server does not
// keep. The voter's client holds it in a receipt: Receipt(key, vote,
// delegation, version, choice), an HMAC with the vote's key, handed only
// to the client that cast the ballot and never stored or logged. To change
// its ballot the client sends the receipt back; the server finds which of
// the three choices it names (Opened), moves one count from it to the new
// choice and bumps the version in the voter row, guarded by the version
// the receipt names, so that an old receipt cannot move a count twice. A
// client that lost its receipt (another device) cannot change the ballot;
// it is counted as cast. The counts of a secret vote are shown to nobody
// until the chair closes it.
//
// What is left: an operator who watches the database live, while the vote
// is open, sees the counts move as voter rows appear, and the physical
// pages (PostgreSQL's dead tuples, the WAL, SQLite's free pages) keep old
// versions of the counts row until they are vacuumed or overwritten. The
// design protects queries, logs and logical backups, not a live operator
// of the database server.
//
// It holds rules and values only. It must not import any other Chancery
// package, net/http or the store: the room and the store call it.
package procedure
