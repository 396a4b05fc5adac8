package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The checks of apk-tools 2 that go-apk leaves out, so that the test client
// refuses what `apk add` (without --allow-untrusted) refuses: the
// signature's key is looked up by the name in the signature file among the
// root's etc/apk/keys, a package's control member must hash to the index's
// C: checksum, and its data member to the datahash its .PKGINFO declares.

var (
	errUntrusted = errors.New("UNTRUSTED signature")
	errBadSig    = errors.New("BAD signature")
)

// gzipMembers splits a file of concatenated gzip members (an .apk, a signed
// APKINDEX.tar.gz) into the raw bytes of each member.
func gzipMembers(b []byte) ([][]byte, error) {
	var members [][]byte
	r := bytes.NewReader(b)
	for r.Len() > 0 {
		start := len(b) - r.Len()
		// bytes.Reader is an io.ByteReader, so gzip reads no further than
		// the end of the member.
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip member %d: %w", len(members), err)
		}
		zr.Multistream(false)
		if _, err := io.Copy(io.Discard, zr); err != nil {
			return nil, fmt.Errorf("gzip member %d: %w", len(members), err)
		}
		members = append(members, b[start:len(b)-r.Len()])
	}
	return members, nil
}

// verifySignatureMember checks an abuild signature member against the
// bytes it signs. It returns errUntrusted when the member is no signature
// or names a key the root does not have, errBadSig when the key does not
// verify it.
func verifySignatureMember(keysDir string, sigMember, signed []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(sigMember))
	if err != nil {
		return err
	}
	tr := tar.NewReader(zr)
	h, err := tr.Next()
	if err != nil {
		return fmt.Errorf("%w (no signature: %v)", errUntrusted, err)
	}
	var hash crypto.Hash
	var keyName string
	switch {
	case strings.HasPrefix(h.Name, ".SIGN.RSA256."):
		hash, keyName = crypto.SHA256, strings.TrimPrefix(h.Name, ".SIGN.RSA256.")
	case strings.HasPrefix(h.Name, ".SIGN.RSA."):
		hash, keyName = crypto.SHA1, strings.TrimPrefix(h.Name, ".SIGN.RSA.")
	default:
		return fmt.Errorf("%w (first entry is %q, not a signature)", errUntrusted, h.Name)
	}
	sig, err := io.ReadAll(tr)
	if err != nil {
		return err
	}
	if keyName == "" || strings.ContainsRune(keyName, '/') {
		return fmt.Errorf("%w (bad key name %q)", errUntrusted, keyName)
	}
	pemBytes, err := os.ReadFile(filepath.Join(keysDir, keyName))
	if err != nil {
		return fmt.Errorf("%w (key %s: %v)", errUntrusted, keyName, err)
	}
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		return fmt.Errorf("%w (key %s is not PEM)", errUntrusted, keyName)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return fmt.Errorf("%w (key %s: %v)", errUntrusted, keyName, err)
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w (key %s is not RSA)", errUntrusted, keyName)
	}
	hh := hash.New()
	hh.Write(signed)
	if err := rsa.VerifyPKCS1v15(rsaPub, hash, hh.Sum(nil), sig); err != nil {
		return fmt.Errorf("%w (key %s)", errBadSig, keyName)
	}
	return nil
}

// verifyIndex checks a signed APKINDEX.tar.gz: a signature member, then
// the index member it signs.
func verifyIndex(keysDir string, index []byte) error {
	m, err := gzipMembers(index)
	if err != nil {
		return err
	}
	if len(m) < 2 {
		return fmt.Errorf("%w (index is not signed)", errUntrusted)
	}
	return verifySignatureMember(keysDir, m[0], bytes.Join(m[1:], nil))
}

// verifyPackage checks an .apk from a repository: its signature, that its
// control member is the one the index lists (C: is the control member's
// SHA-1), and that its data member is the one the control member declares.
func verifyPackage(keysDir string, apk, indexChecksum []byte) error {
	m, err := gzipMembers(apk)
	if err != nil {
		return err
	}
	if len(m) != 3 {
		return fmt.Errorf("%w (%d gzip members, a signed package has 3)", errUntrusted, len(m))
	}
	sig, control, data := m[0], m[1], m[2]
	if err := verifySignatureMember(keysDir, sig, control); err != nil {
		return err
	}
	if c := sha1.Sum(control); !bytes.Equal(c[:], indexChecksum) {
		return fmt.Errorf("BAD checksum: control member %x, index lists %x", c, indexChecksum)
	}
	want, err := dataHash(control)
	if err != nil {
		return err
	}
	if d := sha256.Sum256(data); hex.EncodeToString(d[:]) != want {
		return fmt.Errorf("BAD checksum: data member %x, .PKGINFO datahash %s", d, want)
	}
	return nil
}

// dataHash returns the datahash field of the control member's .PKGINFO.
func dataHash(control []byte) (string, error) {
	pkginfo, err := tarGzFile(control, ".PKGINFO")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(pkginfo), "\n") {
		if v, ok := strings.CutPrefix(line, "datahash = "); ok {
			return v, nil
		}
	}
	return "", errors.New(".PKGINFO has no datahash")
}
