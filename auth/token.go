package auth

import (
	"context"
	"strings"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/db"
)

// TokenPrefix starts every API token, so that leaked tokens are easy to find
// in code and logs.
const TokenPrefix = "tpt_"

// Token describes an API token; its secret is shown once at creation and
// stored only as a hash.
type Token struct {
	ID        int64      `json:"id"`
	Username  string     `json:"username"`
	Name      string     `json:"name"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken issues a token for username that expires after ttl (at most a
// year). Admins may issue tokens for anyone; others only for themselves.
// Returns the token and its secret; audited.
func (s *Store) CreateToken(ctx context.Context, username, name string, ttl time.Duration) (Token, string, error) {
	a := tepat.ActorFrom(ctx)
	if a == nil || (a.Username != username && !Can(a, PermUserManage)) {
		return Token{}, "", Require(a, PermUserManage)
	}
	if ttl <= 0 || ttl > 366*24*time.Hour {
		return Token{}, "", tepat.Reasonf(tepat.EINVALID, "MASA_BERLAKU_TIDAK_VALID", "masa berlaku token harus antara 1 menit dan 1 tahun")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "token"
	}
	if len(name) > 80 {
		return Token{}, "", tepat.Reasonf(tepat.EINVALID, "NAMA_TOKEN_TIDAK_VALID", "nama token maksimal 80 karakter")
	}
	u, err := s.LookupUser(ctx, username)
	if err != nil {
		return Token{}, "", err
	}
	if u.Disabled {
		return Token{}, "", tepat.Reasonf(tepat.EINVALID, "PENGGUNA_NONAKTIF", "pengguna %q nonaktif", username)
	}
	now := s.now()
	secret := TokenPrefix + randomToken(32)
	t := Token{Username: username, Name: name, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, u.ID, name, hashSecret(secret), now, t.ExpiresAt).Scan(&t.ID); err != nil {
			return db.Translate(err)
		}
		_, err := audit.Record(ctx, tx, "token.create", "user:"+username, "", "token API dibuat: "+name+", berlaku sampai "+t.ExpiresAt.Format(time.RFC3339))
		return err
	})
	return t, secret, err
}

// RevokeToken revokes the token with the given id. Admins may revoke any
// token, others only their own; audited.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	a := tepat.ActorFrom(ctx)
	if a == nil {
		return Require(a, PermUserManage)
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var owner string
		var revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT u.username, t.revoked_at FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1`, id).Scan(&owner, &revoked)
		if err = db.Translate(err); tepat.ErrorCode(err) == tepat.ENOTFOUND {
			return tepat.Reasonf(tepat.ENOTFOUND, "TOKEN_TIDAK_ADA", "token %d tidak ada", id)
		} else if err != nil {
			return err
		}
		if owner != a.Username && !Can(a, PermUserManage) {
			return tepat.Reasonf(tepat.ENOTFOUND, "TOKEN_TIDAK_ADA", "token %d tidak ada", id)
		}
		if revoked != nil {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1`, id, s.now()); err != nil {
			return err
		}
		_, err = audit.Record(ctx, tx, "token.revoke", "user:"+owner, "", "token API dicabut")
		return err
	})
}

// errToken answers any token that is unknown, expired, revoked or whose user
// is disabled.
var errToken = tepat.Reasonf(tepat.EUNAUTHORIZED, "TOKEN_TIDAK_VALID", "token tidak valid, kedaluwarsa, atau dicabut")

// TokenActor returns the actor behind an API token secret.
func (s *Store) TokenActor(ctx context.Context, secret string) (*tepat.Actor, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, errToken
	}
	var userID int64
	var expires time.Time
	var revoked, lastUsed *time.Time
	err := s.DB.QueryRow(ctx, `SELECT user_id, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = $1`,
		hashSecret(secret)).Scan(&userID, &expires, &revoked, &lastUsed)
	if err != nil {
		if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
			return nil, errToken
		}
		return nil, err
	}
	now := s.now()
	if revoked != nil || now.After(expires) {
		return nil, errToken
	}
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, errToken
	}
	if lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		if _, err := s.DB.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1`, hashSecret(secret), now); err != nil {
			return nil, err
		}
	}
	return u.Actor(), nil
}

// ListTokens returns the tokens of username (all users' for "" and an admin).
func (s *Store) ListTokens(ctx context.Context, username string) ([]Token, error) {
	a := tepat.ActorFrom(ctx)
	if a == nil || ((username == "" || username != a.Username) && !Can(a, PermUserManage)) {
		return nil, Require(a, PermUserManage)
	}
	rows, err := s.DB.Query(ctx, `SELECT t.id, u.username, t.name, t.created_at, t.expires_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE ($1 = '' OR u.username = $1) ORDER BY t.id`, username)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Username, &t.Name, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
