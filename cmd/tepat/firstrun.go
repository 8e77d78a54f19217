package main

import (
	"context"
	"fmt"

	"tepat"
	"tepat/auth"
	"tepat/db"
)

// ensureAdmin creates the first administrator on a database without users
// and prints its generated password once on stderr.
func (app *App) ensureAdmin(ctx context.Context, d *db.DB) error {
	s := auth.New(d)
	n, err := s.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	_, pw, err := s.CreateUser(tepat.WithActor(ctx, tepat.System), auth.NewUser{Username: "admin", Role: tepat.RoleAdmin})
	if err != nil {
		return err
	}
	fmt.Fprintf(app.Stderr, "\nFirst start: created user 'admin' with password (shown once):\n\n    %s\n\n", pw)
	return nil
}

// demoUser is one account of the demo; passwords are public (README).
type demoUser struct {
	Username string
	Role     tepat.Role
	Scopes   []string
}

// demoUsers has one user per role, plus a second dinsos in another province
// so that scoping can be seen at work.
var demoUsers = []demoUser{
	{"admin", tepat.RoleAdmin, nil},
	{"pusat", tepat.RolePusat, nil},
	{"dinsos", tepat.RoleDinsos, []string{"32.01"}},
	{"dinsos-jateng", tepat.RoleDinsos, []string{"33"}},
	{"pendamping", tepat.RolePendamping, []string{"32.01.01", "32.01.02"}},
	{"bank", tepat.RoleBank, []string{"BRI"}},
	{"ewarong", tepat.RoleEWarong, []string{"M000001"}},
	{"auditor", tepat.RoleAuditor, nil},
	{"satgas", tepat.RoleSatgas, nil},
	{"humas", tepat.RoleHumas, nil},
}

// demoPassword is the password of a demo user: "tepat-demo-" and the user name.
func demoPassword(username string) string { return "tepat-demo-" + username }

// ensureDemoUsers creates the demo users on a database without users.
func (app *App) ensureDemoUsers(ctx context.Context, d *db.DB) error {
	s := auth.New(d)
	n, err := s.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	sys := tepat.WithActor(ctx, tepat.System)
	for _, u := range demoUsers {
		if _, _, err := s.CreateUser(sys, auth.NewUser{Username: u.Username, Role: u.Role, Scopes: u.Scopes, Password: demoPassword(u.Username)}); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	fmt.Fprintln(app.Stderr, "Demo users created: admin, pusat, dinsos (32.01), dinsos-jateng (33), pendamping, bank, ewarong, auditor, satgas, humas; password: tepat-demo-<username>")
	return nil
}
