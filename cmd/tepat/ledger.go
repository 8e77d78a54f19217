package main

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
	"tepat/ledger"
	"tepat/terminal"
)

func init() {
	extraCommands = append(extraCommands, (*App).merchantCmd, (*App).terminalCmd, (*App).cardCmd, (*App).ledgerCmd,
		(*App).settleCmd, (*App).priceCmd)
}

// terminalSubcommands lets other files add subcommands to `tepat terminal`
// (the simulator and load generator).
var terminalSubcommands []func(*App) *cobra.Command

func (app *App) merchantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "merchant", Short: "e-Warong merchants: add, list, disable"}
	var n ledger.NewMerchant
	add := app.jsonCmd("add", "Add a merchant (role pusat, or dinsos in their region); prints it as JSON",
		func(ctx context.Context, d *db.DB) (any, error) { return ledger.AddMerchant(ctx, d, n) })
	add.Flags().StringVar(&n.Name, "name", "", "merchant name")
	add.Flags().StringVar(&n.Type, "type", ledger.TypeEWarong, "EWARONG, RPK (Bulog outlet) or AGEN (bank agent)")
	add.Flags().StringVar(&n.Village, "village", "", "village code, e.g. 32.01.01.1001")
	add.Flags().StringVar(&n.Bank, "bank", "", "bank the merchant settles with: BRI, BNI, MANDIRI, BTN")
	for _, f := range []string{"name", "village", "bank"} {
		add.MarkFlagRequired(f)
	}
	var reg string
	list := app.jsonCmd("list", "List the merchants in your scope as JSON", func(ctx context.Context, d *db.DB) (any, error) {
		return ledger.Merchants(ctx, d, reg)
	})
	list.Flags().StringVar(&reg, "region", "", "only merchants in this region")
	disable := argJSONCmd(app, "disable ID", "Disable a merchant: its terminals are refused from now on", ledger.DisableMerchant)
	cmd.AddCommand(add, list, disable)
	return cmd
}

func (app *App) terminalCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "terminal", Short: "EDC terminals: register, revoke, list; the terminal simulator"}
	var merchant, keyOut, pubKey string
	register := &cobra.Command{
		Use:   "register",
		Short: "Register a terminal for a merchant; generates its key pair (written to --key-out) and prints the terminal id",
		Long: "Registers an EDC terminal. Without --public-key, generates an Ed25519 key pair for the terminal\n" +
			"simulator and writes its key file (mode 0600) to --key-out (default <terminal>.key in the current\n" +
			"directory). With --public-key (base64), registers a vendor terminal's own key and writes nothing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				server, err := ledger.ServerKey(ctx, d)
				if err != nil {
					return err
				}
				var pub ed25519.PublicKey
				var kf terminal.KeyFile
				if pubKey != "" {
					raw, err := base64.StdEncoding.DecodeString(pubKey)
					if err != nil || len(raw) != ed25519.PublicKeySize {
						return tepat.Reasonf(tepat.EINVALID, "KUNCI_TIDAK_VALID", "--public-key harus base64 dari 32 byte kunci publik Ed25519")
					}
					pub = raw
				} else if kf, pub, err = terminal.NewKeyFile("", merchant, server.Public().(ed25519.PublicKey)); err != nil {
					return err
				}
				if keyOut != "" && pubKey == "" {
					// Fail before registering if the key cannot be written.
					if _, err := os.Stat(keyOut); err == nil {
						return tepat.Reasonf(tepat.EINVALID, "BERKAS_SUDAH_ADA", "berkas kunci %s sudah ada", keyOut)
					}
				}
				t, err := ledger.RegisterTerminal(ctx, d, merchant, pub)
				if err != nil {
					return err
				}
				if pubKey == "" {
					kf.Terminal = t.ID
					path := keyOut
					if path == "" {
						path = t.ID + ".key"
					}
					if err := terminal.WriteKeyFile(path, kf); err != nil {
						return err
					}
					fmt.Fprintf(app.Stderr, "kunci terminal ditulis ke %s (rahasia)\n", path)
				}
				fmt.Fprintln(app.Stdout, t.ID)
				return nil
			})
		},
	}
	register.Flags().StringVar(&merchant, "merchant", "", "merchant id, e.g. M000001")
	register.Flags().StringVar(&keyOut, "key-out", "", "where to write the terminal's key file (default <terminal>.key)")
	register.Flags().StringVar(&pubKey, "public-key", "", "register this Ed25519 public key (base64) instead of generating one")
	register.MarkFlagRequired("merchant")
	revoke := argJSONCmd(app, "revoke ID", "Revoke a terminal: every request it signs from now on is refused", ledger.RevokeTerminal)
	var of string
	list := app.jsonCmd("list", "List the terminals in your scope as JSON", func(ctx context.Context, d *db.DB) (any, error) {
		return ledger.Terminals(ctx, d, of)
	})
	list.Flags().StringVar(&of, "merchant", "", "only this merchant's terminals")
	cmd.AddCommand(register, revoke, list)
	cmd.AddCommand(app.manifestCmds()...)
	for _, add := range terminalSubcommands {
		cmd.AddCommand(add(app))
	}
	return cmd
}

