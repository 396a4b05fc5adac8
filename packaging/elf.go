package main

import (
	"debug/elf"
	"fmt"
)

// cmdElfMachine prints "FILE MACHINE" for each ELF file, so the tests can
// check that every package carries the binary of its own architecture
// without depending on file(1)'s wording.
func cmdElfMachine(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("no files")
	}
	for _, path := range args {
		f, err := elf.Open(path)
		if err != nil {
			return err
		}
		fmt.Printf("%s %s\n", path, f.Machine)
		f.Close()
	}
	return nil
}
