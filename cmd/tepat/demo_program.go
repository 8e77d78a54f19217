package main

import (
	"context"
	"fmt"

	"tepat"
	"tepat/auth"
	"tepat/db"
	"tepat/program"
	"tepat/programs"
)

// loadDemoPrograms applies the shipped catalogs and leaves cycles in every
// state a user meets: PKH 2019 tahap III paid, reconciled and closed, and
// tahap IV approved (from snapshot 2019-10), BPNT October disbursing with
// a partial bank report full of findings, BPNT November generated and
// waiting for approval, with a quota in 32.01 that puts families on the
// reserve list, Rastra November a draft, and a cancelled KIP cycle. Budgets are set so that
// the budget page shows room left. The system actor generates, the demo
// pusat user approves: two people.
func loadDemoPrograms(ctx context.Context, d *db.DB, dir string) error {
	sys := tepat.WithActor(ctx, tepat.System)
	u, err := auth.New(d).LookupUser(ctx, "pusat")
	if err != nil {
		return err
	}
	pusat := tepat.WithActor(ctx, u.Actor())
	for _, name := range []string{"2019.yaml", "2020.yaml"} {
		f, err := programs.FS.Open(name)
		if err != nil {
			return err
		}
		c, err := program.ParseCatalog(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("demo catalog %s: %w", name, err)
		}
		if _, err := program.Apply(sys, d, c); err != nil {
			return err
		}
	}
	if _, err := program.SetQuota(sys, d, "BPNT", 2019, "32.01", 300); err != nil {
		return err
	}
	step := func(code string, period int, snap string, to string) (program.Cycle, error) {
		c, err := program.CreateCycle(sys, d, program.NewCycle{Program: code, Year: 2019, Period: period, Snapshot: snap})
		if err != nil || to == program.StateDraft {
			return c, err
		}
		if c, err = program.GenerateCycle(sys, d, c.ID); err != nil || to == program.StateGenerated {
			return c, err
		}
		if to == program.StateCancelled {
			return program.CancelCycle(sys, d, c.ID)
		}
		// A budget for the whole year at this cycle's size, with 10 % to spare.
		v, err := program.Latest(sys, d, code, 2019)
		if err != nil {
			return c, err
		}
		if _, err := program.SetBudget(sys, d, code, 2019, roundUp(c.Amount*int64(v.Program.PeriodsPerYear)*11/10)); err != nil {
			return c, err
		}
		// Disbursing and closed cycles go through payouts (below).
		return program.ApproveCycle(pusat, d, c.ID)
	}
	var closed, open []int64
	for _, s := range []struct {
		code   string
		period int
		snap   string
		to     string
	}{
		{"PKH", 3, "2019-10", program.StateClosed},
		{"PKH", 4, "2019-10", program.StateApproved},
		{"BPNT", 10, "2019-10", program.StateDisbursing},
		{"BPNT", 11, "2019-11", program.StateGenerated},
		{"RASTRA", 11, "2019-11", program.StateDraft},
		{"KIP", 1, "2019-10", program.StateCancelled},
	} {
		c, err := step(s.code, s.period, s.snap, s.to)
		if err != nil {
			return fmt.Errorf("demo cycle %s %d: %w", s.code, s.period, err)
		}
		switch s.to {
		case program.StateClosed:
			closed = append(closed, c.ID)
		case program.StateDisbursing:
			open = append(open, c.ID)
		}
	}
	return loadDemoPayouts(ctx, d, dir, closed, open)
}

// roundUp rounds rupiah up to whole millions, as budgets are written.
func roundUp(n int64) int64 {
	const m = 1_000_000
	return (n + m - 1) / m * m
}
