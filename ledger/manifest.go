package ledger

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/nik"
	"tepat/program"
	"tepat/region"
	"tepat/terminal"
)

// Manifest statuses.
const (
	ManifestActive   = "AKTIF"       // reserved to its terminal
	ManifestClosed   = "DITUTUP"     // closed after sync; unspent returned
	ManifestExpired  = "KEDALUWARSA" // past valid_until and the grace; unspent returned
	ManifestReleased = "DILEPAS"     // its terminal was revoked; unspent returned after the grace
)

// DefaultOfflineGrace is how long after a manifest's validity or its
// terminal's revocation entries may still be synced before the unspent
// allowance is released.
const DefaultOfflineGrace = 24 * time.Hour

// Default and longest validity of a manifest.
const (
	DefaultManifestValidity = 7 * 24 * time.Hour
	MaxManifestValidity     = 31 * 24 * time.Hour
)

// ManifestSpec asks for a manifest: the families of a cycle in a region
// (default: the terminal's merchant's district) reserved to a terminal
// until ValidUntil (default 7 days, at most 31).
type ManifestSpec struct {
	Terminal   string
	Cycle      int64
	Region     string
	ValidUntil time.Time
}

// ManifestInfo is a stored manifest without its families.
type ManifestInfo struct {
	ID         string     `json:"id"`
	Terminal   string     `json:"terminal"`
	Merchant   string     `json:"merchant"`
	Cycle      int64      `json:"cycle"`
	Program    string     `json:"program"`
	Kind       string     `json:"kind"`
	Region     string     `json:"region"`
	Families   int64      `json:"families"`
	Amount     int64      `json:"amount"`
	Spent      int64      `json:"spent"`
	IssuedAt   time.Time  `json:"issued_at"`
	ValidUntil time.Time  `json:"valid_until"`
	Status     string     `json:"status"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
}

// CreateManifest reserves, for one terminal alone, the offline allowance
// of each family of a cycle in a region and returns the signed manifest
// (terminal.SignedManifest) and its facts. PermTerminalManage, the
// terminal's merchant and the region within the actor's scope. See
// createManifest for the rules.
func CreateManifest(ctx context.Context, d *db.DB, key ed25519.PrivateKey, spec ManifestSpec) ([]byte, ManifestInfo, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermTerminalManage); err != nil {
		return nil, ManifestInfo{}, err
	}
	return createManifest(ctx, d, key, spec, a)
}

// RequestManifest is CreateManifest for a terminal asking for itself
// before it leaves coverage: the request is signed with the terminal's
// key (terminal.ManifestRequestPrefix); the terminal must be active and
// its clock within skew.
func RequestManifest(ctx context.Context, d *db.DB, key ed25519.PrivateKey, body []byte, sig string, skew time.Duration) ([]byte, ManifestInfo, error) {
	req, err := terminal.DecodeManifestRequest(body)
	if err != nil {
		return nil, ManifestInfo{}, err
	}
	if err := verifyTerminal(ctx, d, req.Terminal, terminal.ManifestRequestPrefix, body, sig, req.Time, skew); err != nil {
		return nil, ManifestInfo{}, err
	}
	who := &tepat.Actor{Username: "terminal:" + req.Terminal, Role: tepat.RoleSystem}
	return createManifest(tepat.WithActor(ctx, who), d, key, ManifestSpec{Terminal: req.Terminal, Cycle: req.Cycle, Region: req.Region, ValidUntil: req.ValidUntil}, who)
}

// verifyTerminal checks a terminal's signed request of its own: the
// terminal must be known (also a revoked one), sig its signature of body
// under prefix, and at, the request's time, within skew of the server's
// clock.
func verifyTerminal(ctx context.Context, d *db.DB, id, prefix string, body []byte, sig string, at time.Time, skew time.Duration) error {
	var pub []byte
	err := d.QueryRow(ctx, `SELECT public_key FROM terminal WHERE id = $1`, id).Scan(&pub)
	if errors.Is(err, sql.ErrNoRows) {
		return terminal.Refuse(tepat.EUNAUTHORIZED, terminal.ReasonUnknownTerm, "terminal %s tidak dikenal", id)
	} else if err != nil {
		return err
	}
	if err := terminal.Verify(ed25519.PublicKey(pub), prefix, body, sig); err != nil {
		return err
	}
	if dt := time.Since(at); dt > skew || dt < -skew {
		return terminal.Refuse(tepat.EINVALID, terminal.ReasonStaleTime, "waktu terminal berselisih %s dari waktu server", dt.Round(time.Second))
	}
	return nil
}

// createManifest: the cycle must be APPROVED or DISBURSING and pay money;
// the terminal and its merchant active. A wallet program's manifest
// (WALLET) reserves each entitled family's current wallet balance, moved
// from the wallet to the manifest's reserve account so that it cannot be
// spent online meanwhile; any other program's (CASH) reserves each
// entitlement not sent to a bank and not paid offline yet. A family with
// a reservation of the program active elsewhere refuses the whole manifest
// (SUDAH_DIPESAN_TERMINAL_LAIN); so does a region without families to
// reserve. One transaction, set-based; audited as terminal.manifest.
func createManifest(ctx context.Context, d *db.DB, key ed25519.PrivateKey, spec ManifestSpec, a *tepat.Actor) ([]byte, ManifestInfo, error) {
	now := now()
	var body []byte
	var info ManifestInfo
	err := d.InTx(ctx, func(tx *db.Tx) error {
		t, err := getTerminal(ctx, tx, spec.Terminal)
		if err != nil {
			return err
		}
		var m Merchant
		if m, err = scanMerchant(tx.QueryRow(ctx, `SELECT `+merchantCols+` FROM merchant m WHERE m.id = $1`, t.Merchant).Scan); err != nil {
			return err
		}
		// Scope before status: another region's terminal does not exist.
		if !reaches(a, m) && a.Role != tepat.RoleSystem {
			return tepat.Reasonf(tepat.ENOTFOUND, terminal.ReasonUnknownTerm, "terminal %s tidak ditemukan", t.ID)
		}
		if t.Status != StatusActive {
			return terminal.Refuse(tepat.EFORBIDDEN, terminal.ReasonRevoked, "terminal %s sudah dicabut", t.ID)
		}
		if m.Status != StatusActive {
			return terminal.Refuse(tepat.EFORBIDDEN, terminal.ReasonMerchantOff, "e-Warong %s tidak aktif", m.ID)
		}
		code := spec.Region
		if code == "" {
			code = m.Village[:8] // the merchant's district
		}
		reg, err := region.Lookup(code)
		if err != nil {
			return err
		}
		if !a.InRegion(reg.Code) {
			return tepat.Reasonf(tepat.EFORBIDDEN, "DI_LUAR_WILAYAH", "wilayah %s di luar wilayah Anda (%s)", reg.Code, a.ScopeString())
		}
		lo, hi, err := region.VillageRange(reg.Code)
		if err != nil {
			return err
		}
		var state, def string
		var snapVer int64
		err = tx.QueryRow(ctx, `SELECT c.state, c.snapshot_version, v.definition FROM cycle c JOIN program_version v ON v.id = c.program_version_id
			WHERE c.id = $1`, spec.Cycle).Scan(&state, &snapVer, &def)
		if errors.Is(err, sql.ErrNoRows) {
			return tepat.Reasonf(tepat.ENOTFOUND, "SIKLUS_TIDAK_DITEMUKAN", "siklus %d tidak ditemukan", spec.Cycle)
		} else if err != nil {
			return err
		}
		if state != program.StateApproved && state != program.StateDisbursing {
			return terminal.Refuse(tepat.ECONFLICT, terminal.ReasonNotApproved, "siklus %d berstatus %s: manifes hanya untuk siklus APPROVED atau DISBURSING", spec.Cycle, state)
		}
		prog, err := program.Decode(def)
		if err != nil {
			return err
		}
		kind := terminal.ManifestCash
		if prog.IsWallet() {
			kind = terminal.ManifestWallet
		} else if prog.Benefit.Kind == program.KindInKind {
			return tepat.Reasonf(tepat.EINVALID, "BUKAN_BANTUAN_UANG", "program %s menyalurkan barang, bukan uang: tidak ada manifes offline", prog.Code)
		}
		valid := spec.ValidUntil.UTC().Truncate(time.Second)
		if spec.ValidUntil.IsZero() {
			valid = now.Add(DefaultManifestValidity).Truncate(time.Second)
		}
		if !valid.After(now) || valid.Sub(now) > MaxManifestValidity {
			return tepat.Reasonf(tepat.EINVALID, "MASA_BERLAKU_TIDAK_VALID", "masa berlaku manifes harus setelah sekarang dan paling lama %d hari", int(MaxManifestValidity.Hours()/24))
		}
		no, err := nextIDs(ctx, tx, "manifest", 1)
		if err != nil {
			return err
		}
		info = ManifestInfo{ID: fmt.Sprintf("F%06d", no), Terminal: t.ID, Merchant: m.ID, Cycle: spec.Cycle, Program: prog.Code, Kind: kind,
			Region: reg.Code, IssuedAt: now, ValidUntil: valid, Status: ManifestActive}

		// The families: entitled in the cycle, in the region, with money
		// to reserve.
		sel := `SELECT e.family_id, e.no_kk, e.amount FROM entitlement e
			WHERE e.cycle_id = $1 AND e.reserve = 0 AND e.amount > 0 AND e.village BETWEEN $2 AND $3
			AND NOT EXISTS (SELECT 1 FROM payout p WHERE p.cycle_id = e.cycle_id AND p.family_id = e.family_id)
			AND NOT EXISTS (SELECT 1 FROM offline_paid o WHERE o.cycle_id = e.cycle_id AND o.family_id = e.family_id)`
		args := []any{spec.Cycle, lo, hi}
		if kind == terminal.ManifestWallet {
			sel = `SELECT e.family_id, e.no_kk, w.balance AS amount FROM entitlement e
				JOIN ledger_account w ON w.kind = 'WALLET' AND w.family_id = e.family_id AND w.program = $4 AND w.merchant_id = '' AND w.bank = ''
				WHERE e.cycle_id = $1 AND e.reserve = 0 AND e.village BETWEEN $2 AND $3 AND w.balance > 0`
			args = append(args, prog.Code)
		}
		var taken int64
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM entitlement e JOIN reservation r ON r.family_id = e.family_id AND r.program = $4 AND r.active
			WHERE e.cycle_id = $1 AND e.reserve = 0 AND e.village BETWEEN $2 AND $3`, spec.Cycle, lo, hi, prog.Code).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return terminal.Refuse(tepat.ECONFLICT, terminal.ReasonReservedElse,
				"%d keluarga di %s sudah dipesan untuk terminal lain (atau manifes lain yang masih aktif); tutup manifes itu dulu", taken, reg.Code)
		}
		r, err := tx.Exec(ctx, `INSERT INTO reservation (manifest_id, family_id, no_kk, cycle_id, program, allowance, active)
			SELECT $`+strconv.Itoa(len(args)+1)+`, s.family_id, s.no_kk, $1, $`+strconv.Itoa(len(args)+2)+`, s.amount, TRUE FROM (`+sel+`) s`,
			append(args, info.ID, prog.Code)...)
		if err != nil {
			return err
		}
		if info.Families, _ = r.RowsAffected(); info.Families == 0 {
			return tepat.Reasonf(tepat.ECONFLICT, "TIDAK_ADA_KELUARGA", "tidak ada keluarga siklus %d di %s yang dapat dipesan", spec.Cycle, reg.Code)
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(allowance), 0) FROM reservation WHERE manifest_id = $1`, info.ID).Scan(&info.Amount); err != nil {
			return err
		}
		if kind == terminal.ManifestWallet {
			if err := reserveWallets(ctx, tx, info, a.Username); err != nil {
				return err
			}
		}
		// The manifest document: KK, masked head NIK, head name, allowance.
		rows, err := tx.Query(ctx, `SELECT r.no_kk, e.head_nik, COALESCE(p.nama, ''), r.allowance FROM reservation r
			JOIN entitlement e ON e.cycle_id = r.cycle_id AND e.family_id = r.family_id
			LEFT JOIN person p ON p.family_id = e.family_id AND p.nik = e.head_nik AND p.ver_from <= $2 AND (p.ver_to IS NULL OR p.ver_to > $2)
			WHERE r.manifest_id = $1 ORDER BY r.no_kk`, info.ID, snapVer)
		if err != nil {
			return err
		}
		doc := terminal.Manifest{ID: info.ID, Terminal: t.ID, Cycle: spec.Cycle, Program: prog.Code, Kind: kind, Region: reg.Code,
			IssuedAt: now, ValidUntil: valid, Total: info.Amount, Families: make([]terminal.ManifestFamily, 0, info.Families)}
		for rows.Next() {
			var kk, head int64
			var f terminal.ManifestFamily
			if err := rows.Scan(&kk, &head, &f.Name, &f.Allowance); err != nil {
				rows.Close()
				return err
			}
			f.KK = fmt.Sprintf("%016d", kk)
			f.NIKKepala = nik.Mask(fmt.Sprintf("%016d", head))
			doc.Families = append(doc.Families, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		body = terminal.SignManifest(key, doc)
		if _, err := tx.Exec(ctx, `INSERT INTO manifest (id, terminal_id, cycle_id, program, kind, region, families, amount, issued_at, valid_until,
			status, body, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			info.ID, t.ID, spec.Cycle, prog.Code, kind, reg.Code, info.Families, info.Amount, now, valid, ManifestActive, body, a.Username); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "terminal.manifest", "manifest:"+info.ID, reg.Code,
			fmt.Sprintf("manifes %s untuk terminal %s: siklus %d, %d keluarga, Rp%s (%s), berlaku sampai %s", info.ID, t.ID, spec.Cycle,
				info.Families, tepat.Thousands(info.Amount, '.'), kind, valid.Format(time.RFC3339)))
		return err
	})
	if err != nil {
		return nil, ManifestInfo{}, err
	}
	return body, info, nil
}

