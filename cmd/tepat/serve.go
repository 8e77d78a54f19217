package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"tepat/db"
	"tepat/ledger"
	"tepat/web"
)

func (app *App) serveCmd() *cobra.Command {
	var addr string
	var demo, secure bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web server (UI, JSON API, /healthz, /metrics)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if addr != "" {
				app.Config.Addr = addr
			}
			if secure {
				app.Config.SecureCookies = true
			}
			ln, err := net.Listen("tcp", app.Config.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", app.Config.Addr, err)
			}
			return app.serve(cmd.Context(), ln, demo)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (env TEPAT_ADDR, default :8080)")
	cmd.Flags().BoolVar(&secure, "secure-cookies", false, "mark cookies Secure even on plain HTTP, behind a TLS proxy (env TEPAT_SECURE_COOKIES=1)")
	cmd.Flags().BoolVar(&demo, "demo", false, "on an empty database, load a generated demo dataset first")
	return cmd
}

// serve runs the server on ln until ctx is cancelled, then shuts down
// gracefully, letting requests in flight finish for up to 15 seconds.
func (app *App) serve(ctx context.Context, ln net.Listener, demo bool) error {
	d, err := app.openDB(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	defer d.Close()
	if demo {
		err = app.loadDemo(ctx, d)
	} else {
		err = app.ensureAdmin(ctx, d)
	}
	if err != nil {
		ln.Close()
		return err
	}
	handler := web.New(d, app.logger)
	handler.SecureCookies = app.Config.SecureCookies
	jobCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	handler.Start(jobCtx)
	go app.releaseDueManifests(jobCtx, d)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	app.logger.Info("serving", "addr", ln.Addr().String(), "engine", d.Engine())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	app.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopJobs()
	handler.Wait()
	handler.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// releaseDueManifests releases, every minute, the offline manifests past
// their validity or of revoked terminals, after the grace
// (ledger.ReleaseDue), until ctx ends.
func (app *App) releaseDueManifests(ctx context.Context, d *db.DB) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		if n, err := ledger.ReleaseDue(ctx, d, time.Now(), ledger.DefaultOfflineGrace); err != nil && ctx.Err() == nil {
			app.logger.Warn("releasing due manifests", "err", err)
		} else if n > 0 {
			app.logger.Info("manifests released", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
