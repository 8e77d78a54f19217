-- The beneficiary registry (DTKS): families and their members, versioned.
--
-- Every change to the registry takes the next version number from
-- registry_head and is described in registry_change (who, when, why). A row
-- of family or person is valid for versions [ver_from, ver_to); ver_to IS
-- NULL marks the current row. Changing a row closes it and inserts its new
-- version, so history and snapshots (a snapshot is a version number) cost
-- only what changed, never a copy.
--
-- KK numbers, NIKs and village codes are integers: they never start with 0
-- (province codes start at 11), so the conversion is exact, and at 10^8
-- rows 8-byte keys keep tables and indexes small. Birth dates are integers
-- YYYYMMDD, the same on both engines.
CREATE TABLE registry_head (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version BIGINT NOT NULL
);
INSERT INTO registry_head (id, version) VALUES (1, 0);

CREATE TABLE registry_change (
	version BIGINT PRIMARY KEY,
	at      {{time}} NOT NULL,
	actor   TEXT NOT NULL,
	source  TEXT NOT NULL, -- import:ID, proposal:ID, duplicate:ID, load
	note    TEXT NOT NULL
);

CREATE TABLE family (
	id       BIGINT NOT NULL,
	ver_from BIGINT NOT NULL,
	ver_to   BIGINT,
	no_kk    BIGINT NOT NULL,
	village  BIGINT NOT NULL,
	desil    SMALLINT NOT NULL CHECK (desil BETWEEN 1 AND 10),
	alamat   TEXT NOT NULL,
	PRIMARY KEY (id, ver_from)
);
CREATE UNIQUE INDEX family_current_kk ON family (no_kk) WHERE ver_to IS NULL;
CREATE INDEX family_current_village ON family (village) WHERE ver_to IS NULL;

CREATE TABLE person (
	nik               BIGINT NOT NULL,
	ver_from          BIGINT NOT NULL,
	ver_to            BIGINT,
	family_id         BIGINT NOT NULL,
	nama              TEXT NOT NULL,
	nama_norm         TEXT NOT NULL, -- upper case, letters and single spaces: for duplicate search
	dupkey            BIGINT NOT NULL, -- hash of district, birth date and nama_norm: finds possible duplicates
	jenis_kelamin     TEXT NOT NULL CHECK (jenis_kelamin IN ('L', 'P')),
	tanggal_lahir     INTEGER NOT NULL,
	hubungan          TEXT NOT NULL,
	hamil             {{bool}} NOT NULL,
	disabilitas_berat {{bool}} NOT NULL,
	sekolah           TEXT NOT NULL,
	status            TEXT NOT NULL
);
CREATE UNIQUE INDEX person_current_nik ON person (nik) WHERE ver_to IS NULL;
CREATE INDEX person_family ON person (family_id, ver_from);
-- One 8-byte key instead of (tanggal_lahir, nama_norm): a third of the
-- index size, and random inserts into it are what bulk imports pay most for.
CREATE INDEX person_current_dupkey ON person (dupkey) WHERE ver_to IS NULL;

-- One row per family per version that changed it: history and diffs.
CREATE TABLE family_change (
	version   BIGINT NOT NULL,
	family_id BIGINT NOT NULL,
	kind      TEXT NOT NULL CHECK (kind IN ('ADDED', 'CHANGED', 'REMOVED')),
	village   BIGINT NOT NULL,
	summary   TEXT NOT NULL, -- what changed, without personal data
	PRIMARY KEY (family_id, version)
);
CREATE INDEX family_change_version ON family_change (version);

CREATE TABLE family_seq (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	next BIGINT NOT NULL
);
INSERT INTO family_seq (id, next) VALUES (1, 1);
