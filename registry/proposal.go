package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/region"
)

// ProposalKind is what a proposal (usulan) changes in the registry.
type ProposalKind string

// The kinds of proposal.
const (
	ProposalAddFamily    ProposalKind = "TAMBAH_KELUARGA" // a whole family new to the registry
	ProposalChangeMember ProposalKind = "UBAH_ANGGOTA"    // new values for one member, same NIK
	ProposalRemoveFamily ProposalKind = "HAPUS_KELUARGA"  // a family leaves the registry
	ProposalRemoveMember ProposalKind = "HAPUS_ANGGOTA"   // a member leaves their family
)

// ProposalStatus is where a proposal is in usulan → verval → penetapan.
//
//	DIUSULKAN ──verify──▶ DIVERIFIKASI ──determine──▶ DITETAPKAN (applied)
//	    │                      │
//	    └──reject──▶ DITOLAK ◀─┘ reject
//
// DITOLAK and DITETAPKAN are final; no step can be skipped.
type ProposalStatus string

// The statuses of a proposal.
const (
	Diusulkan    ProposalStatus = "DIUSULKAN"    // proposed, waiting for a dinsos verification
	Diverifikasi ProposalStatus = "DIVERIFIKASI" // verified in the field, waiting for a pusat determination
	Ditolak      ProposalStatus = "DITOLAK"      // rejected at verification or determination; never applied
	Ditetapkan   ProposalStatus = "DITETAPKAN"   // determined and applied to the registry
)

// Reasons for a removal (HAPUS_KELUARGA, HAPUS_ANGGOTA). Proposals that add
// or change carry a free-text reason instead.
const (
	ReasonMeninggal      = "MENINGGAL"       // deceased
	ReasonPindah         = "PINDAH"          // moved away
	ReasonMampu          = "MAMPU"           // no longer poor
	ReasonGanda          = "GANDA"           // a duplicate record
	ReasonTidakDitemukan = "TIDAK_DITEMUKAN" // not found at the address
)

// RemovalReasons lists the removal reasons in display order.
var RemovalReasons = []string{ReasonMeninggal, ReasonPindah, ReasonMampu, ReasonGanda, ReasonTidakDitemukan}

// MaxProposalText is the longest free-text reason or note, in characters.
const MaxProposalText = 500

// NewFamily is a family proposed for the registry, in the household file's
// columns (docs/formats.md) grouped by family: no_kk, kode_wilayah, desil
// and alamat once, the person columns per member. An empty sekolah means
// TIDAK and an empty status HIDUP.
type NewFamily struct {
	NoKK        string   `json:"no_kk"`
	KodeWilayah string   `json:"kode_wilayah"`
	Desil       int      `json:"desil"`
	Alamat      string   `json:"alamat"`
	Members     []Member `json:"members"`
}

// NewProposal is what a proposer sends. Which fields count depends on Kind:
// TAMBAH_KELUARGA needs Family; UBAH_ANGGOTA needs NIK and Member (the
// member's new values; Member.NIK empty or equal to NIK, since a NIK is the
// person's identity); HAPUS_KELUARGA needs FamilyID; HAPUS_ANGGOTA needs NIK.
// Reason is one of RemovalReasons for removals, free text of 1–500
// characters otherwise.
type NewProposal struct {
	Kind     ProposalKind `json:"kind"`
	Reason   string       `json:"reason"`
	Family   *NewFamily   `json:"family,omitempty"`
	FamilyID int64        `json:"family_id,omitempty"`
	NIK      string       `json:"nik,omitempty"`
	Member   *Member      `json:"member,omitempty"`
}