// reserveWallets moves each reserved family's allowance from its wallet
// to the manifest's reserve account: one RESERVE transaction.
func reserveWallets(ctx context.Context, tx *db.Tx, info ManifestInfo, actor string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_account (kind, program, merchant_id) VALUES ('RESERVE', $1, $2)`, info.Program, info.ID); err != nil {
		return err
	}
	var reserve int64
	if err := tx.QueryRow(ctx, `SELECT id FROM ledger_account WHERE kind = 'RESERVE' AND merchant_id = $1`, info.ID).Scan(&reserve); err != nil {
		return err
	}
	id, err := nextIDs(ctx, tx, "txn", 1)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_txn (id, kind, ref, amount, at, actor) VALUES ($1, 'RESERVE', $2, $3, $4, $5)`,
		id, info.ID, info.Amount, now(), actor); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_posting (txn_id, account_id, amount)
		SELECT CAST($1 AS BIGINT), w.id, -r.allowance FROM reservation r
		JOIN ledger_account w ON w.kind = 'WALLET' AND w.family_id = r.family_id AND w.program = r.program AND w.merchant_id = '' AND w.bank = ''
		WHERE r.manifest_id = $2
		UNION ALL SELECT CAST($1 AS BIGINT), CAST($3 AS BIGINT), CAST($4 AS BIGINT)`, id, info.ID, reserve, info.Amount); err != nil {
		return err
	}
	return applyPostings(ctx, tx, id, id+1)
}

// ReleaseManifest ends an active manifest (status DITUTUP, KEDALUWARSA or
// DILEPAS): its reservations end, and for a wallet manifest what was not
// spent goes back from the reserve account to each wallet (one RELEASE
// transaction). Entries for it that arrive later go to the conflict queue
// (MANIFES_DILEPAS). Ending an ended manifest changes nothing.
// PermTerminalManage within scope; audited as terminal.manifest_end.
func ReleaseManifest(ctx context.Context, d *db.DB, id, status string) (ManifestInfo, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermTerminalManage); err != nil {
		return ManifestInfo{}, err
	}
	var info ManifestInfo
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if info, err = getManifest(ctx, tx, id); err != nil {
			return err
		}
		if _, err := GetMerchant(ctx, tx, info.Merchant); err != nil {
			return tepat.Reasonf(tepat.ENOTFOUND, "MANIFES_TIDAK_DITEMUKAN", "manifes %s tidak ditemukan", clip(id))
		}
		return releaseManifest(ctx, tx, &info, status, a.Username)
	})
	return info, err
}

func releaseManifest(ctx context.Context, tx *db.Tx, info *ManifestInfo, status, actor string) error {
	if info.Status != ManifestActive {
		return nil
	}
	if tx.Engine() == db.Postgres {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM manifest WHERE id = $1 FOR UPDATE`, info.ID); err != nil {
			return err
		}
	}
	if info.Kind == terminal.ManifestWallet {
		var back int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(allowance - spent), 0) FROM reservation WHERE manifest_id = $1 AND active`, info.ID).Scan(&back); err != nil {
			return err
		}
		if back > 0 {
			id, err := nextIDs(ctx, tx, "txn", 1)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_txn (id, kind, ref, amount, at, actor) VALUES ($1, 'RELEASE', $2, $3, $4, $5)`,
				id, info.ID, back, now(), actor); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_posting (txn_id, account_id, amount)
				SELECT CAST($1 AS BIGINT), w.id, r.allowance - r.spent FROM reservation r
				JOIN ledger_account w ON w.kind = 'WALLET' AND w.family_id = r.family_id AND w.program = r.program AND w.merchant_id = '' AND w.bank = ''
				WHERE r.manifest_id = $2 AND r.active AND r.allowance > r.spent
				UNION ALL SELECT CAST($1 AS BIGINT), a.id, -CAST($3 AS BIGINT) FROM ledger_account a WHERE a.kind = 'RESERVE' AND a.merchant_id = $2`, id, info.ID, back); err != nil {
				return err
			}
			if err := applyPostings(ctx, tx, id, id+1); err != nil {
				return err
			}
		}
	}
	at := now()
	if _, err := tx.Exec(ctx, `UPDATE reservation SET active = FALSE WHERE manifest_id = $1 AND active`, info.ID); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE manifest SET status = $2, ended_at = $3, ended_by = $4 WHERE id = $1`, info.ID, status, at, actor); err != nil {
		return err
	}
	info.Status, info.EndedAt = status, &at
	_, err := audit.Record(tepat.WithActor(ctx, &tepat.Actor{Username: actor, Role: tepat.RoleSystem}), tx, "terminal.manifest_end", "manifest:"+info.ID, info.Region,
		fmt.Sprintf("manifes %s %s", info.ID, status))
	return err
}

