package main

import (
	"context"
	"os"
	"path/filepath"

	"tepat"
	"tepat/db"
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
	dir, err := os.MkdirTemp("", "tepat-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var families, persons int64
	for i, reg := range demoRegions {
		path := filepath.Join(dir, "demo-"+reg.Code+".csv")
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		_, err = synth.WriteHouseholds(f, synth.Options{Families: reg.Families, Seed: uint64(2019 + i), Region: reg.Code})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		st, err := registry.Import(sys, d, path, registry.ImportOptions{Now: synth.DefaultReference, FileName: "demo-" + reg.Code + ".csv"})
		if err != nil {
			return err
		}
		families += st.FamiliesAccepted
		persons += st.PersonsAccepted
	}
	dups, err := loadDemoDuplicates(sys, d, dir)
	if err != nil {
		return err
	}
	if err := loadDemoWorkflow(ctx, d); err != nil {
		return err
	}
	if err := loadDemoPrograms(ctx, d, dir); err != nil {
		return err
	}
	keys, err := os.MkdirTemp("", "tepat-demo-terminals-")
	if err != nil {
		return err
	}
	if err := loadDemoEWarong(ctx, d, keys); err != nil {
		return err
	}
	app.logger.Info("demo terminals' key files (for tepat terminal pay)", "dir", keys)
	app.logger.Info("demo registry loaded", "families", families, "persons", persons, "possible_duplicates", dups)
	return nil
}
