package registry

import (
	"context"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
)

// requireRead checks that a may read the registry and, with reveal, see
// NIK and KK numbers in full.
func requireRead(a *tepat.Actor, reveal bool) error {
	if err := auth.Require(a, auth.PermRegistryRead); err != nil {
		return err
	}
	if reveal {
		return auth.Require(a, auth.PermRevealPII)
	}
	return nil
}

// recordReveal audits, as pii.reveal, that full numbers of object (in the
// region with the given code) were shown. The summary says what was shown,
// never the numbers themselves.
func recordReveal(ctx context.Context, d *db.DB, object, region, summary string) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		_, err := audit.Record(ctx, tx, "pii.reveal", object, region, summary)
		return err
	})
}
