-- Offline EDC: manifests that reserve families' allowances to one
-- terminal, the terminals' signed hash-chained logs as received, the
-- conflict queue, and PKH cash paid offline (counted by reconciliation).

CREATE TABLE manifest (
	id          TEXT PRIMARY KEY, -- F000001
	terminal_id TEXT NOT NULL REFERENCES terminal (id),
	cycle_id    BIGINT NOT NULL,
	program     TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('CASH', 'WALLET')),
	region      TEXT NOT NULL,
	families    BIGINT NOT NULL,
	amount      BIGINT NOT NULL,
	issued_at   {{time}} NOT NULL,
	valid_until {{time}} NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('AKTIF', 'DITUTUP', 'KEDALUWARSA', 'DILEPAS')),
	body        {{blob}} NOT NULL, -- the signed manifest as sent
	created_by  TEXT NOT NULL,
	ended_at    {{time}},
	ended_by    TEXT
);
CREATE INDEX manifest_terminal ON manifest (terminal_id, status);
CREATE INDEX manifest_active ON manifest (status, valid_until);

-- One row per family of a manifest. A family's allowance of a program is
-- reserved to at most one terminal at a time (the unique partial index);
-- spent grows with each applied entry; released is what went back.
CREATE TABLE reservation (
	manifest_id TEXT NOT NULL,
	family_id   BIGINT NOT NULL,
	no_kk       BIGINT NOT NULL,
	cycle_id    BIGINT NOT NULL,
	program     TEXT NOT NULL,
	allowance   BIGINT NOT NULL CHECK (allowance > 0),
	spent       BIGINT NOT NULL DEFAULT 0,
	active      {{bool}} NOT NULL,
	PRIMARY KEY (manifest_id, family_id),
	CHECK (spent <= allowance)
);
CREATE UNIQUE INDEX reservation_one ON reservation (program, family_id) WHERE active;
CREATE INDEX reservation_kk ON reservation (manifest_id, no_kk);
CREATE INDEX reservation_cycle ON reservation (cycle_id, family_id);

-- The head of each terminal's chain as the server holds it.
CREATE TABLE offline_chain (
	terminal_id TEXT PRIMARY KEY,
	last_seq    BIGINT NOT NULL,
	last_hash   TEXT NOT NULL, -- hex; '' when the last entry's own hash is unknown (bad signature)
	synced_at   {{time}} NOT NULL
);

-- Every entry the server took, applied or not: (terminal, seq) once.
CREATE TABLE offline_entry (
	terminal_id TEXT NOT NULL,
	seq         BIGINT NOT NULL,
	hash        TEXT NOT NULL,
	manifest_id TEXT NOT NULL,
	family_id   BIGINT NOT NULL, -- 0 when unknown
	amount      BIGINT NOT NULL,
	entry_time  {{time}},
	body        {{blob}} NOT NULL,
	signature   TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('APPLIED', 'CONFLICT')),
	code        TEXT NOT NULL, -- conflict code, '' when applied
	txn_id      BIGINT,
	received_at {{time}} NOT NULL,
	PRIMARY KEY (terminal_id, seq)
);

-- The conflict queue: entries not applied, for dinsos or bank review.
CREATE TABLE offline_conflict (
	id          {{id}},
	terminal_id TEXT NOT NULL,
	seq         BIGINT NOT NULL,
	code        TEXT NOT NULL,
	detail      TEXT NOT NULL,
	manifest_id TEXT NOT NULL,
	village     TEXT NOT NULL, -- the merchant's, for scope
	amount      BIGINT NOT NULL,
	body        {{blob}} NOT NULL, -- the entry as received
	received_at {{time}} NOT NULL,
	decision    TEXT CHECK (decision IN ('DITOLAK', 'DIBAYAR_MANUAL', 'DICATAT')),
	note        TEXT,
	resolved_by TEXT,
	resolved_at {{time}}
);
CREATE UNIQUE INDEX offline_conflict_entry ON offline_conflict (terminal_id, seq, code);
CREATE INDEX offline_conflict_open ON offline_conflict (resolved_at, village);

-- PKH cash paid offline, per entitlement: reconciliation counts it.
CREATE TABLE offline_paid (
	cycle_id  BIGINT NOT NULL,
	family_id BIGINT NOT NULL,
	amount    BIGINT NOT NULL,
	PRIMARY KEY (cycle_id, family_id)
);
