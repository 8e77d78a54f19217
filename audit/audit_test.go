package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/db/dbtest"
)

// appendN appends n entries, each in its own transaction.
func appendN(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := tepat.WithActor(context.Background(), &tepat.Actor{Username: "dinsos1", Role: tepat.RoleDinsos, Regions: []string{"32.01"}})
	for i := 0; i < n; i++ {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			_, err := audit.Record(ctx, tx, "test.act", fmt.Sprintf("obj-%d", i), "32.01", "ringkasan")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, d *db.DB) audit.Result {
	t.Helper()
	res, err := audit.Verify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestChainVerifies(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		if res := verify(t, d); !res.OK || res.Entries != 0 {
			t.Fatalf("empty log: %+v", res)
		}
		appendN(t, d, 20)
		if res := verify(t, d); !res.OK || res.Entries != 20 {
			t.Fatalf("%+v", res)
		}
		es, err := audit.List(context.Background(), d, audit.Filter{Actor: "dinsos1", Action: "test.", Limit: 5})
		if err != nil || len(es) != 5 || es[0].Seq != 1 || es[0].Role != "dinsos" {
			t.Fatalf("list: %v %+v", err, es)
		}
	})
}

func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		sql     string
		badSeq  int64
		problem string
	}{
		{"EditedSummary", `UPDATE audit_log SET summary = 'diubah' WHERE seq = 7`, 7, "diubah"},
		{"EditedActor", `UPDATE audit_log SET actor = 'orang lain' WHERE seq = 3`, 3, "diubah"},
		{"EditedTime", `UPDATE audit_log SET at = at + ` + "%s" + ` WHERE seq = 5`, 5, "diubah"},
		{"RemovedMiddle", `DELETE FROM audit_log WHERE seq = 4`, 4, "hilang"},
		{"RemovedTail", `DELETE FROM audit_log WHERE seq >= 9`, 9, "hilang"},
		{"RewrittenHash", `UPDATE audit_log SET hash = 'ab' WHERE seq = 2`, 2, "diubah"},
		{"RelinkedEntry", `UPDATE audit_log SET prev_hash = 'cd' WHERE seq = 6`, 6, "tautan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Run(t, func(t *testing.T, d *db.DB) {
				appendN(t, d, 10)
				q := tc.sql
				if strings.Contains(q, "%s") {
					interval := "interval '1 second'"
					if d.Engine() == db.SQLite {
						q = `UPDATE audit_log SET at = '2001-01-01T00:00:00.000000Z' WHERE seq = 5`
					}
					q = strings.Replace(q, "%s", interval, 1)
				}
				if _, err := d.Exec(context.Background(), q); err != nil {
					t.Fatal(err)
				}
				res := verify(t, d)
				if res.OK || res.BadSeq != tc.badSeq || !strings.Contains(res.Problem, tc.problem) {
					t.Fatalf("got %+v, want entry %d (%s)", res, tc.badSeq, tc.problem)
				}
			})
		})
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		var wg sync.WaitGroup
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				appendN(t, d, 15)
			}()
		}
		wg.Wait()
		if res := verify(t, d); !res.OK || res.Entries != 90 {
			t.Fatalf("%+v", res)
		}
	})
}

func TestRolledBackChangeLeavesNoEntry(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		d.InTx(ctx, func(tx *db.Tx) error {
			audit.Record(ctx, tx, "x", "y", "", "")
			return fmt.Errorf("abort")
		})
		appendN(t, d, 1)
		if res := verify(t, d); !res.OK || res.Entries != 1 {
			t.Fatalf("%+v", res)
		}
	})
}
