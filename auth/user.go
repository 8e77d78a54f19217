package auth

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/db"
	"tepat/region"
)

// Store keeps users, sessions and tokens. It is safe for concurrent use.
type Store struct {
	DB  *db.DB
	Now func() time.Time
}

// New returns a store on d.
func New(d *db.DB) *Store { return &Store{DB: d, Now: time.Now} }

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// User is a person who signs in to Tepat. Scopes are dotted region codes for
// regional roles, a bank code for the bank role, merchant codes for e-Warong.
type User struct {
	ID        int64      `json:"id"`
	Username  string     `json:"username"`
	Role      tepat.Role `json:"role"`
	Scopes    []string   `json:"scopes"`
	Disabled  bool       `json:"disabled"`
	CreatedAt time.Time  `json:"created_at"`
}

// Actor returns the actor the user acts as.
func (u *User) Actor() *tepat.Actor {
	a := &tepat.Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	switch u.Role {
	case tepat.RoleBank:
		if len(u.Scopes) > 0 {
			a.Bank = u.Scopes[0]
		}
	case tepat.RoleEWarong:
		a.Merchants = u.Scopes
	default:
		a.Regions = u.Scopes
	}
	return a
}

// Banks are the Himbara banks a bank user may belong to.
var Banks = []string{"BRI", "BNI", "MANDIRI", "BTN"}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// NewUser is the input of CreateUser. An empty Password is generated.
type NewUser struct {
	Username string
	Role     tepat.Role
	Scopes   []string
	Password string
}

// validate checks the role and normalises the scopes for it.
func (n *NewUser) validate() error {
	n.Username = strings.TrimSpace(n.Username)
	if !usernameRE.MatchString(n.Username) || n.Username == tepat.System.Username {
		return tepat.Reasonf(tepat.EINVALID, "USERNAME_TIDAK_VALID",
			"nama pengguna harus 3–32 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung, dan bukan %q", tepat.System.Username)
	}
	if !tepat.ValidRole(n.Role) {
		var names []string
		for _, r := range tepat.Roles {
			names = append(names, string(r))
		}
		return tepat.Reasonf(tepat.EINVALID, "PERAN_TIDAK_DIKENAL", "peran %q tidak dikenal; pilih salah satu: %s", n.Role, strings.Join(names, ", "))
	}
	if n.Password != "" && len(n.Password) < 12 {
		return tepat.Reasonf(tepat.EINVALID, "KATA_SANDI_LEMAH", "kata sandi minimal 12 karakter")
	}
	var scopes []string
	for _, s := range n.Scopes {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				scopes = append(scopes, p)
			}
		}
	}
	bad := func(format string, args ...any) error {
		return tepat.Reasonf(tepat.EINVALID, "LINGKUP_TIDAK_VALID", format, args...)
	}
	switch n.Role {
	case tepat.RoleAdmin, tepat.RolePusat, tepat.RoleAuditor, tepat.RoleHumas:
		if len(scopes) > 0 {
			return bad("peran %s berlingkup nasional: jangan beri --scope", n.Role)
		}
	case tepat.RoleDinsos, tepat.RolePendamping, tepat.RoleSatgas:
		if n.Role != tepat.RoleSatgas && len(scopes) == 0 {
			return bad("peran %s butuh --scope berupa kode wilayah", n.Role)
		}
		if n.Role == tepat.RoleDinsos && len(scopes) != 1 {
			return bad("peran dinsos berlingkup satu provinsi atau satu kabupaten/kota")
		}
		for i, c := range scopes {
			r, err := region.Lookup(c)
			if err != nil {
				return bad("lingkup %q: %s", c, tepat.ErrorMessage(err))
			}
			switch {
			case n.Role == tepat.RoleDinsos && r.Level > region.Regency:
				return bad("lingkup dinsos harus provinsi atau kabupaten/kota, bukan %s %s", r.Level, r.Code)
			case n.Role == tepat.RolePendamping && r.Level != region.District:
				return bad("lingkup pendamping harus kecamatan (kode 6 digit), bukan %s %s", r.Level, r.Code)
			}
			scopes[i] = r.Code
		}
	case tepat.RoleBank:
		if len(scopes) != 1 {
			return bad("peran bank butuh tepat satu --scope: %s", strings.Join(Banks, ", "))
		}
		scopes[0] = strings.ToUpper(scopes[0])
		ok := false
		for _, b := range Banks {
			ok = ok || b == scopes[0]
		}
		if !ok {
			return bad("bank %q tidak dikenal: %s", scopes[0], strings.Join(Banks, ", "))
		}
	case tepat.RoleEWarong:
		if len(scopes) == 0 {
			return bad("peran ewarong butuh --scope berupa kode e-Warong")
		}
		for _, m := range scopes {
			if len(m) > 40 || strings.ContainsAny(m, " \t") {
				return bad("kode e-Warong %q tidak valid", m)
			}
		}
	}
	n.Scopes = scopes
	return nil
}

