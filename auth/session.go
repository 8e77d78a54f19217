package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"time"

	"tepat"
	"tepat/audit"
	"tepat/db"
)

// Session lifetimes and login throttling.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	throttleWindow  = 15 * time.Minute
	maxUserFailures = 5  // per user name within the window
	maxIPFailures   = 20 // per client address within the window
)

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// errLogin is the one answer to an unknown user, a wrong password and a
// disabled account, so that none can be told apart.
var errLogin = tepat.Reasonf(tepat.EUNAUTHORIZED, "LOGIN_GAGAL", "nama pengguna atau kata sandi salah")

// NewSession is what a successful login hands to the browser: the session
// secret (for the cookie) and the CSRF token for its forms.
type NewSession struct {
	Token string
	CSRF  string
	User  User
}

// Login checks a user name and password from client address ip and opens a
// session. Failures are recorded for throttling and audited; after too many
// for the name or the address within 15 minutes every attempt is refused
// with LOGIN_DIBATASI until the window passes.
func (s *Store) Login(ctx context.Context, username, password, ip string) (NewSession, error) {
	now := s.now()
	since := now.Add(-throttleWindow)
	var userFails, ipFails int
	if err := s.DB.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at > $3),
			(SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND at > $3)`, username, ip, since).Scan(&userFails, &ipFails); err != nil {
		return NewSession{}, err
	}
	if userFails >= maxUserFailures || ipFails >= maxIPFailures {
		return NewSession{}, tepat.Reasonf(tepat.EUNAUTHORIZED, "LOGIN_DIBATASI",
			"terlalu banyak percobaan masuk yang gagal; coba lagi dalam %d menit", int(throttleWindow.Minutes()))
	}
	u, hash, err := s.userByName(ctx, s.DB, username)
	if err != nil && tepat.ErrorCode(err) != tepat.ENOTFOUND {
		return NewSession{}, err
	}
	found := err == nil
	if !found {
		hash = dummyHash
	}
	ok := CheckPassword(hash, password) && found && !u.Disabled
	if !ok {
		object := "user:" + username
		if !found {
			object = "user:(tidak dikenal)" // what was typed may be personal data
		}
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)`, username, ip, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE at < $1`, now.Add(-24*time.Hour)); err != nil {
				return err
			}
			_, err := audit.Record(tepat.WithActor(ctx, &tepat.Actor{Username: "anonim", Role: "anonim"}), tx,
				"auth.login_failed", object, "", "percobaan masuk gagal dari "+ip)
			return err
		})
		if err != nil {
			return NewSession{}, err
		}
		return NewSession{}, errLogin
	}
	ns := NewSession{Token: randomToken(32), CSRF: randomToken(32), User: u}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $4, $5)`, hashSecret(ns.Token), u.ID, ns.CSRF, now, now.Add(AbsoluteTimeout)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2`, now, now.Add(-IdleTimeout)); err != nil {
			return err
		}
		_, err := audit.Record(tepat.WithActor(ctx, u.Actor()), tx, "auth.login", "user:"+u.Username, firstRegion(u), "masuk dari "+ip)
		return err
	})
	return ns, err
}

// errSession answers any session that is unknown, expired or idle too long.
var errSession = tepat.Reasonf(tepat.EUNAUTHORIZED, "SESI_BERAKHIR", "sesi telah berakhir; silakan masuk lagi")

// SessionActor returns the actor and CSRF token of the session with the
// given secret, and marks it used. Expired, idle and disabled-user sessions
// are refused with SESI_BERAKHIR.
func (s *Store) SessionActor(ctx context.Context, token string) (*tepat.Actor, string, error) {
	if token == "" || len(token) > 100 {
		return nil, "", errSession
	}
	now := s.now()
	var userID int64
	var csrf string
	var lastSeen, expires time.Time
	err := s.DB.QueryRow(ctx, `SELECT user_id, csrf_token, last_seen_at, expires_at FROM sessions WHERE token_hash = $1`,
		hashSecret(token)).Scan(&userID, &csrf, &lastSeen, &expires)
	if err != nil {
		if tepat.ErrorCode(db.Translate(err)) == tepat.ENOTFOUND {
			return nil, "", errSession
		}
		return nil, "", err
	}
	if now.After(expires) || now.Sub(lastSeen) > IdleTimeout {
		s.DB.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashSecret(token))
		return nil, "", errSession
	}
	u, err := s.userByID(ctx, userID)
	if err != nil {
		return nil, "", err
	}
	if u.Disabled {
		return nil, "", errSession
	}
	// Writing on every request would make reads into writes; a minute's
	// precision is plenty for a 30-minute idle timeout.
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.DB.Exec(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1`, hashSecret(token), now); err != nil {
			return nil, "", err
		}
	}
	return u.Actor(), csrf, nil
}

// CheckCSRF compares a form's token with the session's in constant time.
func CheckCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// Logout ends the session with the given secret; audited.
func (s *Store) Logout(ctx context.Context, token string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashSecret(token))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		a := tepat.ActorFrom(ctx)
		name := ""
		if a != nil {
			name = a.Username
		}
		_, err = audit.Record(ctx, tx, "auth.logout", fmt.Sprintf("user:%s", name), "", "keluar")
		return err
	})
}
