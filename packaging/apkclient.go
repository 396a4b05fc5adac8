package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chainguard-dev/go-apk/pkg/apk"
	apkfs "github.com/chainguard-dev/go-apk/pkg/fs"
)

// cmdApkInstall plays the part of `apk add --repository REPO dumb-init`
// (no --allow-untrusted) against a scratch root: Debian has no apk-tools.
// go-apk resolves the name through APKINDEX.tar.gz, verifying the index's
// signature with the keys in ROOT/etc/apk/keys, and installs the package
// as a client would. go-apk does not check packages, so before it installs
// them every resolved package is checked as apk-tools checks it (see
// apkverify.go), and the index once more with apk-tools' key lookup.
func cmdApkInstall(args []string) error {
	fs := flag.NewFlagSet("apk-install", flag.ExitOnError)
	repo := fs.String("repo", "", "apk repository directory (holding <arch>/APKINDEX.tar.gz)")
	arch := fs.String("arch", "", "Alpine architecture")
	root := fs.String("root", "", "directory to install into (keys in ROOT/etc/apk/keys)")
	pkg := fs.String("pkg", "dumb-init", "package name to install")
	fs.Parse(args)
	if *repo == "" || *arch == "" || *root == "" {
		return fmt.Errorf("-repo, -arch and -root are required")
	}
	repoDir, err := filepath.Abs(*repo)
	if err != nil {
		return err
	}
	keysDir := filepath.Join(*root, "etc/apk/keys")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := apk.New(apk.WithFS(apkfs.DirFS(*root)), apk.WithArch(*arch),
		apk.WithIgnoreMknodErrors(true))
	if err != nil {
		return err
	}
	// InitDB refuses an already initialised root.
	if _, err := os.Stat(filepath.Join(*root, "lib/apk/db/installed")); err != nil {
		if err := a.InitDB(ctx); err != nil {
			return fmt.Errorf("init db: %w", err)
		}
	}
	if err := a.SetRepositories(ctx, []string{repoDir}); err != nil {
		return err
	}
	if err := a.SetWorld(ctx, []string{*pkg}); err != nil {
		return err
	}
	toInstall, _, err := a.ResolveWorld(ctx)
	if err != nil {
		return err
	}
	index, err := os.ReadFile(apk.IndexURL(repoDir, *arch))
	if err != nil {
		return err
	}
	if err := verifyIndex(keysDir, index); err != nil {
		return fmt.Errorf("%s: %w", apk.IndexURL(repoDir, *arch), err)
	}
	for _, p := range toInstall {
		b, err := os.ReadFile(p.URL())
		if err != nil {
			return err
		}
		if err := verifyPackage(keysDir, b, p.Checksum); err != nil {
			return fmt.Errorf("%s: %w", p.Filename(), err)
		}
	}
	epoch := time.Unix(0, 0)
	if err := a.FixateWorld(ctx, &epoch); err != nil {
		return err
	}
	installed, err := a.GetInstalled()
	if err != nil {
		return err
	}
	for _, p := range installed {
		fmt.Printf("installed %s-%s %s\n", p.Name, p.Version, p.Arch)
	}
	return nil
}
