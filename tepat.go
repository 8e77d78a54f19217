// Package tepat holds what every part of Tepat shares: the domain error type,
// the acting user carried in a context, and build information.
package tepat

// Build information, set with -ldflags at release time.
var (
	Version = "dev"
	Commit  = "unknown"
)
