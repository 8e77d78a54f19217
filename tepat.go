// Package tepat holds what every part of Tepat shares: the domain error type,
// the acting user carried in a context, and build information.
package tepat

import "runtime/debug"

// Build information, set with -ldflags at release time:
//
//	go build -ldflags "-X tepat.Version=1.0.0 -X tepat.Commit=$(git rev-parse --short HEAD)" ./cmd/tepat
//
// Without them, Commit falls back to the VCS revision Go stamped into the
// binary, if any.
var (
	Version = "dev"
	Commit  = "unknown"
)

func init() {
	if Commit != "unknown" {
		return
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			Commit = s.Value[:12]
		}
	}
}
