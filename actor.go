package tepat

import (
	"context"
	"strings"
)

// Role is what a user is allowed to do. The set is fixed; see docs/security.md.
type Role string

// The roles of Tepat.
const (
	RoleAdmin      Role = "admin"      // system administrator: users and settings, no PII by default
	RolePusat      Role = "pusat"      // Kemensos central operator: penetapan, cycles, budgets
	RoleDinsos     Role = "dinsos"     // regional social office: one province or regency
	RolePendamping Role = "pendamping" // field facilitator (PKH, TKSK): one or more districts
	RoleBank       Role = "bank"       // one Himbara bank's operator
	RoleEWarong    Role = "ewarong"    // e-Warong owner or operator: its own merchants
	RoleAuditor    Role = "auditor"    // inspectorate: national, read-only, may reveal PII
	RoleSatgas     Role = "satgas"     // Satgas Bansos: read-only on anomalies and complaints
	RoleHumas      Role = "humas"      // public relations: aggregated figures only
	RoleSystem     Role = "system"     // the built-in actor of local CLI commands: everything
)

// Roles lists the roles a user can hold, in display order.
var Roles = []Role{RoleAdmin, RolePusat, RoleDinsos, RolePendamping, RoleBank, RoleEWarong, RoleAuditor, RoleSatgas, RoleHumas}

// ValidRole reports whether r is a role a user can hold.
func ValidRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Actor is who is acting: a user (through a session, a token or --as) or the
// built-in system actor. Regions are dotted region codes the actor reaches
// (empty: national); Bank and Merchants limit the bank and e-Warong roles.
type Actor struct {
	UserID    int64
	Username  string
	Role      Role
	Regions   []string
	Bank      string
	Merchants []string
}

// System is the actor of local CLI commands run without --as: whoever holds
// the database already has everything, so it has national scope.
var System = &Actor{Username: "system", Role: RoleSystem}

// National reports whether the actor's region scope is the whole country.
func (a *Actor) National() bool { return len(a.Regions) == 0 }

// InRegion reports whether the dotted region code lies within the actor's
// region scope. Codes are compared on the dotted boundary, so scope "32.01"
// reaches "32.01.05" but not "32.011".
func (a *Actor) InRegion(code string) bool {
	if a == nil {
		return false
	}
	if a.National() {
		return true
	}
	for _, s := range a.Regions {
		if code == s || strings.HasPrefix(code, s+".") {
			return true
		}
	}
	return false
}

// ScopeString describes the actor's scope for people and the audit log.
func (a *Actor) ScopeString() string {
	var parts []string
	if len(a.Regions) > 0 {
		parts = append(parts, "wilayah "+strings.Join(a.Regions, ","))
	}
	if a.Bank != "" {
		parts = append(parts, "bank "+a.Bank)
	}
	if len(a.Merchants) > 0 {
		parts = append(parts, "e-Warong "+strings.Join(a.Merchants, ","))
	}
	if len(parts) == 0 {
		return "nasional"
	}
	return strings.Join(parts, "; ")
}

type actorKey struct{}

// WithActor returns a context carrying a.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil if there is none. Capability
// packages refuse to act without one.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
