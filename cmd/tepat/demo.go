package main

import (
	"context"

	"tepat/db"
)

// loadDemo fills an empty database with a generated demo dataset.
func (app *App) loadDemo(ctx context.Context, d *db.DB) error {
	app.logger.Info("demo mode")
	return app.ensureDemoUsers(ctx, d)
}
