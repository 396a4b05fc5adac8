package main

import (
	"strings"
	"testing"
)

// entry_*.s copies exactly five shield entries and pads them to an even
// count; each must be a NUL-terminated NAME=VALUE the runtime can match.
func TestRuntimeShieldLayout(t *testing.T) {
	if len(runtimeShield) != 5 || entryShieldSlots%2 != 0 {
		t.Fatalf("%d shield entries in %d slots: entry_*.s copies 5 into 6", len(runtimeShield), entryShieldSlots)
	}
	for _, s := range runtimeShield {
		name, _, ok := strings.Cut(s, "=")
		if !ok || name == "" || strings.IndexByte(s, 0) != len(s)-1 {
			t.Errorf("shield entry %q is not NAME=VALUE ending in one NUL", s)
		}
	}
}
