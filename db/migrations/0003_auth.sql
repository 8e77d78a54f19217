-- Users, their scopes, web sessions, API tokens and failed logins.
CREATE TABLE users (
	id            {{id}},
	username      TEXT NOT NULL UNIQUE,
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	disabled      {{bool}} NOT NULL DEFAULT FALSE,
	created_at    {{time}} NOT NULL,
	updated_at    {{time}} NOT NULL
);

-- A user's reach: region codes (dotted), a bank, or e-Warong merchants.
CREATE TABLE user_scopes (
	user_id BIGINT NOT NULL REFERENCES users (id),
	kind    TEXT NOT NULL CHECK (kind IN ('region', 'bank', 'merchant')),
	value   TEXT NOT NULL,
	PRIMARY KEY (user_id, kind, value)
);

-- Sessions and tokens are stored only as SHA-256 hashes of their secrets.
CREATE TABLE sessions (
	token_hash   TEXT PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id),
	csrf_token   TEXT NOT NULL,
	created_at   {{time}} NOT NULL,
	last_seen_at {{time}} NOT NULL,
	expires_at   {{time}} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
	id           {{id}},
	user_id      BIGINT NOT NULL REFERENCES users (id),
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	created_at   {{time}} NOT NULL,
	expires_at   {{time}} NOT NULL,
	revoked_at   {{time}},
	last_used_at {{time}}
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins, for throttling per user name and per client address.
CREATE TABLE login_failures (
	id       {{id}},
	username TEXT NOT NULL,
	ip       TEXT NOT NULL,
	at       {{time}} NOT NULL
);
CREATE INDEX login_failures_user ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);
