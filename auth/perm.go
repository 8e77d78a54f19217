// Package auth decides who may do what, where: users with a role and a
// scope, web sessions, API tokens, and the permission table. Business rules
// about access live here once; capability packages ask Can and scope their
// queries with the actor's region scope.
package auth

import (
	"tepat"
)

// Permission names one kind of action.
type Permission string

// Permissions. Add one here and give it roles in grants; docs/security.md
// lists the same table.
const (
	PermUserManage    Permission = "user.manage"        // add, disable users; tokens for others
	PermAuditRead     Permission = "audit.read"         // read the audit log
	PermRegistryRead  Permission = "registry.read"      // families and persons (masked)
	PermRegistryWrite Permission = "registry.write"     // import, change families
	PermRevealPII     Permission = "pii.reveal"         // show a full NIK or KK number (audited)
	PermStatsRead     Permission = "stats.read"         // aggregated figures
	PermExport        Permission = "data.export"        // export lists (audited)
	PermPropose       Permission = "proposal.create"    // propose a registry change (usulan)
	PermVerify        Permission = "proposal.verify"    // verify or reject a proposal of one's region (verval)
	PermDetermine     Permission = "proposal.determine" // determine a verified proposal (penetapan)
)

// PermSnapshot allows freezing the registry as a named snapshot (penetapan).
const PermSnapshot Permission = "registry.snapshot"

// PermProgramManage allows applying the program catalog, setting quotas
// and budgets, and creating, generating, cancelling and closing cycles.
const PermProgramManage Permission = "program.manage"

// PermCycleApprove allows approving a generated cycle, never one the same
// user generated (two people).
const PermCycleApprove Permission = "cycle.approve"

// PermResolveDuplicate allows deciding on a possible duplicate: keep both,
// or remove one person from the registry (audited).
const PermResolveDuplicate Permission = "duplicate.resolve"

// PermPayoutManage allows setting bank routes, exporting a cycle's payout
// files (instructions to the banks), re-issuing failed payments and
// storing a cycle's reconciliation.
const PermPayoutManage Permission = "payout.manage"

// PermAccountManage allows requesting and loading KKS accounts; a bank
// user only for their own bank.
const PermAccountManage Permission = "account.manage"

// PermPayoutReport allows loading a bank's crediting report; a bank user
// only for their own bank.
const PermPayoutReport Permission = "payout.report"

// PermPayoutReconcile allows reconciling a cycle within one's scope:
// region for dinsos, bank for bank users, national for pusat and auditor.
const PermPayoutReconcile Permission = "payout.reconcile"

// PermMerchantManage allows adding and disabling e-Warong merchants of
// one's region (pusat: national).
const PermMerchantManage Permission = "merchant.manage"

// PermTerminalManage allows registering and revoking EDC terminals of
// merchants in one's scope (region for dinsos, bank for bank users), and
// blocking or unblocking KKS cards (a bank user: its own bank's cards).
const PermTerminalManage Permission = "terminal.manage"

// PermLedgerRead allows reading merchants, terminals, sales, settlements,
// wallet balances and price flags within one's scope: region for dinsos,
// bank for bank users, own merchants for e-Warong users.
const PermLedgerRead Permission = "ledger.read"

// PermLedgerManage allows crediting wallets from a reconciled cycle,
// expiring unspent balances, settling a day and loading reference prices.
const PermLedgerManage Permission = "ledger.manage"

// grants is the permission table: which roles hold each permission. The
// system actor holds all of them.
var grants = map[Permission][]tepat.Role{
	PermUserManage:       {tepat.RoleAdmin},
	PermAuditRead:        {tepat.RoleAdmin, tepat.RoleAuditor},
	PermRegistryRead:     {tepat.RolePusat, tepat.RoleDinsos, tepat.RolePendamping, tepat.RoleAuditor, tepat.RoleSatgas},
	PermRegistryWrite:    {tepat.RolePusat, tepat.RoleDinsos, tepat.RolePendamping},
	PermRevealPII:        {tepat.RolePusat, tepat.RoleDinsos, tepat.RolePendamping, tepat.RoleAuditor},
	PermStatsRead:        tepat.Roles,
	PermExport:           {tepat.RolePusat, tepat.RoleDinsos, tepat.RoleAuditor},
	PermSnapshot:         {tepat.RolePusat},
	PermPropose:          {tepat.RoleDinsos, tepat.RolePendamping},
	PermVerify:           {tepat.RoleDinsos},
	PermDetermine:        {tepat.RolePusat},
	PermResolveDuplicate: {tepat.RoleDinsos},
	PermProgramManage:    {tepat.RolePusat},
	PermCycleApprove:     {tepat.RolePusat},
	PermPayoutManage:     {tepat.RolePusat},
	PermAccountManage:    {tepat.RolePusat, tepat.RoleBank},
	PermPayoutReport:     {tepat.RolePusat, tepat.RoleBank},
	PermPayoutReconcile:  {tepat.RolePusat, tepat.RoleDinsos, tepat.RoleBank, tepat.RoleAuditor},
	PermMerchantManage:   {tepat.RolePusat, tepat.RoleDinsos},
	PermTerminalManage:   {tepat.RolePusat, tepat.RoleDinsos, tepat.RoleBank},
	PermLedgerRead:       {tepat.RolePusat, tepat.RoleDinsos, tepat.RoleBank, tepat.RoleEWarong, tepat.RoleAuditor, tepat.RoleSatgas},
	PermLedgerManage:     {tepat.RolePusat},
}

// Can reports whether a may act with permission p. A nil actor may nothing.
func Can(a *tepat.Actor, p Permission) bool {
	if a == nil {
		return false
	}
	if a.Role == tepat.RoleSystem {
		return true
	}
	for _, r := range grants[p] {
		if r == a.Role {
			return true
		}
	}
	return false
}

// Require returns nil if the actor in ctx may act with p, EUNAUTHORIZED if
// there is no actor, and EFORBIDDEN otherwise.
func Require(a *tepat.Actor, p Permission) error {
	if a == nil {
		return tepat.Reasonf(tepat.EUNAUTHORIZED, "BELUM_MASUK", "silakan masuk terlebih dahulu")
	}
	if !Can(a, p) {
		return tepat.Reasonf(tepat.EFORBIDDEN, "TIDAK_BERWENANG", "peran %s tidak berwenang untuk %s", a.Role, p)
	}
	return nil
}

// Grants returns the roles that hold p, for documentation and pages.
func Grants(p Permission) []tepat.Role { return grants[p] }

// AllPermissions lists the permissions in a stable order.
var AllPermissions = []Permission{PermUserManage, PermAuditRead, PermRegistryRead, PermRegistryWrite, PermRevealPII, PermStatsRead, PermExport, PermSnapshot,
	PermPropose, PermVerify, PermDetermine, PermResolveDuplicate, PermProgramManage, PermCycleApprove,
	PermPayoutManage, PermAccountManage, PermPayoutReport, PermPayoutReconcile,
	PermMerchantManage, PermTerminalManage, PermLedgerRead, PermLedgerManage}
