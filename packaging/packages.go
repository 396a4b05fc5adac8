package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/apk"
	_ "github.com/goreleaser/nfpm/v2/deb"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

// Arches maps GOARCH to the `uname -m` name upstream uses for raw binaries
// (and that wheels use); the package formats map GOARCH themselves.
var Arches = []struct{ GOARCH, Machine string }{
	{"amd64", "x86_64"},
	{"arm64", "aarch64"},
	{"ppc64le", "ppc64le"},
	{"s390x", "s390x"},
}

// formatTweaks holds what nfpm's YAML cannot override per format: the parts
// of the version string and the changelog source.
var formatTweaks = map[string]struct {
	Release, Prerelease, VersionMetadata string
	// Changelog is nfpm's chglog YAML. Not used for deb: nfpm would write it
	// as changelog.Debian.gz, which lintian rejects for a native package.
	Changelog string
	// OneLineDescription: apk's .PKGINFO has no continuation lines, and
	// apk parsers reject nfpm's indented multi-line output.
	OneLineDescription bool
	// ProseDescription: rpm shows the summary separately and renders the
	// description as it is, so it gets the long text without the synopsis
	// line and with blank lines instead of Debian's " ." separators.
	ProseDescription bool
	// FileName builds the asset name; nil means nfpm's conventional name.
	FileName func(name, version, debArch string) string
}{
	// Debian ships dumb-init 1.2.5-2, which sorts above a plain 1.2.5. The
	// "+go1" suffix sorts above every 1.2.5-N but below 1.2.6, so apt picks
	// this build now and still takes a later upstream release.
	"deb": {VersionMetadata: "go1", FileName: func(n, v, a string) string {
		// upstream's asset names carry the plain version
		return fmt.Sprintf("%s_%s_%s.deb", n, v, a)
	}},
	"rpm": {Release: "1", Changelog: "packaging/rpm/changelog.yaml", ProseDescription: true},
	// Alpine ships 1.2.5-r3; a _p (patch) suffix sorts above every 1.2.5-rN.
	"apk": {Prerelease: "p1", Release: "0", OneLineDescription: true},
}

// Formats is the build order; it also fixes the order of the asset list.
var Formats = []string{"deb", "rpm", "apk"}

func cmdPackages(args []string) error {
	fs := flag.NewFlagSet("packages", flag.ExitOnError)
	config := fs.String("config", "packaging/nfpm.yaml", "nfpm configuration")
	version := fs.String("version", "", "package version (from VERSION)")
	binDir := fs.String("bin", "", "directory holding dumb-init_VERSION_<uname -m>")
	man := fs.String("man", "", "gzipped man page")
	changelog := fs.String("changelog", "", "gzipped Debian changelog")
	out := fs.String("out", "", "output directory")
	keyDir := fs.String("keys", "", "signing key directory (rpm and apk are signed)")
	fs.Parse(args)
	if *version == "" || *binDir == "" || *man == "" || *changelog == "" || *out == "" {
		return fmt.Errorf("-version, -bin, -man, -changelog and -out are required")
	}
	mtime, err := sourceDate()
	if err != nil {
		return err
	}
	keys, err := loadKeys(*keyDir)
	if err != nil {
		return err
	}
	for _, a := range Arches {
		bin := filepath.Join(*binDir, fmt.Sprintf("dumb-init_%s_%s", *version, a.Machine))
		if _, err := os.Stat(bin); err != nil {
			return err
		}
		env := map[string]string{
			"GOARCH": a.GOARCH, "VERSION": *version, "BINARY": bin,
			"MANPAGE": *man, "DEB_CHANGELOG": *changelog,
		}
		for _, format := range Formats {
			name, err := buildPackage(*config, format, env, mtime, keys, *out)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", format, a.GOARCH, err)
			}
			fmt.Println(name)
		}
	}
	return nil
}

// sourceDate insists on SOURCE_DATE_EPOCH: without it nfpm stamps the
// current time into every header and the release is not reproducible.
func sourceDate() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH is not set")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
	}
	return time.Unix(n, 0).UTC(), nil
}

func buildPackage(config, format string, env map[string]string, mtime time.Time, keys *Keys, out string) (string, error) {
	// Parse afresh for every package: nfpm rewrites Info fields (Arch,
	// Release) in place while packaging, so an Info must never be reused.
	var unknown []string
	cfg, err := nfpm.ParseFileWithEnvMapping(config, func(k string) string {
		v, ok := env[k]
		// nfpm itself asks for its NFPM_* signing passphrases; any other
		// unknown ${VAR} is a typo in the config, not an empty value.
		if !ok && !strings.HasPrefix(k, "NFPM_") {
			unknown = append(unknown, k)
		}
		return v
	})
	if err != nil {
		return "", err
	}
	if len(unknown) > 0 {
		return "", fmt.Errorf("%s: unknown variables %v", config, unknown)
	}
	info, err := cfg.Get(format)
	if err != nil {
		return "", err
	}
	t := formatTweaks[format]
	info.Release, info.Prerelease, info.VersionMetadata = t.Release, t.Prerelease, t.VersionMetadata
	info.Changelog = t.Changelog
	info.MTime = mtime
	if t.OneLineDescription {
		info.Description, _, _ = strings.Cut(info.Description, "\n")
	}
	if t.ProseDescription {
		info.Description = proseDescription(info.Description)
	}
	// rpm's signature header holds an OpenPGP signature of the header and
	// of header+payload; apk's first gzip member an RSA signature of the
	// control member's SHA-1, named after the public key apk looks up.
	// debs stay unsigned, as Debian's are: apt trusts the signed index.
	info.RPM.Signature.SignFn = keys.DetachSign
	info.APK.Signature.SignFn = func(digest io.Reader) ([]byte, error) {
		d, err := io.ReadAll(digest)
		if err != nil {
			return nil, err
		}
		return keys.APKSignDigest(d)
	}
	info.APK.Signature.KeyName = apkKeyName
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", err
	}
	p, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	name := p.ConventionalFileName(info)
	if t.FileName != nil {
		name = t.FileName(info.Name, env["VERSION"], info.Arch)
	}
	path := filepath.Join(out, name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := p.Package(info, f); err != nil {
		f.Close()
		return "", err
	}
	return name, f.Close()
}

// proseDescription turns a Debian-style description (synopsis line, then
// paragraphs separated by " ." lines) into the long text alone, paragraphs
// separated by blank lines.
func proseDescription(d string) string {
	_, long, _ := strings.Cut(d, "\n")
	lines := strings.Split(long, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "." {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}
