package main

import (
	"context"
	"fmt"
	"strconv"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/registry"
)

// loadDemoWorkflow gives the demo a registry history: snapshot 2019-10 of
// the imported registry, three proposals in 32.01.01 at different steps
// (one determined, one verified, one just proposed), and snapshot 2019-11
// after the determined one, so that a diff shows a change.
func loadDemoWorkflow(ctx context.Context, d *db.DB) error {
	sys := tepat.WithActor(ctx, tepat.System)
	if _, err := registry.CreateSnapshot(sys, d, "2019-10"); err != nil {
		return err
	}
	users := map[string]context.Context{}
	for _, name := range []string{"pendamping", "dinsos", "pusat"} {
		u, err := auth.New(d).LookupUser(ctx, name)
		if err != nil {
			return err
		}
		users[name] = tepat.WithActor(ctx, u.Actor())
	}
	// Three families of 32.01.01 with more than one member.
	rows, err := d.Query(ctx, `SELECT f.id, MIN(p.nik) FROM family f JOIN person p ON p.family_id = f.id AND p.ver_to IS NULL
		WHERE f.ver_to IS NULL AND f.village BETWEEN 3201010000 AND 3201019999 AND p.hubungan <> 'KEPALA'
		GROUP BY f.id ORDER BY f.id LIMIT 3`)
	if err != nil {
		return err
	}
	type target struct {
		family int64
		nik    int64
	}
	var ts []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.family, &t.nik); err != nil {
			rows.Close()
			return err
		}
		ts = append(ts, t)
	}
	rows.Close()
	if len(ts) < 3 {
		return fmt.Errorf("demo: too few families in 32.01.01")
	}
	pend, dinsos, pusat := users["pendamping"], users["dinsos"], users["pusat"]
	died, err := registry.Propose(pend, d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: strconv.FormatInt(ts[0].nik, 10), Reason: registry.ReasonMeninggal})
	if err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	if _, err := registry.Verify(dinsos, d, died.ID, true, "Dikunjungi 12-11-2019; surat kematian dari desa ada."); err != nil {
		return fmt.Errorf("demo verify: %w", err)
	}
	if _, err := registry.Determine(pusat, d, died.ID, true, "Ditetapkan dalam penetapan November 2019."); err != nil {
		return fmt.Errorf("demo determine: %w", err)
	}
	moved, err := registry.Propose(pend, d, registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: strconv.FormatInt(ts[1].nik, 10), Reason: registry.ReasonPindah})
	if err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	if _, err := registry.Verify(dinsos, d, moved.ID, true, "Pindah ke Kota Bekasi menurut kepala desa."); err != nil {
		return fmt.Errorf("demo verify: %w", err)
	}
	if _, err := registry.Propose(pend, d, registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: ts[2].family, Reason: registry.ReasonTidakDitemukan}); err != nil {
		return fmt.Errorf("demo proposal: %w", err)
	}
	_, err = registry.CreateSnapshot(sys, d, "2019-11")
	return err
}