// manifestCmds are the operators' offline commands under `tepat terminal`.
func (app *App) manifestCmds() []*cobra.Command {
	var spec ledger.ManifestSpec
	var validUntil, out string
	manifest := &cobra.Command{
		Use:   "manifest",
		Short: "Reserve a cycle's families in a region to one terminal for offline use; writes the signed manifest",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if validUntil != "" {
				t, err := time.Parse(time.RFC3339, validUntil)
				if err != nil {
					return tepat.Reasonf(tepat.EINVALID, "TANGGAL_TIDAK_VALID", "--valid-until harus RFC 3339, mis. 2026-12-01T00:00:00+07:00")
				}
				spec.ValidUntil = t
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				key, err := ledger.ServerKey(ctx, d)
				if err != nil {
					return err
				}
				body, info, err := ledger.CreateManifest(ctx, d, key, spec)
				if err != nil {
					return err
				}
				if err := os.WriteFile(out, body, 0o600); err != nil {
					return err
				}
				fmt.Fprintf(app.Stderr, "manifes %s ditulis ke %s\n", info.ID, out)
				return app.printJSON(info)
			})
		},
	}
	manifest.Flags().StringVar(&spec.Terminal, "terminal", "", "terminal id")
	manifest.Flags().Int64Var(&spec.Cycle, "cycle", 0, "cycle id (APPROVED or DISBURSING)")
	manifest.Flags().StringVar(&spec.Region, "region", "", "region of the families (default: the merchant's district)")
	manifest.Flags().StringVar(&validUntil, "valid-until", "", "end of validity, RFC 3339 (default 7 days, at most 31)")
	manifest.Flags().StringVar(&out, "out", "", "file for the signed manifest")
	for _, f := range []string{"terminal", "cycle", "out"} {
		manifest.MarkFlagRequired(f)
	}
	var due bool
	var grace time.Duration
	release := &cobra.Command{
		Use:   "release [MANIFEST] [--due]",
		Short: "Close a manifest (unspent allowance returns), or with --due every manifest expired or of a revoked terminal past the grace",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if due == (len(args) == 1) {
				return tepat.Reasonf(tepat.EINVALID, "ARGUMEN_TIDAK_VALID", "beri satu manifes, atau --due")
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				if due {
					n, err := ledger.ReleaseDue(ctx, d, time.Now(), grace)
					if err != nil {
						return err
					}
					return app.printJSON(map[string]int{"released": n})
				}
				m, err := ledger.ReleaseManifest(ctx, d, args[0], ledger.ManifestClosed)
				if err != nil {
					return err
				}
				return app.printJSON(m)
			})
		},
	}
	release.Flags().BoolVar(&due, "due", false, "release every manifest past its validity or of a terminal revoked, after --grace")
	release.Flags().DurationVar(&grace, "grace", ledger.DefaultOfflineGrace, "how long after expiry or revocation entries may still be synced")
	manifests := app.jsonCmd("manifests", "List manifests in your scope as JSON", func(ctx context.Context, d *db.DB) (any, error) {
		return ledger.Manifests(ctx, d, "")
	})
	var all bool
	conflicts := app.jsonCmd("conflicts", "The offline conflict queue in your scope as JSON (open ones; --all for every one)",
		func(ctx context.Context, d *db.DB) (any, error) { return ledger.Conflicts(ctx, d, all) })
	conflicts.Flags().BoolVar(&all, "all", false, "also resolved ones")
	var decision, note string
	resolve := &cobra.Command{
		Use:   "resolve ID",
		Short: "Decide on a queued offline entry: DITOLAK, DIBAYAR_MANUAL or DICATAT, with a note (audited)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return tepat.Reasonf(tepat.EINVALID, "ID_TIDAK_VALID", "id konflik %q tidak valid", args[0])
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				c, err := ledger.ResolveConflict(ctx, d, id, decision, note)
				if err != nil {
					return err
				}
				return app.printJSON(c)
			})
		},
	}
	resolve.Flags().StringVar(&decision, "decision", "", "DITOLAK, DIBAYAR_MANUAL or DICATAT")
	resolve.Flags().StringVar(&note, "note", "", "why (required)")
	chains := app.jsonCmd("chains", "Terminals' offline chains: last sequence, last sync, applied and conflicting entries", func(ctx context.Context, d *db.DB) (any, error) {
		return ledger.Chains(ctx, d)
	})
	return []*cobra.Command{manifest, release, manifests, conflicts, resolve, chains}
}

func (app *App) cardCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "card", Short: "KKS cards at the terminals: block, unblock"}
	var reason string
	block := &cobra.Command{
		Use:   "block CARD",
		Short: "Block a card at every terminal (lost, stolen, misuse); audited",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				return ledger.BlockCard(ctx, d, args[0], reason, false)
			})
		},
	}
	block.Flags().StringVar(&reason, "reason", "", "why (required)")
	unblock := &cobra.Command{
		Use:   "unblock CARD",
		Short: "Lift a card's block; audited",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				return ledger.BlockCard(ctx, d, args[0], "", true)
			})
		},
	}
	cmd.AddCommand(block, unblock)
	return cmd
}

