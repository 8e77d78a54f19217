package registry

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"tepat"
	"tepat/db"
)

// appliedProposal is what determining a proposal did to the registry.
type appliedProposal struct {
	version  int64  // 0: the registry already held the proposed state
	familyID int64  // the family concerned (the new one for TAMBAH_KELUARGA)
	summary  string // for the audit log, without personal data
}

// applyProposal applies the determined proposal p (read with full numbers)
// inside tx as one new registry version with source proposal:ID. It first
// takes the registry's writer lock, then checks that the change still
// applies to the registry as it is now; if not, it returns ECONFLICT and
// the caller's transaction rolls back, so nothing is half-done.
func applyProposal(ctx context.Context, tx *db.Tx, p *Proposal) (appliedProposal, error) {
	// Serialise with every other registry writer before reading the state
	// the change is checked against.
	if err := lockRegistry(ctx, tx); err != nil {
		return appliedProposal{}, err
	}
	note := fmt.Sprintf("usulan %d (%s): %s", p.ID, p.Kind, p.Reason)
	now := time.Now().UTC()
	switch p.Kind {
	case ProposalAddFamily:
		return applyAddFamily(ctx, tx, p, note, now)
	case ProposalRemoveFamily:
		return applyRemoveFamily(ctx, tx, p, note)
	case ProposalChangeMember, ProposalRemoveMember:
		return applyMemberChange(ctx, tx, p, note, now)
	}
	return appliedProposal{}, fmt.Errorf("proposal %d: unknown kind %q", p.ID, p.Kind)
}

func applyAddFamily(ctx context.Context, tx *db.Tx, p *Proposal, note string, now time.Time) (appliedProposal, error) {
	if p.Family == nil {
		return appliedProposal{}, fmt.Errorf("proposal %d: no family in payload", p.ID)
	}
	s, err := checkNewFamily(p.Family, now)
	if err != nil {
		return appliedProposal{}, stale(err)
	}
	if err := checkFamilyFree(ctx, tx, s); err != nil {
		return appliedProposal{}, err
	}
	w := &writer{now: now}
	w.add(s)
	v, err := writeProposal(ctx, tx, p, note, s, w)
	if err != nil {
		return appliedProposal{}, err
	}
	id := w.changes[0].id
	return appliedProposal{version: v, familyID: id, summary: fmt.Sprintf("keluarga %d ditambahkan, %d anggota", id, len(s.fam.Members))}, nil
}

