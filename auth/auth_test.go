package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/auth"
	"tepat/db"
	"tepat/db/dbtest"
)

var sys = tepat.WithActor(context.Background(), tepat.System)

// clock is a settable clock for session and token expiry.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newStore(t *testing.T, d *db.DB) (*auth.Store, *clock) {
	c := &clock{t: time.Date(2019, 11, 1, 8, 0, 0, 0, time.UTC)}
	s := auth.New(d)
	s.Now = c.now
	return s, c
}

func mustUser(t *testing.T, s *auth.Store, name string, role tepat.Role, scopes ...string) string {
	t.Helper()
	_, pw, err := s.CreateUser(sys, auth.NewUser{Username: name, Role: role, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return pw
}

func TestCreateUserValidates(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		for _, tc := range []struct {
			name   string
			in     auth.NewUser
			reason string
		}{
			{"UnknownRole", auth.NewUser{Username: "abc", Role: "raja"}, "PERAN_TIDAK_DIKENAL"},
			{"BadUsername", auth.NewUser{Username: "A B", Role: tepat.RoleAdmin}, "USERNAME_TIDAK_VALID"},
			{"SystemName", auth.NewUser{Username: "system", Role: tepat.RoleAdmin}, "USERNAME_TIDAK_VALID"},
			{"DinsosWithoutScope", auth.NewUser{Username: "dinsos1", Role: tepat.RoleDinsos}, "LINGKUP_TIDAK_VALID"},
			{"DinsosDistrictScope", auth.NewUser{Username: "dinsos1", Role: tepat.RoleDinsos, Scopes: []string{"32.01.01"}}, "LINGKUP_TIDAK_VALID"},
			{"UnknownRegion", auth.NewUser{Username: "dinsos1", Role: tepat.RoleDinsos, Scopes: []string{"99"}}, "LINGKUP_TIDAK_VALID"},
			{"PendampingRegency", auth.NewUser{Username: "pend1", Role: tepat.RolePendamping, Scopes: []string{"32.01"}}, "LINGKUP_TIDAK_VALID"},
			{"AdminWithScope", auth.NewUser{Username: "adm", Role: tepat.RoleAdmin, Scopes: []string{"32"}}, "LINGKUP_TIDAK_VALID"},
			{"UnknownBank", auth.NewUser{Username: "bank1", Role: tepat.RoleBank, Scopes: []string{"XYZ"}}, "LINGKUP_TIDAK_VALID"},
			{"ShortPassword", auth.NewUser{Username: "adm", Role: tepat.RoleAdmin, Password: "short"}, "KATA_SANDI_LEMAH"},
		} {
			_, _, err := s.CreateUser(sys, tc.in)
			if tepat.ErrorReason(err) != tc.reason {
				t.Errorf("%s: got %v, want %s", tc.name, err, tc.reason)
			}
		}
		if n, _ := s.CountUsers(context.Background()); n != 0 {
			t.Fatalf("refused users left %d rows", n)
		}
		u, pw, err := s.CreateUser(sys, auth.NewUser{Username: "pend1", Role: tepat.RolePendamping, Scopes: []string{"3201010,3201020"[0:6], "32.01.02"}})
		if err != nil || len(pw) != 20 || len(u.Scopes) != 2 || u.Scopes[0] != "32.01.01" {
			t.Fatalf("pendamping: %v %+v", err, u)
		}
		if _, _, err := s.CreateUser(sys, auth.NewUser{Username: "pend1", Role: tepat.RoleAuditor}); tepat.ErrorReason(err) != "USERNAME_SUDAH_ADA" {
			t.Fatalf("duplicate: %v", err)
		}
	})
}

