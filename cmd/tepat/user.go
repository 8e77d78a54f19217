package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
)

func init() {
	extraCommands = append(extraCommands, (*App).userCmd, (*App).tokenCmd, (*App).auditCmd)
}

// actorCtx opens the database and returns a context acting as --as (or the
// system actor), for commands that read or change data.
func (app *App) actorCtx(ctx context.Context) (context.Context, *db.DB, error) {
	d, err := app.openDB(ctx)
	if err != nil {
		return ctx, nil, err
	}
	if app.flagAs == "" {
		return tepat.WithActor(ctx, tepat.System), d, nil
	}
	u, err := auth.New(d).LookupUser(ctx, app.flagAs)
	if err != nil {
		d.Close()
		return ctx, nil, err
	}
	if u.Disabled {
		d.Close()
		return ctx, nil, tepat.Reasonf(tepat.EFORBIDDEN, "PENGGUNA_NONAKTIF", "pengguna %q nonaktif", app.flagAs)
	}
	return tepat.WithActor(ctx, u.Actor()), d, nil
}

// withActor opens the database, resolves --as, runs fn and closes the
// database: the frame of every command that reads or changes data.
func (app *App) withActor(cmd *cobra.Command, fn func(ctx context.Context, d *db.DB) error) error {
	ctx, d, err := app.actorCtx(cmd.Context())
	if err != nil {
		return err
	}
	defer d.Close()
	return fn(ctx, d)
}

func (app *App) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users (role admin)"}
	var (
		username, role string
		scopes         []string
		pwStdin        bool
	)
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user; prints a generated password once unless --password-stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var password string
			if pwStdin {
				b, err := io.ReadAll(io.LimitReader(app.Stdin, 1024))
				if err != nil {
					return err
				}
				password = strings.TrimRight(string(b), "\r\n")
				if password == "" {
					return tepat.Reasonf(tepat.EINVALID, "KATA_SANDI_KOSONG", "kata sandi dari stdin kosong")
				}
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				u, pw, err := auth.New(d).CreateUser(ctx, auth.NewUser{Username: username, Role: tepat.Role(role), Scopes: scopes, Password: password})
				if err != nil {
					return err
				}
				fmt.Fprintf(app.Stdout, "user %s created: role %s, scope %s\n", u.Username, u.Role, u.Actor().ScopeString())
				if !pwStdin {
					fmt.Fprintf(app.Stdout, "password (shown once): %s\n", pw)
				}
				return nil
			})
		},
	}
	add.Flags().StringVar(&username, "username", "", "user name (3–32: a-z 0-9 . _ -)")
	add.Flags().StringVar(&role, "role", "", "role: "+roleList())
	add.Flags().StringSliceVar(&scopes, "scope", nil, "region code(s) for dinsos/pendamping/satgas, bank code for bank, e-Warong code(s) for ewarong")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input")
	add.MarkFlagRequired("username")
	add.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				users, err := auth.New(d).ListUsers(ctx)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(app.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(w, "USERNAME\tROLE\tSCOPE\tSTATUS\tCREATED")
				for _, u := range users {
					status := "active"
					if u.Disabled {
						status = "disabled"
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, u.Actor().ScopeString(), status, u.CreatedAt.Format(time.RFC3339))
				}
				return w.Flush()
			})
		},
	}
	disable := &cobra.Command{
		Use:   "disable USERNAME",
		Short: "Disable a user, end their sessions and revoke their tokens",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				if err := auth.New(d).DisableUser(ctx, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(app.Stdout, "user %s disabled\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(add, list, disable)
	return cmd
}

func roleList() string {
	var s []string
	for _, r := range tepat.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func (app *App) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var username, name string
	var expires time.Duration
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token; prints it once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				t, secret, err := auth.New(d).CreateToken(ctx, username, name, expires)
				if err != nil {
					return err
				}
				fmt.Fprintf(app.Stdout, "token %d for %s (%s), expires %s\n%s\n", t.ID, t.Username, t.Name, t.ExpiresAt.Format(time.RFC3339), secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&username, "username", "", "the user the token acts as")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	create.Flags().DurationVar(&expires, "expires", 720*time.Hour, "lifetime, e.g. 720h")
	create.MarkFlagRequired("username")
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usageError{fmt.Errorf("token id must be a number: %q", args[0])}
			}
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				if err := auth.New(d).RevokeToken(ctx, id); err != nil {
					return err
				}
				fmt.Fprintf(app.Stdout, "token %d revoked\n", id)
				return nil
			})
		},
	}
	cmd.AddCommand(create, revoke)
	return cmd
}

func (app *App) auditCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Verify and read the audit log"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Walk the hash chain; exit 1 naming the first altered or missing entry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				if err := auth.Require(tepat.ActorFrom(ctx), auth.PermAuditRead); err != nil {
					return err
				}
				res, err := audit.Verify(ctx, d)
				if err != nil {
					return err
				}
				if !res.OK {
					fmt.Fprintf(app.Stdout, "audit log BROKEN at entry %d: %s (%d entries before it are intact)\n", res.BadSeq, res.Problem, res.Entries)
					return exitError{exitFailed}
				}
				fmt.Fprintf(app.Stdout, "audit log intact: %d entries\n", res.Entries)
				return nil
			})
		},
	}
	var f audit.Filter
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit entries",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app.withActor(cmd, func(ctx context.Context, d *db.DB) error {
				if err := auth.Require(tepat.ActorFrom(ctx), auth.PermAuditRead); err != nil {
					return err
				}
				es, err := audit.List(ctx, d, f)
				if err != nil {
					return err
				}
				if asJSON {
					if es == nil {
						es = []audit.Entry{}
					}
					return app.printJSON(es)
				}
				w := tabwriter.NewWriter(app.Stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(w, "SEQ\tAT (UTC)\tACTOR\tROLE\tACTION\tOBJECT\tREGION\tSUMMARY")
				for _, e := range es {
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.At.Format("2006-01-02 15:04:05"), e.Actor, e.Role, e.Action, e.Object, e.Region, e.Summary)
				}
				return w.Flush()
			})
		},
	}
	list.Flags().StringVar(&f.Actor, "actor", "", "only this actor")
	list.Flags().StringVar(&f.Action, "action", "", "only this action, or a prefix ending in '.' (user.)")
	list.Flags().StringVar(&f.From, "since", "", "only entries at or after this time (RFC 3339 or YYYY-MM-DD)")
	list.Flags().IntVar(&f.Limit, "limit", 100, "at most this many entries (≤ 1000)")
	list.Flags().Int64Var(&f.Since, "after", 0, "only entries after this sequence number")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(verify, list)
	return cmd
}
