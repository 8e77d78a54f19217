-- Payouts through the Himbara banks: which bank pays a program's families
-- where, the families' KKS accounts, the payment instructions sent to the
-- banks, the banks' crediting reports, and each cycle's reconciliation.

-- A route names the bank that pays a program's families in a region. The
-- route of the most specific region containing a family's village governs
-- it (as quotas do); lo is the region's first village number, so a lookup
-- is one index probe per level.
CREATE TABLE bank_route (
	program TEXT NOT NULL,
	region  TEXT NOT NULL, -- dotted code
	depth   INTEGER NOT NULL, -- 1 province … 4 village
	lo      BIGINT NOT NULL,
	bank    TEXT NOT NULL CHECK (bank IN ('BRI', 'BNI', 'MANDIRI', 'BTN')),
	set_by  TEXT NOT NULL,
	set_at  {{time}} NOT NULL,
	PRIMARY KEY (program, region)
);
CREATE UNIQUE INDEX bank_route_lookup ON bank_route (program, depth, lo);

-- KKS accounts opened by a bank for a family. A replaced account is closed
-- (TUTUP), never deleted: payouts keep pointing at what was paid into.
CREATE TABLE account (
	id             {{id}},
	family_id      BIGINT NOT NULL,
	bank           TEXT NOT NULL CHECK (bank IN ('BRI', 'BNI', 'MANDIRI', 'BTN')),
	nomor_rekening TEXT NOT NULL,
	nomor_kartu    TEXT NOT NULL,
	opened         INTEGER NOT NULL, -- YYYYMMDD
	status         TEXT NOT NULL CHECK (status IN ('AKTIF', 'TUTUP')),
	loaded_by      TEXT NOT NULL,
	loaded_at      {{time}} NOT NULL,
	closed_by      TEXT,
	closed_at      {{time}}
);
CREATE UNIQUE INDEX account_active ON account (family_id, bank) WHERE status = 'AKTIF';
CREATE UNIQUE INDEX account_number ON account (bank, nomor_rekening);

-- A cycle's payout export: written once, by its first export, together
-- with the instructions; later exports repeat what was recorded.
CREATE TABLE payout_batch (
	cycle_id        BIGINT PRIMARY KEY,
	instructions    BIGINT NOT NULL,
	amount          BIGINT NOT NULL,
	without_account BIGINT NOT NULL,
	without_amount  BIGINT NOT NULL,
	exported_by     TEXT NOT NULL,
	exported_at     {{time}} NOT NULL
);

-- Payment instructions: what was sent to which bank for which account.
-- reference is "<cycle>-<family>" (program.Reference).
CREATE TABLE payout (
	reference      TEXT PRIMARY KEY,
	cycle_id       BIGINT NOT NULL,
	family_id      BIGINT NOT NULL,
	bank           TEXT NOT NULL,
	account_id     BIGINT NOT NULL REFERENCES account (id),
	nomor_rekening TEXT NOT NULL,
	amount         BIGINT NOT NULL CHECK (amount >= 0),
	exported_by    TEXT NOT NULL,
	exported_at    {{time}} NOT NULL
);
CREATE UNIQUE INDEX payout_family ON payout (cycle_id, family_id);
CREATE INDEX payout_bank ON payout (cycle_id, bank, family_id);

-- Crediting reports as the banks sent them; a file is loaded once per bank.
CREATE TABLE bank_report (
	id        {{id}},
	bank      TEXT NOT NULL,
	file_name TEXT NOT NULL,
	sha256    TEXT NOT NULL,
	lines     BIGINT NOT NULL,
	loaded_by TEXT NOT NULL,
	loaded_at {{time}} NOT NULL,
	UNIQUE (bank, sha256)
);

-- One line of a report. Nothing is ever updated: a later line for the
-- same reference (later report, or later line) supersedes an earlier one
-- when reconciling, and both stay. cycle_id and family_id are the parts of
-- reference, for joins.
CREATE TABLE bank_line (
	report_id      BIGINT NOT NULL REFERENCES bank_report (id),
	line           BIGINT NOT NULL, -- line in the file; the header is line 1
	reference      TEXT NOT NULL,
	cycle_id       BIGINT NOT NULL,
	family_id      BIGINT NOT NULL,
	nomor_rekening TEXT NOT NULL,
	amount         BIGINT NOT NULL CHECK (amount >= 0),
	status         TEXT NOT NULL CHECK (status IN ('BERHASIL', 'GAGAL')),
	reason         TEXT NOT NULL,
	credited_at    {{time}},
	PRIMARY KEY (report_id, line)
);
CREATE INDEX bank_line_payment ON bank_line (cycle_id, family_id, report_id, line);

-- The latest reconciliation of each cycle (national), one outcome per
-- entitlement; a new reconciliation replaces the cycle's rows.
CREATE TABLE reconciliation_run (
	cycle_id      BIGINT PRIMARY KEY,
	entitlements  BIGINT NOT NULL,
	amount        BIGINT NOT NULL,
	paid          BIGINT NOT NULL,
	paid_amount   BIGINT NOT NULL,
	summary       TEXT NOT NULL, -- JSON of the whole result
	reconciled_by TEXT NOT NULL,
	reconciled_at {{time}} NOT NULL
);

CREATE TABLE reconciliation (
	cycle_id      BIGINT NOT NULL,
	family_id     BIGINT NOT NULL,
	reference     TEXT NOT NULL,
	village       BIGINT NOT NULL,
	bank          TEXT NOT NULL, -- '' when not exported
	outcome       TEXT NOT NULL CHECK (outcome IN ('PAID', 'FAILED', 'AMOUNT_MISMATCH', 'UNREPORTED', 'NOT_EXPORTED')),
	amount        BIGINT NOT NULL, -- entitled, whole rupiah
	credited      BIGINT NOT NULL, -- by the effective bank line
	reason        TEXT NOT NULL,
	report_id     BIGINT, -- the effective bank line, if any
	line          BIGINT,
	reconciled_at {{time}} NOT NULL,
	PRIMARY KEY (cycle_id, family_id)
);
