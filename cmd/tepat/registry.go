package main

import "github.com/spf13/cobra"

func init() { extraCommands = append(extraCommands, (*App).registryCmd) }

// registrySubcommands lets the files of this package add `tepat registry …`
// subcommands.
var registrySubcommands []func(*App) *cobra.Command

func (app *App) registryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "registry", Short: "The beneficiary registry (DTKS): snapshots, duplicates"}
	for _, add := range registrySubcommands {
		cmd.AddCommand(add(app))
	}
	return cmd
}
