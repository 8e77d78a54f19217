package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/terminal"
)

func init() {
	terminalSubcommands = append(terminalSubcommands, (*App).terminalPayCmd, (*App).terminalVoidCmd, (*App).terminalLoadCmd)
}

// parseItems reads --item values (category:quantity:unit:price).
func parseItems(specs []string) ([]terminal.Item, error) {
	items := make([]terminal.Item, 0, len(specs))
	for _, s := range specs {
		it, err := terminal.ParseItem(s)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

func (app *App) terminalPayCmd() *cobra.Command {
	var server, keyPath, card, prog, tx, at string
	var specs []string
	cmd := &cobra.Command{
		Use:   "pay",
		Short: "Send one signed purchase as a terminal and print the verified receipt as JSON",
		Long: "Acts as the terminal of --key: signs a purchase, sends it to --server, verifies the receipt\n" +
			"with the server key in the key file and prints it. A refusal exits non-zero with the server's\n" +
			"reason. Without --tx a fresh id is used (printed on stderr). Repeating a tx with the same\n" +
			"content, --time included, returns the first receipt; with other content it is refused\n" +
			"(TRANSAKSI_KONFLIK).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := terminalClient(server, keyPath)
			if err != nil {
				return err
			}
			items, err := parseItems(specs)
			if err != nil {
				return err
			}
			total, err := terminal.SumItems(items)
			if err != nil {
				return err
			}
			tx, when, err := app.txTime(tx, at)
			if err != nil {
				return err
			}
			return app.printReceipt(c.Pay(cmd.Context(), terminal.Purchase{Tx: tx, Card: card, Program: prog, Items: items, Total: total, Time: when}))
		},
	}
	serverFlag(cmd, &server)
	cmd.Flags().StringVar(&keyPath, "key", "", "terminal key file (from `tepat terminal register --key-out`)")
	cmd.Flags().StringVar(&card, "card", "", "KKS card number")
	cmd.Flags().StringVar(&prog, "program", "SEMBAKO", "wallet program")
	cmd.Flags().StringArrayVar(&specs, "item", nil, "item category:quantity:unit:price, e.g. beras:10:kg:12000 (repeatable)")
	cmd.Flags().StringVar(&tx, "tx", "", "transaction id (default: a fresh one)")
	cmd.Flags().StringVar(&at, "time", "", "terminal time, RFC 3339 (default now); repeat it to retry a tx")
	for _, f := range []string{"server", "key", "card", "item"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (app *App) terminalVoidCmd() *cobra.Command {
	var server, keyPath, tx, of, at string
	cmd := &cobra.Command{
		Use:   "void",
		Short: "Void a purchase of the same terminal made today and print the verified receipt as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := terminalClient(server, keyPath)
			if err != nil {
				return err
			}
			tx, when, err := app.txTime(tx, at)
			if err != nil {
				return err
			}
			return app.printReceipt(c.Void(cmd.Context(), terminal.Void{Tx: tx, VoidOf: of, Time: when}))
		},
	}
	serverFlag(cmd, &server)
	cmd.Flags().StringVar(&keyPath, "key", "", "terminal key file")
	cmd.Flags().StringVar(&tx, "tx", "", "transaction id of the void (default: a fresh one)")
	cmd.Flags().StringVar(&of, "void-of", "", "transaction id of the purchase to void")
	cmd.Flags().StringVar(&at, "time", "", "terminal time, RFC 3339 (default now); repeat it to retry a tx")
	for _, f := range []string{"server", "key", "void-of"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (app *App) terminalLoadCmd() *cobra.Command {
	var o terminal.LoadOptions
	var dir, cardFile string
	var specs []string
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Send many signed purchases from several terminals and print throughput, latency and answers as JSON",
		Long: "Load generator: --tx purchases, terminal i%N of the first --terminals key files in --keys\n" +
			"(*.key, by name), card i%M of the first --cards lines of --card-file (e.g. from\n" +
			"`tepat ledger cards --out`), at most --concurrency in flight, paced open-loop at --rate per\n" +
			"second when given. Every receipt is verified.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			keys, err := readKeyDir(dir)
			if err != nil {
				return err
			}
			cards, err := readCardFile(cardFile)
			if err != nil {
				return err
			}
			if o.Items, err = parseItems(specs); err != nil {
				return err
			}
			o.Keys, o.Cards = keys, cards
			r, err := terminal.Load(cmd.Context(), o)
			if err != nil && r.Sent == 0 {
				return err
			}
			if perr := app.printJSON(r); perr != nil {
				return perr
			}
			return err
		},
	}
	f := cmd.Flags()
	serverFlag(cmd, &o.Server)
	f.StringVar(&dir, "keys", "", "directory of terminal key files (*.key)")
	f.StringVar(&cardFile, "card-file", "", "file of KKS card numbers, one a line")
	f.IntVar(&o.Terminals, "terminals", 0, "use the first N key files (default all)")
	f.IntVar(&o.CardCount, "cards", 0, "use the first M cards (default all)")
	f.IntVar(&o.Tx, "tx", 1000, "purchases to send")
	f.IntVar(&o.Concurrency, "concurrency", 8, "requests in flight at most")
	f.Float64Var(&o.Rate, "rate", 0, "target requests per second, paced open-loop (0: as fast as possible)")
	f.StringVar(&o.Program, "program", "SEMBAKO", "wallet program")
	f.StringArrayVar(&specs, "item", nil, "item category:quantity:unit:price (repeatable; default beras:1:kg:1000)")
	for _, name := range []string{"server", "keys", "card-file"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

// serverFlag adds --server, the server a terminal talks to.
func serverFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "server", "", "server base URL, e.g. http://localhost:8080")
}

// terminalClient is the client of --server signing as the terminal of the
// key file at keyPath.
func terminalClient(server, keyPath string) (*terminal.Client, error) {
	k, err := terminal.ReadKeyFile(keyPath)
	if err != nil {
		return nil, err
	}
	return &terminal.Client{Server: server, Key: k}, nil
}

// printReceipt prints the verified receipt r as JSON, or returns err.
func (app *App) printReceipt(r terminal.Receipt, err error) error {
	if err != nil {
		return err
	}
	return app.printJSON(r)
}

// txTime reads --tx and --time of a signed request: without --tx a fresh
// id, told on stderr.
func (app *App) txTime(tx, at string) (string, time.Time, error) {
	if tx == "" {
		tx = terminal.NewTxID()
		fmt.Fprintf(app.Stderr, "tx: %s\n", tx)
	}
	when, err := parseTime(at)
	return tx, when, err
}

// parseTime reads --time: RFC 3339, or "" for the zero time (the client
// then uses the current time).
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, tepat.Reasonf(tepat.EINVALID, "WAKTU_TIDAK_VALID", "--time %q harus RFC 3339, mis. 2026-02-10T12:00:00+07:00", s)
	}
	return t, nil
}

// readKeyDir reads every *.key file of dir, in name order.
func readKeyDir(dir string) ([]terminal.KeyFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.key"))
	if err != nil || len(paths) == 0 {
		return nil, tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_TERBACA", "tidak ada berkas kunci *.key di %s", dir)
	}
	sort.Strings(paths)
	keys := make([]terminal.KeyFile, 0, len(paths))
	for _, p := range paths {
		k, err := terminal.ReadKeyFile(p)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// readCardFile reads card numbers, one a line; blank lines are skipped.
func readCardFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_TERBACA", "berkas kartu %s tidak terbaca", path)
	}
	defer f.Close()
	var cards []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if c := strings.TrimSpace(sc.Text()); c != "" {
			cards = append(cards, c)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, tepat.Reasonf(tepat.EINVALID, "BERKAS_TIDAK_TERBACA", "berkas kartu %s tidak terbaca", path)
	}
	if len(cards) == 0 {
		return nil, tepat.Reasonf(tepat.EINVALID, "BERKAS_KOSONG", "berkas kartu %s tidak berisi nomor kartu", path)
	}
	return cards, nil
}
