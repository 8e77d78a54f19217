-- e-Warong purchases: merchants and their EDC terminals, the double-entry
-- ledger behind the families' food wallets, purchases and voids from the
-- terminals, reference prices, and daily merchant settlement.

CREATE TABLE merchant (
	id          TEXT PRIMARY KEY, -- M000001
	name        TEXT NOT NULL,
	type        TEXT NOT NULL CHECK (type IN ('EWARONG', 'RPK', 'AGEN')),
	village     TEXT NOT NULL, -- dotted village code
	bank        TEXT NOT NULL CHECK (bank IN ('BRI', 'BNI', 'MANDIRI', 'BTN')),
	status      TEXT NOT NULL CHECK (status IN ('AKTIF', 'NONAKTIF')),
	created_by  TEXT NOT NULL,
	created_at  {{time}} NOT NULL,
	disabled_by TEXT,
	disabled_at {{time}}
);
CREATE INDEX merchant_village ON merchant (village);

CREATE TABLE terminal (
	id            TEXT PRIMARY KEY, -- T000001
	merchant_id   TEXT NOT NULL REFERENCES merchant (id),
	public_key    {{blob}} NOT NULL, -- Ed25519, 32 bytes
	status        TEXT NOT NULL CHECK (status IN ('AKTIF', 'DICABUT')),
	registered_by TEXT NOT NULL,
	registered_at {{time}} NOT NULL,
	revoked_by    TEXT,
	revoked_at    {{time}}
);
CREATE INDEX terminal_merchant ON terminal (merchant_id);

-- A card is the active KKS account's card number; blocking one refuses it
-- at every terminal until it is unblocked (the row is deleted, audited).
CREATE INDEX account_card ON account (nomor_kartu);
CREATE TABLE card_block (
	nomor_kartu TEXT PRIMARY KEY,
	reason      TEXT NOT NULL,
	blocked_by  TEXT NOT NULL,
	blocked_at  {{time}} NOT NULL
);

-- Ledger accounts. FUND: a program's fund at the ministry; WALLET: a
-- family's wallet for one program; MERCHANT: what is owed to a merchant;
-- SETTLEMENT: what a bank has settled to merchants; RESERVE: wallet money
-- reserved to one offline terminal (merchant_id holds the manifest id).
-- balance is the sum of
-- the account's postings, kept with each posting; a wallet never goes
-- below zero (checked here as a last line, enforced by the ledger).
CREATE TABLE ledger_account (
	id          {{id}},
	kind        TEXT NOT NULL CHECK (kind IN ('FUND', 'WALLET', 'MERCHANT', 'SETTLEMENT', 'RESERVE')),
	program     TEXT NOT NULL DEFAULT '',
	family_id   BIGINT NOT NULL DEFAULT 0,
	merchant_id TEXT NOT NULL DEFAULT '',
	bank        TEXT NOT NULL DEFAULT '',
	balance     BIGINT NOT NULL DEFAULT 0,
	CHECK (kind <> 'WALLET' OR balance >= 0)
);
CREATE UNIQUE INDEX ledger_account_key ON ledger_account (kind, family_id, program, merchant_id, bank);

-- Ledger transactions; ids come from ledger_seq so that a batch of them
-- and their postings can be written with a few statements on both engines.
-- (kind, ref) is unique: a cycle's credit to a family (ref: the
-- entitlement reference), a purchase (ref: its id), a day's settlement of
-- a merchant happen once.
CREATE TABLE ledger_seq (
	name TEXT PRIMARY KEY,
	next BIGINT NOT NULL
);
INSERT INTO ledger_seq (name, next) VALUES ('txn', 1);

