package main

import (
	"encoding/json"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/terminal"
)

func init() {
	terminalSubcommands = append(terminalSubcommands, (*App).terminalOfflineCmd, (*App).terminalSyncCmd)
}

// offlineReceipt is what `tepat terminal offline pay` prints: the durable
// entry as the family's receipt, KK masked.
type offlineReceipt struct {
	Terminal  string          `json:"terminal"`
	Seq       int64           `json:"seq"`
	Manifest  string          `json:"manifest"`
	KK        string          `json:"kk"`
	Amount    int64           `json:"amount"`
	Items     []terminal.Item `json:"items,omitempty"`
	Remaining int64           `json:"remaining"`
	Time      time.Time       `json:"time"`
}

// offlineLoaded is what load and request print about the manifest.
type offlineLoaded struct {
	Manifest   string    `json:"manifest"`
	Terminal   string    `json:"terminal"`
	Cycle      int64     `json:"cycle"`
	Program    string    `json:"program"`
	Kind       string    `json:"kind"`
	Families   int       `json:"families"`
	Total      int64     `json:"total"`
	ValidUntil time.Time `json:"valid_until"`
	Logged     int64     `json:"logged"`
	Synced     int64     `json:"synced"`
}

// maskKK shows only the last four digits of a KK number.
func maskKK(kk string) string {
	if len(kk) < 4 {
		return strings.Repeat("*", len(kk))
	}
	return strings.Repeat("*", len(kk)-4) + kk[len(kk)-4:]
}

func (app *App) terminalOfflineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "offline",
		Short: "Terminal simulator without coverage: load a signed manifest, pay from it, show the log",
		Long: "The offline terminal keeps its state in a directory (--state): a copy of the key file, the\n" +
			"current signed manifest, log.jsonl (one signed entry a line, hash-chained, fsynced before a\n" +
			"receipt prints) and state.json (how far the server holds the log). Upload the log with\n" +
			"`tepat terminal sync` once in coverage.",
	}
	cmd.AddCommand(app.offlineLoadCmd(), app.offlineRequestCmd(), app.offlinePayCmd(), app.offlineLogCmd())
	return cmd
}

// stateFlag adds --state, the offline terminal's state directory.
func stateFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "state", "", "state directory of the offline terminal")
}

// loadManifest verifies the signed manifest body with k, makes it the
// current one of the offline terminal in state and prints what is loaded.
func (app *App) loadManifest(state string, body []byte, k terminal.KeyFile) error {
	if err := terminal.LoadOffline(state, body, k); err != nil {
		return err
	}
	o, err := terminal.OpenOffline(state)
	if err != nil {
		return err
	}
	m := o.Manifest()
	return app.printJSON(offlineLoaded{Manifest: m.ID, Terminal: m.Terminal, Cycle: m.Cycle, Program: m.Program, Kind: m.Kind,
		Families: len(m.Families), Total: m.Total, ValidUntil: m.ValidUntil, Logged: int64(len(o.Entries())), Synced: o.Synced()})
}

