// Command gen is the household-generation benchmark scenario: it writes
// synthetic families with synth.WriteHouseholds and reports throughput and
// peak memory. See README.md.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"tepat/synth"
)

func main() {
	families := flag.Int64("families", 1_000_000, "number of families to write")
	seed := flag.Uint64("seed", 1, "random seed")
	regionCode := flag.String("region", "", "limit to a province, regency or district code")
	out := flag.String("out", "", "output file (default: discard)")
	flag.Parse()

	var w io.Writer = io.Discard
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	cw := &countingWriter{w: w}
	start := time.Now()
	st, err := synth.WriteHouseholds(cw, synth.Options{Families: *families, Seed: *seed, Region: *regionCode})
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru) // Maxrss is in KiB on Linux
	fmt.Printf("families=%d persons=%d bytes=%d elapsed=%s persons/s=%.0f MB/s=%.1f maxrss_mib=%.1f\n",
		st.Families, st.Persons, cw.n, elapsed.Round(time.Millisecond),
		float64(st.Persons)/elapsed.Seconds(), float64(cw.n)/elapsed.Seconds()/1e6, float64(ru.Maxrss)/1024)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
