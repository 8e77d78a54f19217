package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
)

const defaultDB = db.DefaultDSN

// Config is Tepat's configuration: defaults, then environment (TEPAT_*),
// then flags. It is validated once at start.
type Config struct {
	DB       string     // TEPAT_DB, --db
	Addr     string     // TEPAT_ADDR, --addr (serve)
	LogLevel slog.Level // TEPAT_LOG_LEVEL, --log-level
	// SecureCookies marks cookies Secure on plain HTTP too, for a server
	// behind a TLS-terminating proxy (TEPAT_SECURE_COOKIES=1, --secure-cookies).
	SecureCookies bool
}

// App holds what a command run needs: streams, configuration and, once
// opened, the database.
type App struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Config         Config

	flagDB, flagLogLevel, flagAs string
	logger                       *slog.Logger
}

// loadConfig fills app.Config from defaults, environment and flags.
func (app *App) loadConfig(cmd *cobra.Command) error {
	c := Config{DB: defaultDB, Addr: ":8080", LogLevel: slog.LevelInfo}
	if v := os.Getenv("TEPAT_DB"); v != "" {
		c.DB = v
	}
	if v := os.Getenv("TEPAT_ADDR"); v != "" {
		c.Addr = v
	}
	c.SecureCookies = os.Getenv("TEPAT_SECURE_COOKIES") == "1"
	level := os.Getenv("TEPAT_LOG_LEVEL")
	if app.flagDB != "" {
		c.DB = app.flagDB
	}
	if app.flagLogLevel != "" {
		level = app.flagLogLevel
	}
	if level != "" {
		if err := c.LogLevel.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
			return usageError{tepat.Errorf(tepat.EINVALID, "log level %q tidak dikenal (debug, info, warn, error)", level)}
		}
	}
	app.Config = c
	app.logger = slog.New(slog.NewJSONHandler(app.Stderr, &slog.HandlerOptions{Level: c.LogLevel}))
	return nil
}

// openDB opens and migrates the configured database.
func (app *App) openDB(ctx context.Context) (*db.DB, error) {
	return db.Open(ctx, app.Config.DB)
}