func (app *App) ledgerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "The wallet ledger: check invariants, credit a cycle, expire balances, list funded cards"}
	check := &cobra.Command{
		Use:   "check",
		Short: "Verify every invariant of the ledger; prints the report as JSON, exit 1 naming what is broken",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				r, err := ledger.Check(ctx, d)
				if err != nil {
					return err
				}
				if err := app.printJSON(r); err != nil {
					return err
				}
				if !r.OK {
					for _, p := range r.Problems() {
						fmt.Fprintln(app.Stderr, "RUSAK: "+p)
					}
					return exitError{code: 1}
				}
				return nil
			})
		},
	}
	credit := cycleJSONCmd(app, "credit", "Credit the wallets of a reconciled wallet-program cycle's PAID families (once)", ledger.CreditCycle)
	var prog, asOf string
	var months int
	expire := &cobra.Command{
		Use:   "expire",
		Short: "Return to the fund the unspent balance credited more than --months ago (once per day)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			at := time.Now()
			if asOf != "" {
				t, err := time.Parse("2006-01-02", asOf)
				if err != nil {
					return tepat.Reasonf(tepat.EINVALID, "TANGGAL_TIDAK_VALID", "--as-of harus YYYY-MM-DD")
				}
				at = t
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				r, err := ledger.Expire(ctx, d, prog, months, at)
				if err != nil {
					return err
				}
				return app.printJSON(r)
			})
		},
	}
	expire.Flags().StringVar(&prog, "program", "", "wallet program, e.g. SEMBAKO")
	expire.Flags().IntVar(&months, "months", 0, "expiry in months (0: never expires)")
	expire.Flags().StringVar(&asOf, "as-of", "", "date to expire as of (YYYY-MM-DD, default today)")
	expire.MarkFlagRequired("program")
	var min int64
	var limit int
	var out string
	cards := &cobra.Command{
		Use:   "cards",
		Short: "Write funded card numbers (one per line) for a terminal demo or load test (role pusat)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				list, err := ledger.FundedCards(ctx, d, prog, min, limit)
				if err != nil {
					return err
				}
				w := app.Stdout
				if out != "" {
					f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
					if err != nil {
						return err
					}
					defer f.Close()
					w = f
				}
				bw := bufio.NewWriter(w)
				for _, c := range list {
					fmt.Fprintln(bw, c)
				}
				return bw.Flush()
			})
		},
	}
	cards.Flags().StringVar(&prog, "program", "", "wallet program, e.g. SEMBAKO")
	cards.Flags().Int64Var(&min, "min", 1, "smallest balance, whole rupiah")
	cards.Flags().IntVar(&limit, "limit", 1000, "at most this many cards")
	cards.Flags().StringVar(&out, "out", "", "file to write (mode 0600; default stdout)")
	cards.MarkFlagRequired("program")
	cmd.AddCommand(check, credit, expire, cards)
	return cmd
}

func (app *App) settleCmd() *cobra.Command {
	var date, out string
	cmd := &cobra.Command{
		Use:   "settle",
		Short: "Close a day per merchant: purchases minus voids, one settlement per merchant and bank, a file per bank (idempotent)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := ledger.ParseDay(date)
			if err != nil {
				return err
			}
			if out != "" {
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				r, err := ledger.Settle(ctx, d, day, out, nil)
				if err != nil {
					return err
				}
				return app.printJSON(r)
			})
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "day to settle, YYYY-MM-DD (each merchant's own date)")
	cmd.Flags().StringVar(&out, "out", "", "directory for the settlement files (settlement-<YYYYMMDD>-<BANK>.csv)")
	cmd.MarkFlagRequired("date")
	return cmd
}

func (app *App) priceCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "price", Short: "Reference prices per food and province (tepat harga)"}
	load := &cobra.Command{
		Use:   "load FILE",
		Short: "Load reference prices (provinsi,kategori,satuan,harga), all or nothing",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_TERBACA", "berkas %s tidak terbaca", args[0])
			}
			defer f.Close()
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				n, err := ledger.LoadPrices(ctx, d, filepath.Base(args[0]), f)
				if err != nil {
					return app.fileRefused(err)
				}
				return app.printJSON(map[string]int{"loaded": n})
			})
		},
	}
	var prov string
	list := app.jsonCmd("list", "List reference prices as JSON", func(ctx context.Context, d *db.DB) (any, error) {
		return ledger.Prices(ctx, d, strings.TrimSpace(prov))
	})
	list.Flags().StringVar(&prov, "province", "", "only this province")
	flags := app.jsonCmd("flags", "List purchase lines above their reference price, newest first", func(ctx context.Context, d *db.DB) (any, error) {
		return ledger.PriceFlags(ctx, d, "", 1000)
	})
	cmd.AddCommand(load, list, flags)
	return cmd
}
