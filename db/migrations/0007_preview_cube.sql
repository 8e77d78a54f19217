-- Preview cubes: a program's facts and amounts for one snapshot and period,
-- counted per regency and combination of facts. An eligibility preview
-- reads the cube (thousands of rows) instead of the registry (millions of
-- persons). A cube depends only on immutable things (a snapshot, a
-- program's benefit rules, a period and a reference date, named together
-- by key), so it never goes stale; the least recently used are dropped.
CREATE TABLE preview_cube (
	id               {{id}},
	key              TEXT NOT NULL UNIQUE,
	snapshot_version BIGINT NOT NULL,
	groups           BIGINT NOT NULL,
	created_at       {{time}} NOT NULL,
	used_at          {{time}} NOT NULL
);

CREATE TABLE preview_cube_row (
	cube_id  BIGINT NOT NULL REFERENCES preview_cube (id) ON DELETE CASCADE,
	regency  INTEGER NOT NULL, -- village number / 1,000,000
	desil    SMALLINT NOT NULL,
	members  INTEGER NOT NULL,
	best     BIGINT NOT NULL, -- packed counts of members' best components
	quals    BIGINT NOT NULL, -- packed counts of members per component
	families BIGINT NOT NULL,
	amount   BIGINT NOT NULL, -- of all these families in the period
	quantity BIGINT NOT NULL
);
CREATE INDEX preview_cube_row_cube ON preview_cube_row (cube_id);