// applyRemoveFamily closes the family's row and every current member row
// as of the new version, and records it REMOVED in the family's history.
func applyRemoveFamily(ctx context.Context, tx *db.Tx, p *Proposal, note string) (appliedProposal, error) {
	var village int64
	err := tx.QueryRow(ctx, `SELECT village FROM family WHERE id = $1 AND ver_to IS NULL`, p.FamilyID).Scan(&village)
	if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return appliedProposal{}, tepat.Reasonf(tepat.ECONFLICT, "KELUARGA_TIDAK_ADA_LAGI", "keluarga ini sudah tidak terdaftar di registri")
	} else if err != nil {
		return appliedProposal{}, err
	}
	v, err := newVersion(ctx, tx, proposalObject(p.ID), note)
	if err != nil {
		return appliedProposal{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE family SET ver_to = $1 WHERE id = $2 AND ver_to IS NULL`, v, p.FamilyID); err != nil {
		return appliedProposal{}, err
	}
	res, err := tx.Exec(ctx, `UPDATE person SET ver_to = $1 WHERE family_id = $2 AND ver_to IS NULL`, v, p.FamilyID)
	if err != nil {
		return appliedProposal{}, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return appliedProposal{}, err
	}
	summary := fmt.Sprintf("keluarga dihapus (%d anggota): alasan %s, usulan %d", n, p.Reason, p.ID)
	if _, err := tx.Exec(ctx, `INSERT INTO family_change (version, family_id, kind, village, summary) VALUES ($1, $2, 'REMOVED', $3, $4)`,
		v, p.FamilyID, village, summary); err != nil {
		return appliedProposal{}, err
	}
	return appliedProposal{version: v, familyID: p.FamilyID, summary: fmt.Sprintf("keluarga %d dihapus (%d anggota)", p.FamilyID, n)}, nil
}

// applyMemberChange rebuilds the member's family as the proposal would
// make it, checks it with the household rules again, and writes the
// difference through the importer's writer: a changed member gets a new
// row version, a removed one's row is closed (MENINGGAL and PINDAH keep
// the member with that status instead; see withoutMember).
func applyMemberChange(ctx context.Context, tx *db.Tx, p *Proposal, note string, now time.Time) (appliedProposal, error) {
	n, err := strconv.ParseInt(p.NIK, 10, 64)
	if err != nil {
		return appliedProposal{}, fmt.Errorf("proposal %d: nik: %w", p.ID, err)
	}
	gone := tepat.Reasonf(tepat.ECONFLICT, "ANGGOTA_TIDAK_ADA_LAGI", "anggota ini sudah tidak terdaftar pada keluarga yang diusulkan")
	cur, err := currentFamily(ctx, tx, tepat.System, "f.id = (SELECT family_id FROM person WHERE nik = $1 AND ver_to IS NULL)", n)
	if tepat.ErrorCode(err) == tepat.ENOTFOUND || err == nil && cur.id != p.FamilyID {
		return appliedProposal{}, gone
	} else if err != nil {
		return appliedProposal{}, err
	}
	var next NewFamily
	if p.Kind == ProposalChangeMember {
		if p.Member == nil {
			return appliedProposal{}, fmt.Errorf("proposal %d: no member in payload", p.ID)
		}
		next = cur.withMember(n, p.Member)
	} else if next = cur.withoutMember(n, p.Reason); len(next.Members) == 0 {
		return appliedProposal{}, tepat.Reasonf(tepat.ECONFLICT, "USULAN_TIDAK_BERLAKU",
			"anggota ini kini satu-satunya anggota keluarga; usulkan HAPUS_KELUARGA")
	}
	s, err := checkNewFamily(&next, now)
	if err != nil {
		return appliedProposal{}, stale(err)
	}
	if err := stageProposal(ctx, tx, s); err != nil {
		return appliedProposal{}, err
	}
	old, err := loadExisting(ctx, tx)
	if err != nil {
		return appliedProposal{}, err
	}
	w := &writer{now: now}
	if e := old[s.kk]; e == nil || !w.change(s, e) {
		return appliedProposal{familyID: cur.id, summary: fmt.Sprintf("keluarga %d sudah sesuai usulan; registri tidak berubah", cur.id)}, nil
	}
	v, err := writeProposal(ctx, tx, p, note, s, w)
	if err != nil {
		return appliedProposal{}, err
	}
	return appliedProposal{version: v, familyID: cur.id, summary: fmt.Sprintf("keluarga %d: %s", cur.id, w.changes[0].summary)}, nil
}

// stageProposal fills the importer's scratch tables with the family's
// members, which loadExisting and findDuplicates read.
func stageProposal(ctx context.Context, tx *db.Tx, s *staged) error {
	return stageFamilies(ctx, tx, []*staged{s})
}

// writeProposal writes w's rows as a new registry version made by the
// proposal and queues possible duplicates among the family's members.
func writeProposal(ctx context.Context, tx *db.Tx, p *Proposal, note string, s *staged, w *writer) (int64, error) {
	if p.Kind == ProposalAddFamily {
		if err := stageProposal(ctx, tx, s); err != nil {
			return 0, err
		}
	}
	v, err := newVersion(ctx, tx, proposalObject(p.ID), note)
	if err != nil {
		return 0, err
	}
	if err := w.write(ctx, tx, v); err != nil {
		return 0, err
	}
	_, err = findDuplicates(ctx, tx, w.now)
	return v, err
}

// stale turns a household-rule failure found at determination into a
// conflict: the proposal was valid when made, the registry has moved on.
func stale(err error) error {
	if tepat.ErrorCode(err) != tepat.EINVALID {
		return err
	}
	return &tepat.Error{Code: tepat.ECONFLICT, Reason: "USULAN_TIDAK_BERLAKU",
		Message: "usulan tidak lagi sesuai dengan registri: " + tepat.ErrorMessage(err), Err: err}
}
