package main

import (
	"context"
	"io"

	"tepat"
	"tepat/db"
	"tepat/household"
	"tepat/registry"
	"tepat/synth"
)

// demoRegions are where the demo's families live: cities and regencies in
// all three time zones. The dinsos demo user is scoped to 32.01.
var demoRegions = []struct {
	Code     string
	Families int64
}{
	{"32.01", 1200}, // Kabupaten Bogor (WIB)
	{"33.74", 600},  // Kota Semarang (WIB)
	{"35.78", 500},  // Kota Surabaya (WIB)
	{"73.71", 400},  // Kota Makassar (WITA)
	{"53.71", 300},  // Kota Kupang (WITA)
	{"91.71", 200},  // Kota Jayapura (WIT)
}

// loadDemo fills an empty database with demo users and a generated registry
// of a few thousand families; a database that has data is left alone.
func (app *App) loadDemo(ctx context.Context, d *db.DB) error {
	if err := app.ensureDemoUsers(ctx, d); err != nil {
		return err
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM family`).Scan(&n); err != nil || n > 0 {
		return err
	}
	sys := tepat.WithActor(ctx, tepat.System)
	var total registry.LoadStats
	for i, reg := range demoRegions {
		pr, pw := io.Pipe()
		go func() {
			_, err := synth.WriteHouseholds(pw, synth.Options{Families: reg.Families, Seed: uint64(2019 + i), Region: reg.Code})
			pw.CloseWithError(err)
		}()
		r, err := household.NewReader(pr, household.Options{Now: synth.DefaultReference})
		if err != nil {
			pr.Close()
			return err
		}
		st, err := registry.Load(sys, d, r, 5000)
		pr.Close()
		if err != nil {
			return err
		}
		total.Families += st.Families
		total.Persons += st.Persons
	}
	app.logger.Info("demo registry loaded", "families", total.Families, "persons", total.Persons)
	return nil
}
