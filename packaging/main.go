// Command packaging turns the release binaries of dumb-init into signed
// .deb, .rpm and .apk packages (with nfpm used as a library), into signed
// local apt and apk repositories, and into a multi-arch container image
// (with go-containerregistry). It lives in its own module so nfpm never
// reaches the init.
//
//	packaging keygen -dir KEYS                (a throwaway key set)
//	packaging export-keys -keys KEYS -out DIR (the public halves)
//	packaging packages -config packaging/nfpm.yaml -version 1.2.5 -bin DIR -man F -changelog F -keys KEYS -out DIR
//	packaging apt-repo -dir DIR -keys KEYS
//	packaging apk-repo -dir DIR -out DIR -keys KEYS
//	packaging sign -keys KEYS -in FILE -out FILE.asc
//	packaging apk-install -repo DIR -arch x86_64 -root DIR   (test client)
//	packaging image -version 1.2.5 -revision COMMIT -source URL -bin DIR -license FILE -out DIR
//	packaging elf-machine FILE...
package main

import (
	"fmt"
	"os"
)

func usage() {
	fmt.Fprintln(os.Stderr, "usage: packaging keygen|export-keys|packages|apt-repo|apk-repo|sign|apk-install|image|elf-machine [flags]")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "keygen":
		err = cmdKeygen(args)
	case "export-keys":
		err = cmdExportKeys(args)
	case "sign":
		err = cmdSign(args)
	case "packages":
		err = cmdPackages(args)
	case "apt-repo":
		err = cmdAptRepo(args)
	case "apk-repo":
		err = cmdApkRepo(args)
	case "apk-install":
		err = cmdApkInstall(args)
	case "image":
		err = cmdImage(args)
	case "elf-machine":
		err = cmdElfMachine(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "packaging %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
