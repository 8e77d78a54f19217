-- The beneficiary registry (DTKS): families and their members.
-- KK numbers, NIKs and village codes are stored as integers: they never
-- start with 0 (province codes start at 11), so the conversion is exact,
-- and at 10^8 rows 8-byte keys keep tables and indexes small. Birth dates
-- are integers YYYYMMDD, the same on both engines.
CREATE TABLE family (
	id         BIGINT PRIMARY KEY,
	no_kk      BIGINT NOT NULL UNIQUE,
	village    BIGINT NOT NULL,
	desil      SMALLINT NOT NULL CHECK (desil BETWEEN 1 AND 10),
	alamat     TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX family_village ON family (village);

CREATE TABLE person (
	nik               BIGINT PRIMARY KEY,
	family_id         BIGINT NOT NULL REFERENCES family (id),
	nama              TEXT NOT NULL,
	jenis_kelamin     TEXT NOT NULL CHECK (jenis_kelamin IN ('L', 'P')),
	tanggal_lahir     INTEGER NOT NULL,
	hubungan          TEXT NOT NULL,
	hamil             {{bool}} NOT NULL,
	disabilitas_berat {{bool}} NOT NULL,
	sekolah           TEXT NOT NULL,
	status            TEXT NOT NULL
);
CREATE INDEX person_family ON person (family_id);