// Proposal is a proposal with its progress. NIK and KK numbers are masked
// unless it was read with reveal. FamilyID is the family concerned; for
// TAMBAH_KELUARGA it is set once the proposal is determined. Version is the
// registry version that applied it (0 when not applied, or when the
// registry already held the proposed state).
type Proposal struct {
	ID            int64          `json:"id"`
	Kind          ProposalKind   `json:"kind"`
	Status        ProposalStatus `json:"status"`
	FamilyID      int64          `json:"family_id,omitempty"`
	NIK           string         `json:"nik,omitempty"`
	KodeWilayah   string         `json:"kode_wilayah"`
	NamaWilayah   string         `json:"nama_wilayah"`
	Reason        string         `json:"reason"`
	Family        *NewFamily     `json:"family,omitempty"` // TAMBAH_KELUARGA
	Member        *Member        `json:"member,omitempty"` // UBAH_ANGGOTA: the new values
	ProposedBy    string         `json:"proposed_by"`
	ProposedAt    time.Time      `json:"proposed_at"`
	VerifiedBy    string         `json:"verified_by,omitempty"`
	VerifiedAt    time.Time      `json:"verified_at,omitzero"`
	VerifyNote    string         `json:"verify_note,omitempty"`
	DeterminedBy  string         `json:"determined_by,omitempty"`
	DeterminedAt  time.Time      `json:"determined_at,omitzero"`
	DetermineNote string         `json:"determine_note,omitempty"`
	Version       int64          `json:"version,omitempty"`
	Revealed      bool           `json:"revealed"`
}

// proposalDoc is the JSON kept in proposal.payload: the proposed data with
// full numbers, and the determination's note (the table has a column for
// the verification note only).
type proposalDoc struct {
	Family        *NewFamily `json:"family,omitempty"`
	Member        *Member    `json:"member,omitempty"`
	DetermineNote string     `json:"determine_note,omitempty"`
}

var (
	errProposalNotFound = tepat.Reasonf(tepat.ENOTFOUND, "USULAN_TIDAK_DITEMUKAN", "usulan tidak ditemukan")
	errMemberNotFound   = tepat.Reasonf(tepat.ENOTFOUND, "NIK_TIDAK_DITEMUKAN", "orang dengan NIK tersebut tidak ditemukan")
	errProposalState    = func(p *Proposal, step string) error {
		return tepat.Reasonf(tepat.ECONFLICT, "STATUS_USULAN_TIDAK_SESUAI",
			"usulan %d berstatus %s dan tidak dapat %s", p.ID, p.Status, step)
	}
)

