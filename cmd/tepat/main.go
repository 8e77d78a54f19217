// Command tepat is the one binary of Tepat: the server, the migrations, and
// the operator's command-line tools. This package is wiring only; the work
// is done in the capability packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"tepat"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// TEPAT_CPUPROFILE names a file for a CPU profile of the command, for
	// the benchmarks (bench/README.md).
	if path := os.Getenv("TEPAT_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			_ = pprof.StartCPUProfile(f) // the file closes with the process
		}
	}
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	stop()
	os.Exit(code)
}

// Exit codes, one table for the whole CLI (documented in the README).
const (
	exitOK       = 0
	exitFailed   = 1 // the input was checked and found wrong, or the action was refused
	exitUsage    = 2 // bad flags or arguments, or a file unusable as a whole
	exitInternal = 3 // something broke that is not the user's doing
)

// exitCodes maps error kinds to exit codes.
var exitCodes = map[string]int{
	tepat.EINVALID:      exitFailed,
	tepat.ENOTFOUND:     exitFailed,
	tepat.ECONFLICT:     exitFailed,
	tepat.EUNAUTHORIZED: exitFailed,
	tepat.EFORBIDDEN:    exitFailed,
	tepat.EINTERNAL:     exitInternal,
}

// usageError marks errors in flags or arguments.
type usageError struct{ error }

// exitError carries an exit code chosen by a command that has already told
// the user what went wrong.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs the CLI with the given arguments and streams and returns the exit
// code. Tests call it directly.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := &App{Stdin: stdin, Stdout: stdout, Stderr: stderr}
	root := app.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintln(stderr, "tepat:", err)
		fmt.Fprintln(stderr, "Lihat 'tepat --help'.")
		return exitUsage
	}
	code := tepat.ErrorCode(err)
	if code == tepat.EINTERNAL {
		fmt.Fprintln(stderr, "tepat: kesalahan internal:", err)
	} else {
		reason := tepat.ErrorReason(err)
		if reason != "" {
			fmt.Fprintf(stderr, "tepat: %s: %s\n", reason, tepat.ErrorMessage(err))
		} else {
			fmt.Fprintln(stderr, "tepat:", tepat.ErrorMessage(err))
		}
	}
	return exitCodes[code]
}

// isCobraUsage recognises cobra's own argument and flag errors, which are
// plain errors.
func isCobraUsage(err error) bool {
	var e *tepat.Error
	if errors.As(err, &e) {
		return false
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires ", "invalid argument", "flag needs", "required flag"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// rootCmd builds the command tree.
func (app *App) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "tepat",
		Short: "Tepat runs Indonesia's social-assistance distribution chain",
		Long: "Tepat menjalankan rantai penyaluran bantuan sosial: data KPM, siklus program,\n" +
			"penyaluran lewat bank Himbara, e-Warong, rekonsiliasi, dan pemantauan 6T.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return app.loadConfig(cmd)
		},
	}
	root.PersistentFlags().StringVar(&app.flagDB, "db", "", "database: sqlite:PATH or postgres://… (env TEPAT_DB, default "+defaultDB+")")
	root.PersistentFlags().StringVar(&app.flagLogLevel, "log-level", "", "log level: debug, info, warn, error (env TEPAT_LOG_LEVEL, default info)")
	root.PersistentFlags().StringVar(&app.flagAs, "as", "", "act as this user: checked against their role and scope, audited in their name (default: the system actor)")
	root.AddCommand(
		app.versionCmd(),
		app.migrateCmd(),
		app.serveCmd(),
		app.regionCmd(),
	)
	for _, add := range extraCommands {
		root.AddCommand(add(app))
	}
	return root
}

// extraCommands lets files of this package register subcommands.
var extraCommands []func(*App) *cobra.Command
