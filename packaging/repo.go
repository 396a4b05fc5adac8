package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chainguard-dev/go-apk/pkg/apk"
)

// cmdAptRepo writes a signed flat apt repository (Packages, Packages.gz,
// Release, InRelease, Release.gpg) for the .deb files in -dir. It is done
// here rather than with dpkg-scanpackages/apt-ftparchive and gpg so the
// release needs no dpkg-dev or gpg-agent, the Release date comes from
// SOURCE_DATE_EPOCH and the signatures are deterministic.
func cmdAptRepo(args []string) error {
	fs := flag.NewFlagSet("apt-repo", flag.ExitOnError)
	dir := fs.String("dir", "", "directory with the .deb files")
	keyDir := fs.String("keys", "", "signing key directory")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	keys, err := loadKeys(*keyDir)
	if err != nil {
		return err
	}
	date, err := sourceDate()
	if err != nil {
		return err
	}
	debs, err := filepath.Glob(filepath.Join(*dir, "*.deb"))
	if err != nil {
		return err
	}
	if len(debs) == 0 {
		return fmt.Errorf("no .deb files in %s", *dir)
	}
	sort.Strings(debs)
	var pkgs bytes.Buffer
	var arches []string
	for _, deb := range debs {
		data, err := os.ReadFile(deb)
		if err != nil {
			return err
		}
		control, err := debControl(data)
		if err != nil {
			return fmt.Errorf("%s: %w", deb, err)
		}
		for _, line := range strings.Split(control, "\n") {
			if a, ok := strings.CutPrefix(line, "Architecture: "); ok {
				arches = append(arches, a)
			}
		}
		pkgs.WriteString(strings.TrimRight(control, "\n") + "\n")
		fmt.Fprintf(&pkgs, "Filename: ./%s\nSize: %d\n", filepath.Base(deb), len(data))
		fmt.Fprintf(&pkgs, "MD5sum: %s\nSHA1: %s\nSHA256: %s\n\n",
			sum(md5.New(), data), sum(sha1.New(), data), sum(sha256.New(), data))
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(pkgs.Bytes())
	if err := zw.Close(); err != nil {
		return err
	}
	index := []struct {
		name string
		data []byte
	}{{"Packages", pkgs.Bytes()}, {"Packages.gz", gz.Bytes()}}
	var rel bytes.Buffer
	fmt.Fprintf(&rel, "Origin: dumb-init\nLabel: dumb-init\nArchitectures: %s\nDate: %s\n",
		strings.Join(arches, " "), date.Format("Mon, 02 Jan 2006 15:04:05 UTC"))
	for _, h := range []struct {
		field string
		new   func() hash.Hash
	}{{"MD5Sum", md5.New}, {"SHA1", sha1.New}, {"SHA256", sha256.New}} {
		fmt.Fprintf(&rel, "%s:\n", h.field)
		for _, f := range index {
			fmt.Fprintf(&rel, " %s %d %s\n", sum(h.new(), f.data), len(f.data), f.name)
		}
	}
	inRelease, err := keys.ClearSign(rel.Bytes())
	if err != nil {
		return err
	}
	releaseGPG, err := keys.ArmoredDetachSign(bytes.NewReader(rel.Bytes()))
	if err != nil {
		return err
	}
	index = append(index, []struct {
		name string
		data []byte
	}{{"Release", rel.Bytes()}, {"InRelease", inRelease}, {"Release.gpg", releaseGPG}}...)
	for _, f := range index {
		if err := os.WriteFile(filepath.Join(*dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sum(h hash.Hash, b []byte) string {
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// debControl returns the control file of a .deb: an ar archive whose
// control.tar.gz member holds ./control.
func debControl(deb []byte) (string, error) {
	const magic = "!<arch>\n"
	if !bytes.HasPrefix(deb, []byte(magic)) {
		return "", fmt.Errorf("not an ar archive")
	}
	for off := len(magic); off+60 <= len(deb); {
		hdr := deb[off : off+60]
		name := strings.TrimRight(strings.TrimSpace(string(hdr[0:16])), "/")
		var size int
		if _, err := fmt.Sscanf(strings.TrimSpace(string(hdr[48:58])), "%d", &size); err != nil {
			return "", fmt.Errorf("bad ar header: %w", err)
		}
		off += 60
		if off+size > len(deb) {
			return "", fmt.Errorf("truncated ar member %s", name)
		}
		if name == "control.tar.gz" {
			b, err := tarGzFile(deb[off:off+size], "control")
			return string(b), err
		}
		off += size + size%2
	}
	return "", fmt.Errorf("no control.tar.gz member")
}

// tarGzFile returns the file called name ("./name" too) in a .tar.gz.
func tarGzFile(gz []byte, name string) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("no %s: %w", name, err)
		}
		if strings.TrimPrefix(h.Name, "./") == name {
			return io.ReadAll(tr)
		}
	}
}

// cmdApkRepo lays the .apk files of -dir out as an apk repository:
// -out/<arch>/NAME-PKGVER.apk (the path apk clients fetch) plus an
// <arch>/APKINDEX.tar.gz signed as abuild-sign signs it.
func cmdApkRepo(args []string) error {
	fs := flag.NewFlagSet("apk-repo", flag.ExitOnError)
	dir := fs.String("dir", "", "directory with the .apk files")
	out := fs.String("out", "", "repository directory")
	keyDir := fs.String("keys", "", "signing key directory")
	fs.Parse(args)
	if *dir == "" || *out == "" {
		return fmt.Errorf("-dir and -out are required")
	}
	keys, err := loadKeys(*keyDir)
	if err != nil {
		return err
	}
	mtime, err := sourceDate()
	if err != nil {
		return err
	}
	apks, err := filepath.Glob(filepath.Join(*dir, "*.apk"))
	if err != nil {
		return err
	}
	if len(apks) == 0 {
		return fmt.Errorf("no .apk files in %s", *dir)
	}
	sort.Strings(apks)
	byArch := map[string][]*apk.Package{}
	for _, path := range apks {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		p, err := apk.ParsePackage(context.Background(), bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		archDir := filepath.Join(*out, p.Arch)
		if err := os.MkdirAll(archDir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(archDir, p.Filename()), data, 0o644); err != nil {
			return err
		}
		byArch[p.Arch] = append(byArch[p.Arch], p)
	}
	for arch, pkgs := range byArch {
		r, err := apk.ArchiveFromIndex(&apk.APKIndex{Description: "dumb-init", Packages: pkgs})
		if err != nil {
			return err
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if b, err = keys.APKSignIndex(b, mtime); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(*out, arch, "APKINDEX.tar.gz"), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