// Propose records a proposal (status DIUSULKAN) as the actor in ctx, who
// needs PermPropose (pendamping, dinsos). The family concerned must lie in
// the actor's scope: a family or member outside it is not found, exactly
// like one that does not exist, and a new family's village outside it is
// an unknown region. The proposed data is checked with the household
// file's rules (for a change or a removal, the family as it would become),
// giving EINVALID USULAN_TIDAK_VALID with every problem code; a new family
// whose KK number or NIK is already registered, and a second open proposal
// for the same family or member, are ECONFLICT. Nothing changes in the
// registry until the proposal is determined. The proposal and its audit
// entry (proposal.create) are written in one transaction.
func Propose(ctx context.Context, d *db.DB, np NewProposal) (Proposal, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermPropose); err != nil {
		return Proposal{}, err
	}
	reason, err := checkReason(np.Kind, np.Reason)
	if err != nil {
		return Proposal{}, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var id int64
	err = d.InTx(ctx, func(tx *db.Tx) error {
		t, err := proposalTarget(ctx, tx, a, np, reason, now)
		if err != nil {
			return err
		}
		payload, err := json.Marshal(t.doc)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO proposal (kind, family_id, nik, village, reason, payload, status, proposed_by, proposed_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'DIUSULKAN', $7, $8) RETURNING id`,
			string(np.Kind), t.familyID, t.nik, t.village, reason, string(payload), a.Username, now).Scan(&id)
		if err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "proposal.create", proposalObject(id), region.VillageCode(t.village),
			fmt.Sprintf("usulan %s: %s; alasan %s", np.Kind, t.summary, reasonForAudit(np.Kind, reason)))
		return err
	})
	if err != nil {
		return Proposal{}, err
	}
	return getProposal(ctx, d, a, id, false)
}

// Verify records the verification (verval) of a DIUSULKAN proposal: with
// approve it becomes DIVERIFIKASI, otherwise DITOLAK. The actor needs
// PermVerify (dinsos) and the proposal's village in scope (else not found);
// a user cannot verify their own proposal (EFORBIDDEN
// TIDAK_BOLEH_MEMVERIFIKASI_SENDIRI); any other status is ECONFLICT
// STATUS_USULAN_TIDAK_SESUAI. A rejection needs a note. Audited as
// proposal.verify or proposal.reject in the same transaction.
func Verify(ctx context.Context, d *db.DB, id int64, approve bool, note string) (Proposal, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermVerify); err != nil {
		return Proposal{}, err
	}
	note, err := checkNote(note, approve)
	if err != nil {
		return Proposal{}, err
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		p, err := getProposal(ctx, tx, a, id, false)
		if err != nil {
			return err
		}
		if p.ownVerify(a) {
			return tepat.Reasonf(tepat.EFORBIDDEN, "TIDAK_BOLEH_MEMVERIFIKASI_SENDIRI", "usulan Anda sendiri harus diverifikasi oleh pengguna lain")
		}
		if p.Status != Diusulkan {
			return errProposalState(&p, "diverifikasi")
		}
		status, action := Diverifikasi, "proposal.verify"
		if !approve {
			status, action = Ditolak, "proposal.reject"
		}
		res, err := tx.Exec(ctx, `UPDATE proposal SET status = $2, verified_by = $3, verified_at = $4, verify_note = $5
			WHERE id = $1 AND status = 'DIUSULKAN'`, id, string(status), a.Username, time.Now().UTC().Truncate(time.Microsecond), note)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errProposalState(&p, "diverifikasi")
		}
		_, err = audit.Record(ctx, tx, action, proposalObject(id), p.KodeWilayah,
			fmt.Sprintf("verifikasi usulan %s: %s; catatan %d karakter", p.Kind, status, utf8.RuneCountInString(note)))
		return err
	})
	if err != nil {
		return Proposal{}, err
	}
	return getProposal(ctx, d, a, id, false)
}

// Determine records the determination (penetapan) of a DIVERIFIKASI
// proposal. With approve the proposal is applied to the registry as a new
// registry version (source proposal:ID) in the same transaction that marks
// it DITETAPKAN, after checking that it still applies: the family or member
// is still registered, a new family's KK number and NIKs are still free,
// and the family as it would become still passes the household rules.
// Otherwise the answer is ECONFLICT with a reason and nothing changes.
// Without approve it becomes DITOLAK and nothing is applied (a note is
// then required). The actor needs PermDetermine (pusat); the proposer and
// the verifier cannot determine (EFORBIDDEN TIDAK_BOLEH_MENETAPKAN_SENDIRI);
// any status but DIVERIFIKASI is ECONFLICT STATUS_USULAN_TIDAK_SESUAI.
// Audited as proposal.determine or proposal.reject.
func Determine(ctx context.Context, d *db.DB, id int64, approve bool, note string) (Proposal, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermDetermine); err != nil {
		return Proposal{}, err
	}
	note, err := checkNote(note, approve)
	if err != nil {
		return Proposal{}, err
	}
	err = d.InTx(ctx, func(tx *db.Tx) error {
		p, err := getProposal(ctx, tx, a, id, true)
		if err != nil {
			return err
		}
		if p.ownDetermine(a) {
			return tepat.Reasonf(tepat.EFORBIDDEN, "TIDAK_BOLEH_MENETAPKAN_SENDIRI", "usulan yang Anda usulkan atau verifikasi harus ditetapkan oleh pengguna lain")
		}
		if p.Status != Diverifikasi {
			return errProposalState(&p, "ditetapkan")
		}
		doc := proposalDoc{Family: p.Family, Member: p.Member, DetermineNote: note}
		payload, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		status, action := Ditetapkan, "proposal.determine"
		if !approve {
			status, action = Ditolak, "proposal.reject"
		}
		// The status moves first: the row lock makes a concurrent
		// determination of the same proposal wait and then find nothing.
		res, err := tx.Exec(ctx, `UPDATE proposal SET status = $2, determined_by = $3, determined_at = $4, payload = $5
			WHERE id = $1 AND status = 'DIVERIFIKASI'`, id, string(status), a.Username, time.Now().UTC().Truncate(time.Microsecond), string(payload))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errProposalState(&p, "ditetapkan")
		}
		summary := fmt.Sprintf("penetapan usulan %s: DITOLAK", p.Kind)
		if approve {
			out, err := applyProposal(ctx, tx, &p)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE proposal SET version = $2, family_id = $3 WHERE id = $1`, id, nullInt(out.version), out.familyID); err != nil {
				return err
			}
			summary = fmt.Sprintf("penetapan usulan %s: DITETAPKAN; %s", p.Kind, out.summary)
			if out.version != 0 {
				summary += fmt.Sprintf("; versi registri %d", out.version)
			}
		}
		_, err = audit.Record(ctx, tx, action, proposalObject(id), p.KodeWilayah, summary)
		return err
	})
	if err != nil {
		return Proposal{}, err
	}
	return getProposal(ctx, d, a, id, false)
}

