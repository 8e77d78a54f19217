package ledger

import (
	"context"

	"tepat/db"
	"tepat/payout"
)

// Reconcile reconciles a cycle (payout.Reconcile) and, when the run was
// stored and the cycle's program is a wallet program, credits the wallets
// of the families now PAID (CreditCycle): a bank's confirmation is what
// puts money in a wallet, once. Credit is nil when nothing was credited
// by this call. Crediting is its own transaction after the reconciliation;
// if it is cut off, the next reconciliation or `tepat ledger credit`
// completes it, never twice.
func Reconcile(ctx context.Context, d *db.DB, cycleID int64, sink payout.Sink) (payout.Reconciliation, *Credit, error) {
	res, err := payout.Reconcile(ctx, d, cycleID, sink)
	if err != nil || !res.Stored {
		return res, nil, err
	}
	p, err := cycleProgram(ctx, d, cycleID)
	if err != nil || !p.IsWallet() {
		return res, nil, err
	}
	c, err := CreditCycle(ctx, d, cycleID)
	if err != nil {
		return res, nil, err
	}
	return res, &c, nil
}
