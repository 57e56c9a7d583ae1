-- Conference procedure, continued: roll call, quorum and votes by
-- delegation (internal/procedure explains the secret ballot design).
--
-- procedure_rooms: a room's quorum rule (majority of the membership, or a
-- fixed number; quorum_n is the fixed number, or the membership when no
-- event accredits delegations to the room) and whether its speakers' list
-- and results are public (the observers' view).
CREATE TABLE procedure_rooms (
    room_slug   text COLLATE "C" PRIMARY KEY,
    quorum_kind text NOT NULL DEFAULT 'majority' CHECK (quorum_kind IN ('majority', 'fixed')),
    quorum_n    integer NOT NULL DEFAULT 0 CHECK (quorum_n >= 0),
    public      boolean NOT NULL DEFAULT false
);

-- procedure_voters: the member a head of delegation designated to answer
-- the roll call and vote for the delegation.
CREATE TABLE procedure_voters (
    room_slug  text COLLATE "C" NOT NULL,
    delegation text NOT NULL,
    identity   text NOT NULL,
    name       text NOT NULL,
    PRIMARY KEY (room_slug, delegation)
);

-- roll_calls: one roll call; the delegations present are those that
-- answered the room's last roll call.
CREATE TABLE roll_calls (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_slug text COLLATE "C" NOT NULL,
    opened_by text NOT NULL,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz
);
CREATE INDEX roll_calls_room ON roll_calls (room_slug, id);
CREATE UNIQUE INDEX roll_calls_open ON roll_calls (room_slug) WHERE closed_at IS NULL;

CREATE TABLE roll_call_answers (
    roll_call_id bigint NOT NULL REFERENCES roll_calls (id),
    delegation   text NOT NULL,
    identity     text NOT NULL,
    name         text NOT NULL,
    answered_at  timestamptz NOT NULL,
    PRIMARY KEY (roll_call_id, delegation)
);

-- votes: one motion. For a secret vote, the count_ columns are the running
-- counts (no ballot row exists) and ballot_key keys the voters' receipts;
-- for a named vote they are written at close from vote_ballots. outcome
-- is '' while the vote is open.
CREATE TABLE votes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_slug   text COLLATE "C" NOT NULL,
    agenda_item text NOT NULL,
    motion      text NOT NULL,
    secret      boolean NOT NULL,
    rule        text NOT NULL CHECK (rule IN ('simple', 'two_thirds', 'consensus')),
    state       text NOT NULL CHECK (state IN ('open', 'closed')),
    ballot_key  bytea NOT NULL,
    present     integer NOT NULL DEFAULT 0,
    required    integer NOT NULL DEFAULT 0,
    count_yes     integer NOT NULL DEFAULT 0 CHECK (count_yes >= 0),
    count_no      integer NOT NULL DEFAULT 0 CHECK (count_no >= 0),
    count_abstain integer NOT NULL DEFAULT 0 CHECK (count_abstain >= 0),
    outcome     text NOT NULL DEFAULT '',
    opened_by   text NOT NULL,
    opened_at   timestamptz NOT NULL,
    closed_at   timestamptz
);
CREATE INDEX votes_room ON votes (room_slug, id);
CREATE UNIQUE INDEX votes_open ON votes (room_slug) WHERE state = 'open';

-- vote_ballots: the ballots of named votes, one per delegation.
CREATE TABLE vote_ballots (
    vote_id    bigint NOT NULL REFERENCES votes (id),
    delegation text NOT NULL,
    identity   text NOT NULL,
    name       text NOT NULL,
    choice     text NOT NULL CHECK (choice IN ('yes', 'no', 'abstain')),
    cast_at    timestamptz NOT NULL,
    PRIMARY KEY (vote_id, delegation)
);

-- vote_voters: who has voted in a secret vote, and nothing else: no time,
-- no id (SQLite keeps the table in delegation order, not arrival order), no
-- choice. version counts the ballot's changes (receipts name it).
CREATE TABLE vote_voters (
    vote_id    bigint NOT NULL REFERENCES votes (id),
    delegation text NOT NULL,
    version    integer NOT NULL DEFAULT 1,
    PRIMARY KEY (vote_id, delegation)
);