func TestOnlyAdminManagesUsers(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		mustUser(t, s, "dinsos1", tepat.RoleDinsos, "32.01")
		u, _ := s.LookupUser(context.Background(), "dinsos1")
		ctx := tepat.WithActor(context.Background(), u.Actor())
		if _, _, err := s.CreateUser(ctx, auth.NewUser{Username: "x123", Role: tepat.RoleAdmin}); tepat.ErrorCode(err) != tepat.EFORBIDDEN {
			t.Fatalf("dinsos created a user: %v", err)
		}
		if _, err := s.ListUsers(context.Background()); tepat.ErrorCode(err) != tepat.EUNAUTHORIZED {
			t.Fatalf("anonymous listed users: %v", err)
		}
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s, c := newStore(t, d)
		pw := mustUser(t, s, "auditor1", tepat.RoleAuditor)
		ctx := context.Background()
		_, errUnknown := s.Login(ctx, "nobody", pw, "10.0.0.1")
		_, errWrong := s.Login(ctx, "auditor1", "wrong-password", "10.0.0.1")
		if errUnknown == nil || errUnknown.Error() != errWrong.Error() {
			t.Fatalf("unknown user and wrong password answer differently: %v / %v", errUnknown, errWrong)
		}
		ns, err := s.Login(ctx, "auditor1", pw, "10.0.0.1")
		if err != nil || ns.Token == "" || ns.CSRF == "" {
			t.Fatalf("login: %v", err)
		}
		a, csrf, err := s.SessionActor(ctx, ns.Token)
		if err != nil || a.Username != "auditor1" || a.Role != tepat.RoleAuditor || csrf != ns.CSRF {
			t.Fatalf("session: %v %+v", err, a)
		}
		// Idle for longer than the timeout ends the session.
		c.t = c.t.Add(auth.IdleTimeout + time.Minute)
		if _, _, err := s.SessionActor(ctx, ns.Token); tepat.ErrorReason(err) != "SESI_BERAKHIR" {
			t.Fatalf("idle session: %v", err)
		}
		// Kept busy, it still ends at the absolute timeout.
		ns, _ = s.Login(ctx, "auditor1", pw, "10.0.0.1")
		for i := 0; i < int(auth.AbsoluteTimeout/(20*time.Minute)); i++ {
			c.t = c.t.Add(20 * time.Minute)
			if _, _, err := s.SessionActor(ctx, ns.Token); err != nil {
				t.Fatalf("busy session ended early after %d steps: %v", i, err)
			}
		}
		c.t = c.t.Add(20 * time.Minute)
		if _, _, err := s.SessionActor(ctx, ns.Token); err == nil {
			t.Fatal("session outlived the absolute timeout")
		}
		if _, _, err := s.SessionActor(ctx, "forged"); tepat.ErrorCode(err) != tepat.EUNAUTHORIZED {
			t.Fatalf("forged session: %v", err)
		}
		// Logins and failures are audited, without the typed unknown name.
		es, _ := audit.List(ctx, d, audit.Filter{Action: "auth."})
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action+" "+e.Object)
		}
		got := strings.Join(actions, ",")
		if !strings.Contains(got, "auth.login_failed user:(tidak dikenal)") || !strings.Contains(got, "auth.login user:auditor1") || strings.Contains(got, "nobody") {
			t.Fatalf("audit: %s", got)
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s, c := newStore(t, d)
		pw := mustUser(t, s, "pusat1", tepat.RolePusat)
		ctx := context.Background()
		for i := 0; i < 5; i++ {
			s.Login(ctx, "pusat1", "wrong-password", "10.0.0.2")
		}
		if _, err := s.Login(ctx, "pusat1", pw, "10.0.0.3"); tepat.ErrorReason(err) != "LOGIN_DIBATASI" {
			t.Fatalf("after 5 failures the right password was accepted: %v", err)
		}
		c.t = c.t.Add(16 * time.Minute)
		if _, err := s.Login(ctx, "pusat1", pw, "10.0.0.3"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		// Per address: many names from one address.
		for i := 0; i < 20; i++ {
			s.Login(ctx, "guess"+string(rune('a'+i)), "x", "10.9.9.9")
		}
		if _, err := s.Login(ctx, "pusat1", pw, "10.9.9.9"); tepat.ErrorReason(err) != "LOGIN_DIBATASI" {
			t.Fatalf("address not throttled: %v", err)
		}
	})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s, c := newStore(t, d)
		mustUser(t, s, "bank1", tepat.RoleBank, "bri")
		ctx := context.Background()
		tok, secret, err := s.CreateToken(sys, "bank1", "sftp", 24*time.Hour)
		if err != nil || !strings.HasPrefix(secret, auth.TokenPrefix) {
			t.Fatal(err)
		}
		a, err := s.TokenActor(ctx, secret)
		if err != nil || a.Role != tepat.RoleBank || a.Bank != "BRI" {
			t.Fatalf("token actor: %v %+v", err, a)
		}
		var stored int
		d.QueryRow(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1`, secret).Scan(&stored)
		if stored != 0 {
			t.Fatal("token secret stored in clear")
		}
		if _, err := s.TokenActor(ctx, secret+"x"); tepat.ErrorReason(err) != "TOKEN_TIDAK_VALID" {
			t.Fatalf("tampered token: %v", err)
		}
		c.t = c.t.Add(25 * time.Hour)
		if _, err := s.TokenActor(ctx, secret); tepat.ErrorReason(err) != "TOKEN_TIDAK_VALID" {
			t.Fatalf("expired token: %v", err)
		}
		_, secret2, _ := s.CreateToken(sys, "bank1", "api", time.Hour)
		if err := s.RevokeToken(sys, tok.ID+1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenActor(ctx, secret2); tepat.ErrorReason(err) != "TOKEN_TIDAK_VALID" {
			t.Fatalf("revoked token: %v", err)
		}
		if err := s.RevokeToken(sys, 999); tepat.ErrorReason(err) != "TOKEN_TIDAK_ADA" {
			t.Fatalf("unknown token: %v", err)
		}
		if _, _, err := s.CreateToken(sys, "bank1", "x", 0); tepat.ErrorCode(err) != tepat.EINVALID {
			t.Fatalf("zero ttl: %v", err)
		}
	})
}

func TestDisableEndsSessionsAndTokens(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s, _ := newStore(t, d)
		pw := mustUser(t, s, "humas1", tepat.RoleHumas)
		ctx := context.Background()
		ns, _ := s.Login(ctx, "humas1", pw, "1.2.3.4")
		_, secret, _ := s.CreateToken(sys, "humas1", "x", time.Hour)
		if err := s.DisableUser(sys, "humas1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.SessionActor(ctx, ns.Token); err == nil {
			t.Error("session survived disable")
		}
		if _, err := s.TokenActor(ctx, secret); err == nil {
			t.Error("token survived disable")
		}
		if _, err := s.Login(ctx, "humas1", pw, "1.2.3.4"); tepat.ErrorReason(err) != "LOGIN_GAGAL" {
			t.Errorf("disabled user logged in: %v", err)
		}
		if err := s.DisableUser(sys, "ghost"); tepat.ErrorCode(err) != tepat.ENOTFOUND {
			t.Errorf("disable unknown: %v", err)
		}
	})
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h := auth.HashPassword("kata-sandi-rahasia")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || !auth.CheckPassword(h, "kata-sandi-rahasia") || auth.CheckPassword(h, "kata-sandi-rahasiA") {
		t.Fatal("argon2id round trip")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2id$v=19$m=0,t=0,p=0$x$y", "$bcrypt$x$y$z$w"} {
		if auth.CheckPassword(bad, "") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestPermissionTable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		role tepat.Role
		perm auth.Permission
		want bool
	}{
		{tepat.RoleAdmin, auth.PermUserManage, true},
		{tepat.RoleAdmin, auth.PermRegistryRead, false},
		{tepat.RoleAdmin, auth.PermRevealPII, false},
		{tepat.RoleAuditor, auth.PermRevealPII, true},
		{tepat.RoleAuditor, auth.PermRegistryWrite, false},
		{tepat.RoleHumas, auth.PermRegistryRead, false},
		{tepat.RoleHumas, auth.PermStatsRead, true},
		{tepat.RoleSatgas, auth.PermRegistryWrite, false},
		{tepat.RoleSystem, auth.PermUserManage, true},
	} {
		if got := auth.Can(&tepat.Actor{Role: tc.role}, tc.perm); got != tc.want {
			t.Errorf("%s %s = %v", tc.role, tc.perm, got)
		}
	}
	if auth.Can(nil, auth.PermStatsRead) {
		t.Error("nil actor allowed")
	}
}

// TestPermissionTableMatchesSecurityDoc holds auth/perm.go to the
// permission table of docs/security.md: the same permissions, each with
// the same roles.
func TestPermissionTableMatchesSecurityDoc(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(b), "| permission | meaning | roles |")
	documented := map[auth.Permission]string{}
	for _, line := range strings.Split(table, "\n")[2:] {
		if !strings.HasPrefix(line, "| `") {
			break
		}
		cells := strings.Split(line, "|")
		documented[auth.Permission(strings.Trim(cells[1], " `"))] = strings.TrimSpace(cells[len(cells)-2])
	}
	if len(documented) != len(auth.AllPermissions) {
		t.Errorf("docs/security.md lists %d permissions, auth %d", len(documented), len(auth.AllPermissions))
	}
	for _, p := range auth.AllPermissions {
		var roles []string
		for _, r := range auth.Grants(p) {
			roles = append(roles, string(r))
		}
		want := strings.Join(roles, ", ")
		if len(auth.Grants(p)) == len(tepat.Roles) {
			want = "every role"
		}
		if got, ok := documented[p]; !ok || got != want {
			t.Errorf("%s: docs/security.md says %q, auth/perm.go %q", p, got, want)
		}
	}
}
