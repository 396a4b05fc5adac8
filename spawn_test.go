package main

import (
	"testing"
	"unsafe"
)

func TestCStrings(t *testing.T) {
	p := cStrings([]string{"a", "", "bc"})
	if len(p) != 4 || p[3] != nil {
		t.Fatalf("not NULL-terminated: %v", p)
	}
	for i, want := range []string{"a", "", "bc"} {
		var got []byte
		for b := p[i]; *b != 0; b = (*byte)(unsafe.Add(unsafe.Pointer(b), 1)) {
			got = append(got, *b)
		}
		if string(got) != want {
			t.Errorf("string %d = %q, want %q", i, got, want)
		}
	}
}
