package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"tepat/nik"
)

func init() { extraCommands = append(extraCommands, (*App).nikCmd) }

func (app *App) nikCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "nik", Short: "Check NIK and KK numbers"}
	cmd.AddCommand(&cobra.Command{
		Use:   "check NIK",
		Short: "Parse a NIK: print its fields as JSON (exit 0) or the reason it is invalid (exit 1)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := nik.Parse(args[0])
			if err != nil {
				return err
			}
			sex := "L"
			if n.Female {
				sex = "P"
			}
			return app.printJSON(map[string]any{
				"nik":           args[0],
				"district":      n.District,
				"birth_date":    n.BirthDate.Format("2006-01-02"),
				"jenis_kelamin": sex,
				"serial":        fmt.Sprintf("%04d", n.Serial),
			})
		},
	}, &cobra.Command{
		Use:   "kk NO_KK",
		Short: "Check a family card (KK) number: exit 0 if valid, else the reason and exit 1",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := nik.ParseKK(args[0]); err != nil {
				return err
			}
			fmt.Fprintln(app.Stdout, "valid")
			return nil
		},
	})
	return cmd
}
