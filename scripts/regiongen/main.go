// Command regiongen rebuilds region/wilayah.tsv.gz, the embedded list of
// Indonesia's region codes, from the CSV files of the npm package
// idn-area-data. Run it through scripts/regen-regions.sh, which fetches the
// pinned package version first.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	src := flag.String("src", "", "the data/ directory of the idn-area-data package")
	out := flag.String("out", "region/wilayah.tsv.gz", "output file")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "regiongen:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	var rows [][2]string
	for _, name := range []string{"provinces", "regencies", "districts", "villages"} {
		f, err := os.Open(filepath.Join(src, name+".csv"))
		if err != nil {
			return err
		}
		r := csv.NewReader(f)
		header, err := r.Read()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		nameCol := len(header) - 1
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			} else if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			code, n := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[nameCol])
			if strings.ContainsAny(n, "\t\n") {
				return fmt.Errorf("%s: name of %s contains a tab or newline", name, code)
			}
			rows = append(rows, [2]string{code, n})
		}
		f.Close()
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i][0] < rows[j][0] })

	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	w := bufio.NewWriter(zw)
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\n", r[0], r[1])
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