// ReleaseDue ends the manifests whose validity ended more than grace ago
// (KEDALUWARSA) and the active manifests of terminals revoked more than
// grace ago (DILEPAS), returning how many. The server runs it every
// minute; `tepat terminal release --due` runs it by hand.
func ReleaseDue(ctx context.Context, d *db.DB, at time.Time, grace time.Duration) (int, error) {
	cut := at.UTC().Add(-grace)
	type due struct{ id, status string }
	list, err := collect(ctx, d, func(scan func(...any) error) (due, error) {
		var x due
		err := scan(&x.id, &x.status)
		return x, err
	}, `SELECT m.id, CASE WHEN t.status = 'DICABUT' AND t.revoked_at <= $1 THEN 'DILEPAS' ELSE 'KEDALUWARSA' END
		FROM manifest m JOIN terminal t ON t.id = m.terminal_id
		WHERE m.status = 'AKTIF' AND (m.valid_until <= $1 OR (t.status = 'DICABUT' AND t.revoked_at <= $1)) ORDER BY m.id`, cut)
	if err != nil {
		return 0, err
	}
	for _, x := range list {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			info, err := getManifest(ctx, tx, x.id)
			if err != nil {
				return err
			}
			return releaseManifest(ctx, tx, &info, x.status, "system")
		})
		if err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

