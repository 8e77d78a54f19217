-- Settings: small named values the instance keeps about itself.
CREATE TABLE settings (
	key        TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at {{time}} NOT NULL
);
