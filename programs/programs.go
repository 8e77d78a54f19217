// Package programs embeds the default program catalogs (one YAML file per
// year) so that the binary can apply them anywhere, as the demo does.
// docs/programs.md gives the sources of their figures.
package programs

import "embed"

// FS holds the catalogs: 2019.yaml, 2020.yaml, …
//
//go:embed *.yaml
var FS embed.FS