func (app *App) offlineLoadCmd() *cobra.Command {
	var manifest, keyPath, state string
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Verify a signed manifest (from `tepat terminal manifest --out`) and make it the terminal's current one",
		Long: "Checks the manifest's signature with the server key of --key (TANDA_TANGAN_TIDAK_SAH when it\n" +
			"fails) and that it is for --key's terminal, then stores it in --state. An existing state keeps\n" +
			"its log: entries under the new manifest continue the same chain.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := terminal.ReadKeyFile(keyPath)
			if err != nil {
				return err
			}
			body, err := os.ReadFile(manifest)
			if err != nil {
				return tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_TERBACA", "berkas manifes %s tidak terbaca", manifest)
			}
			return app.loadManifest(state, body, k)
		},
	}
	cmd.Flags().StringVar(&manifest, "manifest", "", "signed manifest file")
	cmd.Flags().StringVar(&keyPath, "key", "", "terminal key file (from `tepat terminal register --key-out`)")
	stateFlag(cmd, &state)
	for _, f := range []string{"manifest", "key", "state"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (app *App) offlineRequestCmd() *cobra.Command {
	var server, keyPath, region, until, state string
	var cycle int64
	cmd := &cobra.Command{
		Use:   "request",
		Short: "Ask the server for a manifest (signed request), verify it and load it into --state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := terminal.ReadKeyFile(keyPath)
			if err != nil {
				return err
			}
			req := terminal.ManifestRequest{Cycle: cycle, Region: region}
			if until != "" {
				if req.ValidUntil, err = time.Parse(time.RFC3339, until); err != nil {
					return tepat.Reasonf(tepat.EINVALID, "WAKTU_TIDAK_VALID", "--valid-until %q harus RFC 3339, mis. 2026-02-20T00:00:00+07:00", until)
				}
			}
			body, err := terminal.RequestManifest(cmd.Context(), server, k, req, nil)
			if err != nil {
				return err
			}
			return app.loadManifest(state, body, k)
		},
	}
	serverFlag(cmd, &server)
	cmd.Flags().StringVar(&keyPath, "key", "", "terminal key file")
	cmd.Flags().Int64Var(&cycle, "cycle", 0, "cycle id")
	cmd.Flags().StringVar(&region, "region", "", "only families of this region code (optional)")
	cmd.Flags().StringVar(&until, "valid-until", "", "ask for a validity until this time, RFC 3339 (optional)")
	stateFlag(cmd, &state)
	for _, f := range []string{"server", "key", "cycle", "state"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (app *App) offlinePayCmd() *cobra.Command {
	var state, kk, at string
	var amount int64
	var specs []string
	cmd := &cobra.Command{
		Use:   "pay",
		Short: "Pay a family from the current manifest offline and print the receipt as JSON",
		Long: "CASH manifests take --amount; WALLET manifests take --item (the amount is their sum).\n" +
			"The entry is signed, chained and fsynced to the log before the receipt prints. Refused:\n" +
			"BUKAN_DI_MANIFES, MELEBIHI_JATAH (beyond the family's remaining allowance on this\n" +
			"terminal), MANIFES_KEDALUWARSA (after the manifest's valid_until).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			items, err := parseItems(specs)
			if err != nil {
				return err
			}
			when, err := parseTime(at)
			if err != nil {
				return err
			}
			if when.IsZero() {
				when = time.Now()
			}
			o, err := terminal.OpenOffline(state)
			if err != nil {
				return err
			}
			e, err := o.Pay(kk, amount, items, when)
			if err != nil {
				return err
			}
			left, err := o.Remaining(kk)
			if err != nil {
				return err
			}
			return app.printJSON(offlineReceipt{Terminal: e.Terminal, Seq: e.Seq, Manifest: e.Manifest, KK: maskKK(e.KK),
				Amount: e.Amount, Items: e.Items, Remaining: left, Time: e.Time})
		},
	}
	stateFlag(cmd, &state)
	cmd.Flags().StringVar(&kk, "kk", "", "the family's KK number (16 digits)")
	cmd.Flags().Int64Var(&amount, "amount", 0, "rupiah paid (CASH manifests)")
	cmd.Flags().StringArrayVar(&specs, "item", nil, "item category:quantity:unit:price, e.g. beras:10:kg:12000 (WALLET manifests, repeatable)")
	cmd.Flags().StringVar(&at, "time", "", "terminal time, RFC 3339 (default now)")
	for _, f := range []string{"state", "kk"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

// offlineLogLine is one line of `tepat terminal offline log`.
type offlineLogLine struct {
	terminal.Entry
	Synced bool `json:"synced"`
}

func (app *App) offlineLogCmd() *cobra.Command {
	var state string
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Print the offline log's entries as JSON lines, each with whether the server holds it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := terminal.OpenOffline(state)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(app.Stdout)
			enc.SetEscapeHTML(false)
			synced := o.Synced()
			for _, e := range o.Entries() {
				if err := enc.Encode(offlineLogLine{Entry: e, Synced: e.Seq <= synced}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	stateFlag(cmd, &state)
	cmd.MarkFlagRequired("state")
	return cmd
}

func (app *App) terminalSyncCmd() *cobra.Command {
	var server, state string
	var batch int
	var closeAfter bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Upload the offline log's entries the server does not hold yet and print the summary as JSON",
		Long: "Uploads in batches of --batch entries from the server's last held sequence number + 1 until\n" +
			"the server holds the whole log. Conflicts (entries the server did not apply: over the\n" +
			"allowance, after the manifest expired, …) are listed in the summary and do not fail the\n" +
			"command; it exits non-zero only when an upload fails (it can simply be run again).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := terminal.OpenOffline(state)
			if err != nil {
				return err
			}
			sum, err := terminal.Sync(cmd.Context(), server, o, batch, nil)
			if err != nil {
				if sum.Uploads > 0 {
					app.printJSON(sum)
				}
				return err
			}
			if !closeAfter {
				return app.printJSON(sum)
			}
			closed, err := terminal.CloseManifest(cmd.Context(), server, o, nil)
			if err != nil {
				app.printJSON(sum)
				return err
			}
			return app.printJSON(map[string]any{"sync": sum, "closed": json.RawMessage(closed)})
		},
	}
	cmd.Flags().BoolVar(&closeAfter, "close", false, "after a complete sync, close the current manifest: no more payments from it, the unspent allowance returns on the server")
	serverFlag(cmd, &server)
	stateFlag(cmd, &state)
	cmd.Flags().IntVar(&batch, "batch", terminal.DefaultSyncBatch, "entries per upload (at most 5000)")
	for _, f := range []string{"server", "state"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}
