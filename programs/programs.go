// Package programs embeds the default program catalogs (one YAML file per
// year) so that the binary can apply them anywhere, as the demo does.
// docs/programs.md gives the sources of their figures.
package programs

import "embed"

// FS holds the catalogs (2019.yaml, 2020.yaml, …) and reference prices
// for the demo (harga-acuan-2019.csv: provinsi,kategori,satuan,harga).
//
//go:embed *.yaml *.csv
var FS embed.FS