const manifestCols = `mf.id, mf.terminal_id, t.merchant_id, mf.cycle_id, mf.program, mf.kind, mf.region, mf.families, mf.amount,
	COALESCE((SELECT SUM(r.spent) FROM reservation r WHERE r.manifest_id = mf.id), 0), mf.issued_at, mf.valid_until, mf.status, mf.ended_at`

func scanManifest(scan func(...any) error) (ManifestInfo, error) {
	var m ManifestInfo
	var ended db.Time
	err := scan(&m.ID, &m.Terminal, &m.Merchant, &m.Cycle, &m.Program, &m.Kind, &m.Region, &m.Families, &m.Amount, &m.Spent,
		&m.IssuedAt, &m.ValidUntil, &m.Status, &ended)
	m.IssuedAt, m.ValidUntil, m.EndedAt = m.IssuedAt.UTC(), m.ValidUntil.UTC(), ended.Ptr()
	return m, err
}

func getManifest(ctx context.Context, q db.Querier, id string) (ManifestInfo, error) {
	m, err := scanManifest(q.QueryRow(ctx, `SELECT `+manifestCols+` FROM manifest mf JOIN terminal t ON t.id = mf.terminal_id WHERE mf.id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return ManifestInfo{}, tepat.Reasonf(tepat.ENOTFOUND, "MANIFES_TIDAK_DITEMUKAN", "manifes %s tidak ditemukan", clip(id))
	}
	return m, err
}

// Manifests lists the manifests of terminals of merchants in the actor's
// scope (PermLedgerRead), newest first, at most 500; of one terminal when
// given.
func Manifests(ctx context.Context, d *db.DB, terminalID string) ([]ManifestInfo, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermLedgerRead); err != nil {
		return nil, err
	}
	cond, args := merchantScope(a, 2)
	return collect(ctx, d, scanManifest, `SELECT `+manifestCols+` FROM manifest mf JOIN terminal t ON t.id = mf.terminal_id JOIN merchant m ON m.id = t.merchant_id
		WHERE (mf.terminal_id = $1 OR $1 = '') AND `+cond+` ORDER BY mf.id DESC LIMIT 500`, append([]any{terminalID}, args...)...)
}

// ManifestBody returns a stored manifest's signed body (for the terminal
// that lost it, or an operator handing it over), PermTerminalManage.
func ManifestBody(ctx context.Context, d *db.DB, id string) ([]byte, error) {
	a := tepat.ActorFrom(ctx)
	if err := auth.Require(a, auth.PermTerminalManage); err != nil {
		return nil, err
	}
	info, err := getManifest(ctx, d, id)
	if err != nil {
		return nil, err
	}
	if _, err := GetMerchant(ctx, d, info.Merchant); err != nil {
		return nil, tepat.Reasonf(tepat.ENOTFOUND, "MANIFES_TIDAK_DITEMUKAN", "manifes %s tidak ditemukan", clip(id))
	}
	var body []byte
	err = d.QueryRow(ctx, `SELECT body FROM manifest WHERE id = $1`, id).Scan(&body)
	return body, err
}

// CloseByTerminal takes a terminal's signed close of its own manifest
// (terminal.ManifestClose, signed with terminal.ManifestClosePrefix): the
// manifest must be the terminal's and the server must hold the terminal's
// log up to the sequence number the terminal names (BELUM_SINKRON
// otherwise: sync first). The manifest is then closed (DITUTUP) and what
// was not spent returns to normal use. Closing a closed manifest returns
// it as it is.
func CloseByTerminal(ctx context.Context, d *db.DB, body []byte, sig string, skew time.Duration) (ManifestInfo, error) {
	req, err := terminal.DecodeManifestClose(body)
	if err != nil {
		return ManifestInfo{}, err
	}
	if err := verifyTerminal(ctx, d, req.Terminal, terminal.ManifestClosePrefix, body, sig, req.Time, skew); err != nil {
		return ManifestInfo{}, err
	}
	var info ManifestInfo
	err = d.InTx(ctx, func(tx *db.Tx) error {
		if info, err = getManifest(ctx, tx, req.Manifest); err != nil || info.Terminal != req.Terminal {
			return tepat.Reasonf(tepat.ENOTFOUND, "MANIFES_TIDAK_DITEMUKAN", "manifes %s tidak ditemukan untuk terminal %s", clip(req.Manifest), req.Terminal)
		}
		var held int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT last_seq FROM offline_chain WHERE terminal_id = $1), 0)`, req.Terminal).Scan(&held); err != nil {
			return err
		}
		if held < req.LastSeq {
			return terminal.Refuse(tepat.ECONFLICT, terminal.ReasonNotSynced, "server baru memegang log terminal %s sampai nomor %d dari %d: sinkronkan dulu", req.Terminal, held, req.LastSeq)
		}
		return releaseManifest(ctx, tx, &info, ManifestClosed, "terminal:"+req.Terminal)
	})
	return info, err
}
