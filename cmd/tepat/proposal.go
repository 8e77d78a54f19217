package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/db"
	"tepat/registry"
)

func init() { extraCommands = append(extraCommands, (*App).proposalCmd) }

// maxProposalFile bounds a proposal's JSON file, like the web's body limit.
const maxProposalFile = 1 << 20

func (app *App) proposalCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proposal",
		Short: "Proposals to change the registry: usulan → verval → penetapan",
		Long: "A pendamping or dinsos proposes (add-family, change-member, remove-family, remove-member),\n" +
			"a dinsos of the region verifies or rejects (verify), a pusat user determines or rejects\n" +
			"(determine); only a determined proposal changes the registry. Use --as USER to act as a user.\n" +
			"Every command prints the proposal (or the list) as JSON, NIK and KK numbers masked.",
	}
	var reason, file, nikArg string
	var familyID int64
	propose := func(np func() (registry.NewProposal, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			p, err := np()
			if err != nil {
				return err
			}
			p.Reason = reason
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				out, err := registry.Propose(ctx, d, p)
				if err != nil {
					return err
				}
				return app.printJSON(out)
			})
		}
	}
	addFamily := &cobra.Command{
		Use:   "add-family --file FAMILY.json --reason TEXT",
		Short: "Propose a new family (TAMBAH_KELUARGA) from a JSON file ('-' for stdin)",
		Long: "FAMILY.json: {\"no_kk\":\"…\",\"kode_wilayah\":\"32.01.01.2001\",\"desil\":1,\"alamat\":\"…\",\n" +
			"\"members\":[{\"nik\":\"…\",\"nama\":\"…\",\"jenis_kelamin\":\"L\",\"tanggal_lahir\":\"1980-03-07\",\n" +
			"\"hubungan\":\"KEPALA\",\"hamil\":false,\"disabilitas_berat\":false,\"sekolah\":\"TIDAK\",\"status\":\"HIDUP\"}]}\n" +
			"checked with the household file's rules (docs/formats.md).",
		Args: cobra.NoArgs,
		RunE: propose(func() (registry.NewProposal, error) {
			var f registry.NewFamily
			if err := app.readProposalJSON(file, &f); err != nil {
				return registry.NewProposal{}, err
			}
			return registry.NewProposal{Kind: registry.ProposalAddFamily, Family: &f}, nil
		}),
	}
	changeMember := &cobra.Command{
		Use:   "change-member --nik NIK --file MEMBER.json --reason TEXT",
		Short: "Propose new values for one member (UBAH_ANGGOTA) from a JSON file ('-' for stdin)",
		Long:  "MEMBER.json holds the member's fields as in add-family; the NIK itself cannot change.",
		Args:  cobra.NoArgs,
		RunE: propose(func() (registry.NewProposal, error) {
			var m registry.Member
			if err := app.readProposalJSON(file, &m); err != nil {
				return registry.NewProposal{}, err
			}
			return registry.NewProposal{Kind: registry.ProposalChangeMember, NIK: nikArg, Member: &m}, nil
		}),
	}
	removeFamily := &cobra.Command{
		Use:   "remove-family --family ID --reason MENINGGAL|PINDAH|MAMPU|GANDA|TIDAK_DITEMUKAN",
		Short: "Propose removing a family (HAPUS_KELUARGA) by its id",
		Args:  cobra.NoArgs,
		RunE: propose(func() (registry.NewProposal, error) {
			return registry.NewProposal{Kind: registry.ProposalRemoveFamily, FamilyID: familyID}, nil
		}),
	}
	removeMember := &cobra.Command{
		Use:   "remove-member --nik NIK --reason MENINGGAL|PINDAH|MAMPU|GANDA|TIDAK_DITEMUKAN",
		Short: "Propose removing a member (HAPUS_ANGGOTA); MENINGGAL and PINDAH keep them with that status",
		Args:  cobra.NoArgs,
		RunE: propose(func() (registry.NewProposal, error) {
			return registry.NewProposal{Kind: registry.ProposalRemoveMember, NIK: nikArg}, nil
		}),
	}
	for _, c := range []*cobra.Command{addFamily, changeMember, removeFamily, removeMember} {
		c.Flags().StringVar(&reason, "reason", "", "why: a removal reason, or free text (≤ 500 characters)")
		c.MarkFlagRequired("reason")
	}
	for _, c := range []*cobra.Command{addFamily, changeMember} {
		c.Flags().StringVar(&file, "file", "", "JSON file, '-' for standard input")
		c.MarkFlagRequired("file")
	}
	for _, c := range []*cobra.Command{changeMember, removeMember} {
		c.Flags().StringVar(&nikArg, "nik", "", "the member's NIK (16 digits)")
		c.MarkFlagRequired("nik")
	}
	removeFamily.Flags().Int64Var(&familyID, "family", 0, "the family's id (as on its page)")
	removeFamily.MarkFlagRequired("family")

	cmd.AddCommand(addFamily, changeMember, removeFamily, removeMember,
		app.proposalStepCmd("verify", "Verify a proposal (verval; role dinsos), or reject it with --reject", registry.Verify),
		app.proposalStepCmd("determine", "Determine a verified proposal (penetapan; role pusat), or reject it with --reject", registry.Determine),
		app.proposalListCmd(), app.proposalShowCmd())
	return cmd
}

