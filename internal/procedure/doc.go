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
// choice) and, on the vote's own row, the running tally sealed with the
// server's secret key (votes.tally: EncodeTally's twelve bytes, three
// counts of fixed width, sealed by internal/secrets with AES-256-GCM, a
// fresh random nonce at every write, bound to the vote's id so that a
// tally copied onto another vote does not open). No ballot row exists and
// no count is in clear while the vote is open.
//
// Every ballot, a first one or a change, to another choice or to the
// same, does the same writes in one transaction: the voter row (inserted,
// or its version bumped) and a new sealed tally of the same length, the
// vote's row locked meanwhile. So whatever a reader of the database sees
// change between two queries or two logical backups (which voter row
// appeared, that the vote's row was rewritten; on PostgreSQL the
// transaction ids and physical places, xmin, xmax and ctid, of both; on
// SQLite the rowids) is the same whatever the choice: the new bytes of
// the tally look random. The counts are unsealed only by the close, which
// writes them in clear with the outcome, clears the sealed tally, and
// records the result in the hash-chained audit log, in one transaction.
// A crash loses no ballot: each is committed with the tally that counts
// it, and a restarted server unseals the tally with the same key. The
// room audit records only that a roll call or a vote was opened or
// closed, never a ballot, and no log line carries a choice or a receipt.
// internal/sfu's TestSecretBallotSnapshotsUnlinkable reads every row of
// every table after each ballot, with those system columns, on both
// backends, and finds "A yes, B no" and "A no, B yes" alike but for the
// random bytes; it also compares the logs.
//
// Changing a secret ballot needs the old choice, which the server does not
// keep. The voter's client holds it in a receipt: Receipt(key, vote,
// delegation, version, choice), an HMAC with the vote's key, handed only
// to the client that cast the ballot and never stored or logged. To change
// its ballot the client sends the receipt back; the server finds which of
// the three choices it names (Opened), and in one transaction bumps the
// version in the voter row, guarded by the version the receipt names (an
// old receipt cannot move a count twice), and reseals the tally with one
// count moved. A client that lost its receipt (another device) cannot
// change the ballot; it is counted as cast. The counts of a secret vote
// are shown to nobody until the chair closes it.
//
// What is left. Someone who holds the server's secret key (the operator
// of the server, or whoever steals its key file or environment) and also
// watches the live database, or keeps two of its backups taken between
// two ballots, can unseal both tallies and see which count grew with
// which voter row; so can such a holder who reads the physical pages,
// where old versions of the row linger (PostgreSQL's dead tuples and WAL,
// SQLite's free pages) until vacuumed or overwritten. Such a holder who
// intercepts a delegation's receipt (it travels only on that delegate's
// encrypted connection) can tell the choice it names, since the receipts'
// HMAC key is kept on the vote's row sealed with the same key. The
// sealing protects against readers of the database, its files and its
// backups, not against a holder of the master key who reads them too.
// The server's memory holds a choice for the length of one ballot's
// transaction. A secret vote opened before migration 0030 keeps its
// first ballots in the clear count columns and its receipts' key in the
// clear, as the earlier design did. Without the server's secret key
// (conference.Store.Box) a secret vote is refused when it is opened,
// rather than lose ballots.
//
// It holds rules and values only. It must not import any other Chancery
// package, net/http or the store: the room and the store call it.
package procedure