// checkReason validates a proposal's reason for its kind and returns it
// trimmed (removal reasons in upper case).
func checkReason(kind ProposalKind, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch kind {
	case ProposalRemoveFamily, ProposalRemoveMember:
		r := strings.ToUpper(reason)
		for _, x := range RemovalReasons {
			if r == x {
				return r, nil
			}
		}
		return "", tepat.Reasonf(tepat.EINVALID, "ALASAN_TIDAK_VALID",
			"alasan penghapusan harus salah satu dari %s", strings.Join(RemovalReasons, ", "))
	case ProposalAddFamily, ProposalChangeMember:
		if reason == "" || utf8.RuneCountInString(reason) > MaxProposalText || !utf8.ValidString(reason) {
			return "", tepat.Reasonf(tepat.EINVALID, "ALASAN_TIDAK_VALID", "alasan wajib diisi, paling banyak %d karakter", MaxProposalText)
		}
		return reason, nil
	}
	return "", tepat.Reasonf(tepat.EINVALID, "JENIS_USULAN_TIDAK_DIKENAL",
		"jenis usulan harus TAMBAH_KELUARGA, UBAH_ANGGOTA, HAPUS_KELUARGA atau HAPUS_ANGGOTA")
}

// checkNote validates a verification or determination note: optional when
// approving, required when rejecting, at most MaxProposalText characters.
func checkNote(note string, approve bool) (string, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxProposalText || !utf8.ValidString(note) {
		return "", tepat.Reasonf(tepat.EINVALID, "CATATAN_TIDAK_VALID", "catatan paling banyak %d karakter", MaxProposalText)
	}
	if note == "" && !approve {
		return "", tepat.Reasonf(tepat.EINVALID, "CATATAN_WAJIB", "penolakan wajib disertai catatan")
	}
	return note, nil
}

// reasonForAudit keeps free-text reasons, which may name people, out of
// the audit log: only their length is recorded.
func reasonForAudit(kind ProposalKind, reason string) string {
	if kind == ProposalRemoveFamily || kind == ProposalRemoveMember {
		return reason
	}
	return fmt.Sprintf("teks %d karakter", utf8.RuneCountInString(reason))
}

func proposalObject(id int64) string { return "proposal:" + strconv.FormatInt(id, 10) }

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// ownVerify reports whether a proposed p: nobody verifies their own proposal.
func (p *Proposal) ownVerify(a *tepat.Actor) bool { return p.ProposedBy == a.Username }

// ownDetermine reports whether a proposed or verified p: neither determines it.
func (p *Proposal) ownDetermine(a *tepat.Actor) bool {
	return p.ProposedBy == a.Username || p.VerifiedBy == a.Username
}

// VerifiableBy reports whether a may verify p now: its status, a's role
// and the rule against verifying one's own proposal. Verify enforces the
// same rules (and the scope); pages use this to offer only what will pass.
func (p *Proposal) VerifiableBy(a *tepat.Actor) bool {
	return p.Status == Diusulkan && auth.Can(a, auth.PermVerify) && !p.ownVerify(a)
}

// DeterminableBy is VerifiableBy for Determine.
func (p *Proposal) DeterminableBy(a *tepat.Actor) bool {
	return p.Status == Diverifikasi && auth.Can(a, auth.PermDetermine) && !p.ownDetermine(a)
}
