package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/nik"
)

// GetProposal returns the proposal with the given id. The actor needs
// PermRegistryRead and the proposal's village in scope; otherwise it is not
// found, exactly like a missing one. With reveal, NIK and KK numbers are
// shown in full: that needs PermRevealPII and is audited as pii.reveal.
func GetProposal(ctx context.Context, d *db.DB, id int64, reveal bool) (Proposal, error) {
	a := tepat.ActorFrom(ctx)
	if err := requireRead(a, reveal); err != nil {
		return Proposal{}, err
	}
	p, err := getProposal(ctx, d, a, id, reveal)
	if err != nil || !reveal {
		return p, err
	}
	if err := recordReveal(ctx, d, proposalObject(id), p.KodeWilayah, "nomor KK dan NIK usulan ditampilkan utuh"); err != nil {
		return Proposal{}, err
	}
	return p, nil
}

// ProposalFilter selects proposals for ListProposals.
type ProposalFilter struct {
	Status   ProposalStatus // "" = any
	Kind     ProposalKind   // "" = any
	Region   string         // dotted or plain code of any level; "" = the actor's whole scope
	FamilyID int64          // 0 = any
	After    int64          // proposals with a larger id (keyset pagination)
	Limit    int            // default 50, at most 500
}

// ListProposals returns the proposals in the actor's scope matching f, in
// id order (oldest first: a work queue), masked. It needs
// PermRegistryRead; a region outside the scope is not found.
func ListProposals(ctx context.Context, d *db.DB, f ProposalFilter) ([]Proposal, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	switch f.Status {
	case "", Diusulkan, Diverifikasi, Ditolak, Ditetapkan:
	default:
		return nil, tepat.Reasonf(tepat.EINVALID, "STATUS_USULAN_TIDAK_DIKENAL", "status usulan %q tidak dikenal", f.Status)
	}
	switch f.Kind {
	case "", ProposalAddFamily, ProposalChangeMember, ProposalRemoveFamily, ProposalRemoveMember:
	default:
		return nil, tepat.Reasonf(tepat.EINVALID, "JENIS_USULAN_TIDAK_DIKENAL", "jenis usulan %q tidak dikenal", f.Kind)
	}
	if f.Region != "" && !Overlaps(a, f.Region) {
		return nil, tepat.Reasonf(tepat.ENOTFOUND, "KODE_WILAYAH_TIDAK_DIKENAL", "kode wilayah %q tidak dikenal", f.Region)
	}
	scope, args, err := scopeFilter(a, "p.village", f.Region, 6)
	if err != nil {
		return nil, err
	}
	rows, err := d.Query(ctx, `SELECT `+proposalCols+` FROM proposal p
		WHERE p.id > $1 AND ($2 = '' OR p.status = $2) AND ($3 = '' OR p.kind = $3) AND (p.family_id = $4 OR $4 = CAST(0 AS BIGINT)) AND `+scope+`
		ORDER BY p.id LIMIT $5`, append([]any{f.After, string(f.Status), string(f.Kind), f.FamilyID, f.Limit}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Proposal
	for rows.Next() {
		p, err := scanProposal(rows.Scan, false)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

const proposalCols = `p.id, p.kind, p.family_id, p.nik, p.village, p.reason, p.payload, p.status, p.proposed_by, p.proposed_at,
	p.verified_by, p.verified_at, p.verify_note, p.determined_by, p.determined_at, p.version`

// getProposal reads one proposal within a's scope, inside or outside a
// transaction.
func getProposal(ctx context.Context, q db.Querier, a *tepat.Actor, id int64, reveal bool) (Proposal, error) {
	scope, args, err := scopeFilter(a, "p.village", "", 2)
	if err != nil {
		return Proposal{}, err
	}
	p, err := scanProposal(q.QueryRow(ctx, `SELECT `+proposalCols+` FROM proposal p WHERE p.id = $1 AND `+scope,
		append([]any{id}, args...)...).Scan, reveal)
	if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
		return Proposal{}, errProposalNotFound
	}
	return p, err
}

func scanProposal(scan func(...any) error, reveal bool) (Proposal, error) {
	var (
		p                        Proposal
		familyID, n, version     *int64
		village                  int64
		payload                  string
		verifiedBy, determinedBy *string
		verifiedAt, determinedAt *time.Time
	)
	if err := scan(&p.ID, &p.Kind, &familyID, &n, &village, &p.Reason, &payload, &p.Status, &p.ProposedBy, &p.ProposedAt,
		&verifiedBy, &verifiedAt, &p.VerifyNote, &determinedBy, &determinedAt, &version); err != nil {
		return p, err
	}
	p.ProposedAt = p.ProposedAt.UTC()
	if familyID != nil {
		p.FamilyID = *familyID
	}
	if n != nil {
		p.NIK = number16(*n, reveal)
	}
	if version != nil {
		p.Version = *version
	}
	if verifiedBy != nil {
		p.VerifiedBy = *verifiedBy
	}
	if verifiedAt != nil {
		p.VerifiedAt = verifiedAt.UTC()
	}
	if determinedBy != nil {
		p.DeterminedBy = *determinedBy
	}
	if determinedAt != nil {
		p.DeterminedAt = determinedAt.UTC()
	}
	p.KodeWilayah, p.NamaWilayah = villageName(village)
	var doc proposalDoc
	if err := json.Unmarshal([]byte(payload), &doc); err != nil {
		return p, fmt.Errorf("proposal %d: payload: %w", p.ID, err)
	}
	p.Family, p.Member, p.DetermineNote = doc.Family, doc.Member, doc.DetermineNote
	p.Revealed = reveal
	if !reveal {
		if p.Family != nil {
			p.Family.NoKK = nik.Mask(p.Family.NoKK)
			for i := range p.Family.Members {
				p.Family.Members[i].NIK = nik.Mask(p.Family.Members[i].NIK)
			}
		}
		if p.Member != nil {
			p.Member.NIK = nik.Mask(p.Member.NIK)
		}
	}
	return p, nil
}
