package main

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
	"tepat/region"
)

func (app *App) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version and commit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(app.Stdout, "tepat %s (commit %s, %s)\n", tepat.Version, tepat.Commit, runtime.Version())
			return nil
		},
	}
}

func (app *App) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (a no-op when up to date)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := db.OpenNoMigrate(cmd.Context(), app.Config.DB)
			if err != nil {
				return err
			}
			defer d.Close()
			n, err := d.Migrate(cmd.Context())
			if err != nil {
				return err
			}
			v, err := d.SchemaVersion(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(app.Stdout, "applied %d migration(s); schema version %d (%s)\n", n, v, d.Engine())
			return nil
		},
	}
}

func (app *App) regionCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "region", Short: "Look up Indonesia's region codes (kode wilayah)"}
	cmd.AddCommand(&cobra.Command{
		Use:   "show CODE",
		Short: "Print one region as JSON: code, name, level, parent, time zone",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := region.Lookup(args[0])
			if err != nil {
				return err
			}
			return app.printJSON(regionOut(r))
		},
	}, &cobra.Command{
		Use:   "children [CODE]",
		Short: "List the regions one level below CODE as JSON (no CODE: the provinces)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			code := ""
			if len(args) == 1 {
				r, err := region.Lookup(args[0])
				if err != nil {
					return err
				}
				code = r.Code
			}
			var out []map[string]any
			for _, r := range region.Children(code) {
				out = append(out, regionOut(r))
			}
			if out == nil {
				out = []map[string]any{}
			}
			return app.printJSON(out)
		},
	})
	return cmd
}

func regionOut(r region.Region) map[string]any {
	m := map[string]any{"code": r.Code, "name": r.Name, "level": r.Level.String(), "time_zone": r.TimeZone()}
	if r.Parent != "" {
		m["parent"] = r.Parent
	}
	return m
}

func (app *App) printJSON(v any) error {
	enc := json.NewEncoder(app.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
