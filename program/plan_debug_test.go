package program

import (
	"os"
	"strings"
	"testing"
)

func TestPrintSQL(t *testing.T) {
	if os.Getenv("PRINT_SQL") == "" {
		t.Skip()
	}
	f, _ := os.Open("../programs/2019.yaml")
	c, err := ParseCatalog(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Programs {
		if p.Code == os.Getenv("PRINT_SQL") {
			os.WriteFile("/tmp/q.sql", []byte(strings.ReplaceAll(p.entitlementSelect(1, 20190101), "$1", "1")), 0o644)
		}
	}
}