CREATE TABLE ledger_txn (
	id     BIGINT PRIMARY KEY,
	kind   TEXT NOT NULL CHECK (kind IN ('CREDIT', 'PURCHASE', 'VOID', 'EXPIRE', 'SETTLE', 'RESERVE', 'RELEASE', 'OFFLINE')),
	ref    TEXT NOT NULL,
	amount BIGINT NOT NULL CHECK (amount >= 0),
	at     {{time}} NOT NULL,
	actor  TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_txn_ref ON ledger_txn (kind, ref);

-- Postings: amount is signed (+ raises the account's balance); the
-- postings of a transaction sum to zero.
CREATE TABLE ledger_posting (
	txn_id     BIGINT NOT NULL,
	account_id BIGINT NOT NULL,
	amount     BIGINT NOT NULL,
	PRIMARY KEY (txn_id, account_id)
) {{clustered}};
CREATE INDEX ledger_posting_account ON ledger_posting (account_id, txn_id);

-- Purchases and voids from terminals, as accepted. (terminal_id, tx) is
-- the terminal's idempotency key; digest is the SHA-256 of the request's
-- canonical form; answer holds the receipt's bytes, signed again for a
-- repeat (Ed25519 is deterministic: the same answer). day is the server's
-- date of acceptance in the merchant's time zone (YYYYMMDD): the
-- settlement day.
CREATE TABLE purchase (
	id            BIGINT PRIMARY KEY, -- = ledger_txn.id
	kind          TEXT NOT NULL CHECK (kind IN ('PURCHASE', 'VOID')),
	terminal_id   TEXT NOT NULL,
	tx            TEXT NOT NULL,
	digest        {{blob}} NOT NULL,
	merchant_id   TEXT NOT NULL,
	family_id     BIGINT NOT NULL,
	program       TEXT NOT NULL,
	card          TEXT NOT NULL,
	items         TEXT NOT NULL, -- JSON array as accepted; '[]' for a void
	total         BIGINT NOT NULL CHECK (total >= 0),
	terminal_time {{time}} NOT NULL,
	at            {{time}} NOT NULL,
	day           INTEGER NOT NULL,
	void_of       TEXT NOT NULL DEFAULT '', -- tx of the voided purchase
	voided        {{bool}} NOT NULL DEFAULT FALSE,
	answer        {{blob}} NOT NULL
);
CREATE UNIQUE INDEX purchase_tx ON purchase (terminal_id, tx);
CREATE INDEX purchase_day ON purchase (day, merchant_id);
CREATE INDEX purchase_family ON purchase (family_id);

-- Reference prices per food category, unit and province (tepat harga).
CREATE TABLE price_reference (
	province  TEXT NOT NULL,
	category  TEXT NOT NULL,
	unit      TEXT NOT NULL,
	price     BIGINT NOT NULL CHECK (price > 0),
	loaded_by TEXT NOT NULL,
	loaded_at {{time}} NOT NULL,
	PRIMARY KEY (province, category, unit)
);

-- Purchase lines above reference × (1 + tolerance): accepted, flagged.
CREATE TABLE price_flag (
	purchase_id BIGINT NOT NULL,
	line        INTEGER NOT NULL,
	merchant_id TEXT NOT NULL,
	village     TEXT NOT NULL,
	category    TEXT NOT NULL,
	unit        TEXT NOT NULL,
	quantity    BIGINT NOT NULL,
	unit_price  BIGINT NOT NULL,
	reference   BIGINT NOT NULL,
	excess      BIGINT NOT NULL, -- (unit_price - reference) × quantity
	day         INTEGER NOT NULL,
	PRIMARY KEY (purchase_id, line)
);
CREATE INDEX price_flag_day ON price_flag (day, village);

-- A merchant's settlement of one day: purchases minus voids, once.
CREATE TABLE settlement (
	day         INTEGER NOT NULL,
	merchant_id TEXT NOT NULL,
	bank        TEXT NOT NULL,
	purchases   BIGINT NOT NULL,
	purchase_amount BIGINT NOT NULL,
	voids       BIGINT NOT NULL,
	void_amount BIGINT NOT NULL,
	net         BIGINT NOT NULL,
	txn_id      BIGINT,
	settled_by  TEXT NOT NULL,
	settled_at  {{time}} NOT NULL,
	PRIMARY KEY (day, merchant_id)
);