// CreateUser adds a user and returns it with the password to hand over
// (generated when none was given). Requires PermUserManage; audited. Nothing
// is created if any part fails.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (User, string, error) {
	if err := Require(tepat.ActorFrom(ctx), PermUserManage); err != nil {
		return User{}, "", err
	}
	if err := n.validate(); err != nil {
		return User{}, "", err
	}
	password := n.Password
	if password == "" {
		password = GeneratePassword()
	}
	u := User{Username: n.Username, Role: n.Role, Scopes: n.Scopes, CreatedAt: s.now()}
	hash := HashPassword(password)
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (username, role, password_hash, disabled, created_at, updated_at)
			VALUES ($1, $2, $3, FALSE, $4, $4) RETURNING id`, u.Username, string(u.Role), hash, u.CreatedAt).Scan(&u.ID)
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ECONFLICT {
			return tepat.Reasonf(tepat.ECONFLICT, "USERNAME_SUDAH_ADA", "nama pengguna %q sudah dipakai", u.Username)
		} else if err != nil {
			return err
		}
		kind := scopeKind(u.Role)
		for _, v := range u.Scopes {
			if _, err := tx.Exec(ctx, `INSERT INTO user_scopes (user_id, kind, value) VALUES ($1, $2, $3)`, u.ID, kind, v); err != nil {
				return err
			}
		}
		_, err = audit.Record(ctx, tx, "user.create", "user:"+u.Username, firstRegion(u),
			fmt.Sprintf("pengguna dibuat: peran %s, lingkup %s", u.Role, u.Actor().ScopeString()))
		return err
	})
	if err != nil {
		return User{}, "", err
	}
	return u, password, nil
}

func scopeKind(r tepat.Role) string {
	switch r {
	case tepat.RoleBank:
		return "bank"
	case tepat.RoleEWarong:
		return "merchant"
	}
	return "region"
}

func firstRegion(u User) string {
	if scopeKind(u.Role) == "region" && len(u.Scopes) > 0 {
		return u.Scopes[0]
	}
	return ""
}

// scanUsers reads users from rows of (id, username, role, disabled, created_at).
func (s *Store) scanUsers(ctx context.Context, q db.Querier, rows *sql.Rows) ([]User, error) {
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var role string
		if err := rows.Scan(&u.ID, &u.Username, &role, &u.Disabled, &u.CreatedAt); err != nil {
			return nil, err
		}
		u.Role = tepat.Role(role)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		if err := loadScopes(ctx, q, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadScopes fills u.Scopes.
func loadScopes(ctx context.Context, q db.Querier, u *User) error {
	rows, err := q.Query(ctx, `SELECT value FROM user_scopes WHERE user_id = $1 ORDER BY value`, u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return err
		}
		u.Scopes = append(u.Scopes, v)
	}
	return rows.Err()
}

// ListUsers returns every user. Requires PermUserManage.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	if err := Require(tepat.ActorFrom(ctx), PermUserManage); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, username, role, disabled, created_at FROM users ORDER BY username`)
	if err != nil {
		return nil, err
	}
	return s.scanUsers(ctx, s.DB, rows)
}

// userByName loads one user and their password hash without a
// permission check (for login).
func (s *Store) userByName(ctx context.Context, q db.Querier, username string) (User, string, error) {
	return loadUser(ctx, q, `username = $1`, username)
}

// userByID loads one user by id (sessions and tokens, on every request).
func (s *Store) userByID(ctx context.Context, id int64) (User, error) {
	u, _, err := loadUser(ctx, s.DB, `id = $1`, id)
	return u, err
}

// loadUser loads the user matching cond (a constant of the callers above,
// never input) with their scopes and password hash.
func loadUser(ctx context.Context, q db.Querier, cond string, arg any) (User, string, error) {
	var hash, role string
	var u User
	err := q.QueryRow(ctx, `SELECT id, username, role, disabled, created_at, password_hash FROM users WHERE `+cond, arg).
		Scan(&u.ID, &u.Username, &role, &u.Disabled, &u.CreatedAt, &hash)
	if err != nil {
		return u, "", db.Translate(err)
	}
	u.Role = tepat.Role(role)
	return u, hash, loadScopes(ctx, q, &u)
}

// LookupUser returns the user with the given name, or ENOTFOUND. It does not
// check permissions: the CLI uses it to resolve --as.
func (s *Store) LookupUser(ctx context.Context, username string) (User, error) {
	u, _, err := s.userByName(ctx, s.DB, username)
	if tepat.ErrorCode(err) == tepat.ENOTFOUND {
		return u, tepat.Reasonf(tepat.ENOTFOUND, "PENGGUNA_TIDAK_ADA", "pengguna %q tidak ada", username)
	}
	return u, err
}

// DisableUser disables a user, ends their sessions and revokes their tokens.
// Requires PermUserManage; audited.
func (s *Store) DisableUser(ctx context.Context, username string) error {
	if err := Require(tepat.ActorFrom(ctx), PermUserManage); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		now := s.now()
		var id int64
		err := tx.QueryRow(ctx, `UPDATE users SET disabled = TRUE, updated_at = $2 WHERE username = $1 RETURNING id`, username, now).Scan(&id)
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return tepat.Reasonf(tepat.ENOTFOUND, "PENGGUNA_TIDAK_ADA", "pengguna %q tidak ada", username)
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, id, now); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "user.disable", "user:"+username, "", "pengguna dinonaktifkan; sesi diakhiri dan token dicabut")
		return err
	})
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}
