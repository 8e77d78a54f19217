-- Programs, quotas, budgets, cycles and their frozen entitlements.
--
-- A program (code, year) has versions: applying a catalog stores a new
-- version only when the definition changed, and a cycle keeps the version
-- it was created with, so a catalog change never reaches a cycle that exists.
CREATE TABLE program_version (
	id               {{id}},
	code             TEXT NOT NULL,
	year             INTEGER NOT NULL,
	version          INTEGER NOT NULL,
	name             TEXT NOT NULL,
	unit             TEXT NOT NULL CHECK (unit IN ('family', 'person')),
	periods_per_year INTEGER NOT NULL CHECK (periods_per_year BETWEEN 1 AND 12),
	kind             TEXT NOT NULL CHECK (kind IN ('components', 'flat', 'in_kind')),
	eligibility      TEXT NOT NULL,
	definition       TEXT NOT NULL, -- canonical JSON of the whole definition
	digest           TEXT NOT NULL, -- SHA-256 of definition
	applied_by       TEXT NOT NULL,
	applied_at       {{time}} NOT NULL,
	UNIQUE (code, year, version)
);

-- Quotas: at most this many families of the program and year in the
-- region; the most specific region's quota governs a family.
CREATE TABLE quota (
	program  TEXT NOT NULL,
	year     INTEGER NOT NULL,
	region   TEXT NOT NULL, -- dotted code
	lo       BIGINT NOT NULL, -- village number range of the region
	hi       BIGINT NOT NULL,
	depth    INTEGER NOT NULL, -- 1 province … 4 village
	families BIGINT NOT NULL CHECK (families >= 0),
	set_by   TEXT NOT NULL,
	set_at   {{time}} NOT NULL,
	PRIMARY KEY (program, year, region)
);

-- Budgets (pagu) per program and year, whole rupiah.
CREATE TABLE budget (
	program TEXT NOT NULL,
	year    INTEGER NOT NULL,
	amount  BIGINT NOT NULL CHECK (amount >= 0),
	set_by  TEXT NOT NULL,
	set_at  {{time}} NOT NULL,
	PRIMARY KEY (program, year)
);

CREATE TABLE cycle (
	id                 {{id}},
	program_version_id BIGINT NOT NULL REFERENCES program_version (id),
	program            TEXT NOT NULL,
	year               INTEGER NOT NULL,
	period             INTEGER NOT NULL,
	snapshot           TEXT NOT NULL,
	snapshot_version   BIGINT NOT NULL,
	reference_date     INTEGER NOT NULL, -- YYYYMMDD
	state              TEXT NOT NULL CHECK (state IN ('DRAFT', 'GENERATED', 'APPROVED', 'DISBURSING', 'CLOSED', 'CANCELLED')),
	families           BIGINT NOT NULL DEFAULT 0,
	persons            BIGINT NOT NULL DEFAULT 0,
	amount             BIGINT NOT NULL DEFAULT 0,
	quantity           BIGINT NOT NULL DEFAULT 0,
	reserve            BIGINT NOT NULL DEFAULT 0,
	created_by         TEXT NOT NULL,
	created_at         {{time}} NOT NULL,
	generated_by       TEXT,
	generated_at       {{time}},
	approved_by        TEXT,
	approved_at        {{time}},
	ended_by           TEXT, -- who cancelled or closed it
	ended_at           {{time}}
);
-- One live cycle per program, year and period: together with the primary
-- key of entitlement, no family holds two entitlements for one period.
CREATE UNIQUE INDEX cycle_live ON cycle (program, year, period) WHERE state <> 'CANCELLED';

-- What a cycle pays, frozen at generation. reference (shown as
-- "<cycle>-<family>") is the payment's identity from export to bank report.
-- Reserve rows are eligible families beyond a quota, ranked, not paid.
CREATE TABLE entitlement (
	cycle_id   BIGINT NOT NULL,
	family_id  BIGINT NOT NULL,
	no_kk      BIGINT NOT NULL,
	village    BIGINT NOT NULL,
	desil      SMALLINT NOT NULL,
	members    INTEGER NOT NULL,
	head_nik   BIGINT NOT NULL,
	amount     BIGINT NOT NULL CHECK (amount >= 0),
	quantity   BIGINT NOT NULL CHECK (quantity >= 0),
	paid       BIGINT NOT NULL, -- paid components: 8-bit counts in the order of program.Components
	reserve    INTEGER NOT NULL, -- 0: entitled; n > 0: n-th on the reserve list
	PRIMARY KEY (cycle_id, family_id)
) {{clustered}};