// proposalStepCmd is verify or determine: the same flags, another step.
func (app *App) proposalStepCmd(name, short string, step func(context.Context, *db.DB, int64, bool, string) (registry.Proposal, error)) *cobra.Command {
	var reject bool
	var note string
	c := &cobra.Command{
		Use:   name + " ID [--reject] --note TEXT",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalID(args[0])
			if err != nil {
				return err
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				p, err := step(ctx, d, id, !reject, note)
				if err != nil {
					return err
				}
				return app.printJSON(p)
			})
		},
	}
	c.Flags().BoolVar(&reject, "reject", false, "reject the proposal (DITOLAK); needs --note")
	c.Flags().StringVar(&note, "note", "", "note (≤ 500 characters; required with --reject)")
	return c
}

func (app *App) proposalListCmd() *cobra.Command {
	var f registry.ProposalFilter
	var status, kind string
	c := &cobra.Command{
		Use:   "list [--status S] [--region CODE]",
		Short: "List proposals in your scope, oldest first, as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Status, f.Kind = registry.ProposalStatus(status), registry.ProposalKind(kind)
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				ps, err := registry.ListProposals(ctx, d, f)
				if err != nil {
					return err
				}
				if ps == nil {
					ps = []registry.Proposal{}
				}
				return app.printJSON(ps)
			})
		},
	}
	c.Flags().StringVar(&status, "status", "", "DIUSULKAN, DIVERIFIKASI, DITOLAK or DITETAPKAN")
	c.Flags().StringVar(&kind, "kind", "", "TAMBAH_KELUARGA, UBAH_ANGGOTA, HAPUS_KELUARGA or HAPUS_ANGGOTA")
	c.Flags().StringVar(&f.Region, "region", "", "region code of any level")
	c.Flags().Int64Var(&f.FamilyID, "family", 0, "only proposals about this family id")
	c.Flags().Int64Var(&f.After, "after", 0, "only proposals with a larger id")
	c.Flags().IntVar(&f.Limit, "limit", 50, "at most this many (≤ 500)")
	return c
}

func (app *App) proposalShowCmd() *cobra.Command {
	var reveal bool
	c := &cobra.Command{
		Use:   "show ID [--reveal]",
		Short: "Show one proposal as JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalID(args[0])
			if err != nil {
				return err
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				p, err := registry.GetProposal(ctx, d, id, reveal)
				if err != nil {
					return err
				}
				return app.printJSON(p)
			})
		},
	}
	c.Flags().BoolVar(&reveal, "reveal", false, "show NIK and KK numbers in full (pii.reveal, audited)")
	return c
}

func proposalID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError{fmt.Errorf("proposal id must be a positive number: %q", s)}
	}
	return id, nil
}

// readProposalJSON decodes the JSON file at path ("-": standard input)
// into v, refusing unknown fields so that a misspelt one is not ignored.
func (app *App) readProposalJSON(path string, v any) error {
	var r io.Reader
	if path == "-" {
		r = app.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return tepat.Errorf(tepat.EINVALID, "file %s tidak dapat dibuka", path)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxProposalFile+1))
	if err != nil {
		return err
	}
	if len(b) > maxProposalFile {
		return tepat.Reasonf(tepat.EINVALID, "JSON_TIDAK_VALID", "file %s lebih dari 1 MiB", path)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return tepat.Reasonf(tepat.EINVALID, "JSON_TIDAK_VALID", "file %s bukan JSON yang sah: %v", path, err)
	}
	return nil
}
