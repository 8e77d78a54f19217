-- The audit log: append-only, each entry's hash chained to the previous one.
CREATE TABLE audit_log (
	seq       BIGINT PRIMARY KEY,
	at        {{time}} NOT NULL,
	actor     TEXT NOT NULL,
	role      TEXT NOT NULL,
	action    TEXT NOT NULL,
	object    TEXT NOT NULL,
	region    TEXT NOT NULL,
	summary   TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_at ON audit_log (at);

-- The head of the chain: one row, updated in the same transaction as each
-- append, so appenders queue on its lock and the tail cannot be cut off
-- unnoticed.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
