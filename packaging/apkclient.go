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

// cmdApkInstall plays the part of `apk add --allow-untrusted --repository
// REPO dumb-init` against a scratch root: Debian has no apk-tools, and
// go-apk resolves the name through APKINDEX.tar.gz and installs the package
// exactly as a client would. It checks the index and package formats, not
// Alpine's signatures (the repository is unsigned, like --allow-untrusted).
func cmdApkInstall(args []string) error {
	fs := flag.NewFlagSet("apk-install", flag.ExitOnError)
	repo := fs.String("repo", "", "apk repository directory (holding <arch>/APKINDEX.tar.gz)")
	arch := fs.String("arch", "", "Alpine architecture")
	root := fs.String("root", "", "empty directory to install into")
	pkg := fs.String("pkg", "dumb-init", "package name to install")
	fs.Parse(args)
	if *repo == "" || *arch == "" || *root == "" {
		return fmt.Errorf("-repo, -arch and -root are required")
	}
	repoDir, err := filepath.Abs(*repo)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := apk.New(apk.WithFS(apkfs.DirFS(*root)), apk.WithArch(*arch),
		apk.WithIgnoreMknodErrors(true), apk.WithNoSignatureIndexes(repoDir))
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
