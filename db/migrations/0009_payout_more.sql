-- Payouts, continued: payments re-issued after a failure.

-- Which instruction of an entitlement a bank line answers: 0 the original
-- ("<cycle>-<family>"), n its n-th re-issue ("<cycle>-<family>-Un").
ALTER TABLE bank_line ADD COLUMN reissue INTEGER NOT NULL DEFAULT 0;

-- A batch of re-issued instructions, written once when it is made; later
-- runs write the same files again.
CREATE TABLE reissue_batch (
	cycle_id     BIGINT NOT NULL,
	batch        INTEGER NOT NULL, -- 1, 2, … per cycle
	instructions BIGINT NOT NULL,
	amount       BIGINT NOT NULL,
	exported_by  TEXT NOT NULL,
	exported_at  {{time}} NOT NULL,
	PRIMARY KEY (cycle_id, batch)
);

-- A re-issued payment instruction: the entitlement's money sent again, to
-- another account, after its latest instruction failed. seq numbers the
-- re-issues of one entitlement; reissue_of is the reference of the
-- instruction it follows (the original, or the previous re-issue).
CREATE TABLE payout_reissue (
	reference      TEXT PRIMARY KEY, -- "<cycle>-<family>-U<seq>"
	cycle_id       BIGINT NOT NULL,
	family_id      BIGINT NOT NULL,
	seq            INTEGER NOT NULL CHECK (seq >= 1),
	reissue_of     TEXT NOT NULL,
	batch          INTEGER NOT NULL,
	bank           TEXT NOT NULL CHECK (bank IN ('BRI', 'BNI', 'MANDIRI', 'BTN')),
	account_id     BIGINT NOT NULL REFERENCES account (id),
	nomor_rekening TEXT NOT NULL,
	amount         BIGINT NOT NULL CHECK (amount >= 0),
	UNIQUE (cycle_id, family_id, seq)
);
CREATE INDEX payout_reissue_batch ON payout_reissue (cycle_id, batch, bank, family_id);
