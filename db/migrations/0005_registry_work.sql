-- Work around the registry: import jobs and their problems, possible
-- duplicates, proposals (usulan → verval → penetapan) and snapshots.

CREATE TABLE import_job (
	id                  {{id}},
	file_name           TEXT NOT NULL,
	file_sha256         TEXT NOT NULL,
	header_csv          TEXT NOT NULL DEFAULT '',
	actor               TEXT NOT NULL,
	strict              {{bool}} NOT NULL,
	status              TEXT NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
	rows_read           BIGINT NOT NULL DEFAULT 0,
	families_accepted   BIGINT NOT NULL DEFAULT 0,
	persons_accepted    BIGINT NOT NULL DEFAULT 0,
	families_rejected   BIGINT NOT NULL DEFAULT 0,
	rows_rejected       BIGINT NOT NULL DEFAULT 0,
	possible_duplicates BIGINT NOT NULL DEFAULT 0,
	families_unchanged  BIGINT NOT NULL DEFAULT 0,
	error               TEXT NOT NULL DEFAULT '',
	created_at          {{time}} NOT NULL,
	finished_at         {{time}}
);

-- Problems of an import, one per problem, with the original row for the
-- error report. Lives in the database, not in logs.
CREATE TABLE import_problem (
	job_id  BIGINT NOT NULL REFERENCES import_job (id),
	seq     INTEGER NOT NULL,
	line    INTEGER NOT NULL,
	kolom   INTEGER NOT NULL,
	field   TEXT NOT NULL,
	kode    TEXT NOT NULL,
	pesan   TEXT NOT NULL,
	row_csv TEXT NOT NULL,
	PRIMARY KEY (job_id, seq)
);

-- Possible duplicates found on import, queued for a dinsos decision.
CREATE TABLE duplicate (
	id          {{id}},
	kind        TEXT NOT NULL CHECK (kind IN ('NAMA_TANGGAL_SAMA', 'DALAM_KELUARGA')),
	nik_a       BIGINT NOT NULL,
	nik_b       BIGINT NOT NULL,
	family_a    BIGINT NOT NULL,
	family_b    BIGINT NOT NULL,
	village     BIGINT NOT NULL, -- of family_a, for scoping
	found_at    {{time}} NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('TERBUKA', 'KEDUANYA_SAH', 'A_TIDAK_SAH', 'B_TIDAK_SAH')),
	resolved_by TEXT,
	resolved_at {{time}},
	note        TEXT NOT NULL DEFAULT '',
	UNIQUE (nik_a, nik_b)
);
CREATE INDEX duplicate_open ON duplicate (status, village);

-- Proposals to change the registry: a pendamping or dinsos proposes, a
-- dinsos of the region verifies, a pusat user determines; only then is it
-- applied. payload is JSON of the proposed family or member.
CREATE TABLE proposal (
	id            {{id}},
	kind          TEXT NOT NULL CHECK (kind IN ('TAMBAH_KELUARGA', 'UBAH_ANGGOTA', 'HAPUS_KELUARGA', 'HAPUS_ANGGOTA')),
	family_id     BIGINT,
	nik           BIGINT,
	village       BIGINT NOT NULL,
	reason        TEXT NOT NULL,
	payload       TEXT NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('DIUSULKAN', 'DIVERIFIKASI', 'DITOLAK', 'DITETAPKAN')),
	proposed_by   TEXT NOT NULL,
	proposed_at   {{time}} NOT NULL,
	verified_by   TEXT,
	verified_at   {{time}},
	verify_note   TEXT NOT NULL DEFAULT '',
	determined_by TEXT,
	determined_at {{time}},
	version       BIGINT
);
CREATE INDEX proposal_status ON proposal (status, village);
CREATE INDEX proposal_family ON proposal (family_id);

-- Snapshots: named, immutable registry versions (penetapan) that cycles pay from.
CREATE TABLE snapshot (
	label      TEXT PRIMARY KEY,
	version    BIGINT NOT NULL,
	families   BIGINT NOT NULL,
	persons    BIGINT NOT NULL,
	created_by TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
