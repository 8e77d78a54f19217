package web

import "testing"

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	for key := range messages[langID] {
		if _, ok := messages[langEN][key]; !ok {
			t.Errorf("%q has no English text", key)
		}
	}
	for key := range messages[langEN] {
		if _, ok := messages[langID][key]; !ok {
			t.Errorf("%q has no Indonesian text", key)
		}
	}
}
