package main

import (
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// testKeys makes a throwaway key set in a temporary directory.
func testKeys(t *testing.T) (*Keys, string) {
	t.Helper()
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir()
	if err := cmdKeygen([]string{"-dir", dir}); err != nil {
		t.Fatal(err)
	}
	k, err := loadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	return k, dir
}

func TestSignaturesAreDeterministicAndVerify(t *testing.T) {
	k, _ := testKeys(t)
	msg := []byte("Origin: dumb-init\nLabel: dumb-init\n")
	a, err := k.ArmoredDetachSign(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.ArmoredDetachSign(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two signatures of the same data differ")
	}
	ring := openpgp.EntityList{k.PGP}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(msg), bytes.NewReader(a), nil); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	bad := append([]byte("X"), msg...)
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(bad), bytes.NewReader(a), nil); err == nil {
		t.Fatal("signature verifies for other data")
	}
	cs, err := k.ClearSign(msg)
	if err != nil {
		t.Fatal(err)
	}
	// gpg 2.2 needs the CRC line (see withArmorChecksum).
	if !bytes.Contains(cs, []byte("\n=")) || !bytes.HasSuffix(cs, []byte("-----END PGP SIGNATURE-----\n")) {
		t.Fatalf("clearsigned message without armor checksum:\n%s", cs)
	}
}

func TestPublicPacketsHoldNoSecret(t *testing.T) {
	k, dir := testKeys(t)
	if bytes.Contains(k.pgpPublic, []byte("PRIVATE")) {
		t.Fatal("armor in the public key")
	}
	ents, err := openpgp.ReadKeyRing(bytes.NewReader(k.pgpPublic))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].PrivateKey != nil {
		t.Fatalf("public export: %d entities, private key %v", len(ents), ents[0].PrivateKey != nil)
	}
	// A public key where the secret one belongs is refused.
	pub := filepath.Join(dir, pgpKeyFile)
	if err := os.WriteFile(pub, k.pgpPublic, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadKeys(dir); err == nil || !strings.Contains(err.Error(), "holds a public key") {
		t.Fatalf("loadKeys with a public key: %v", err)
	}
}

func TestAPKIndexSignatureChecks(t *testing.T) {
	k, _ := testKeys(t)
	other, _ := testKeys(t)
	var index bytes.Buffer
	zw := gzip.NewWriter(&index)
	zw.Write([]byte("C:Q1...\nP:dumb-init\n"))
	zw.Close()
	date, err := sourceDate()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := k.APKSignIndex(index.Bytes(), date)
	if err != nil {
		t.Fatal(err)
	}
	keysDir := t.TempDir()
	if err := verifyIndex(keysDir, signed); !errors.Is(err, errUntrusted) {
		t.Fatalf("no key: got %v, want UNTRUSTED", err)
	}
	writePub(t, keysDir, other)
	if err := verifyIndex(keysDir, signed); !errors.Is(err, errBadSig) {
		t.Fatalf("another key under our name: got %v, want BAD signature", err)
	}
	writePub(t, keysDir, k)
	if err := verifyIndex(keysDir, signed); err != nil {
		t.Fatalf("right key: %v", err)
	}
	// Another well-formed index under the same signature.
	var evil bytes.Buffer
	zw = gzip.NewWriter(&evil)
	zw.Write([]byte("C:Q1...\nP:dumb-evil\n"))
	zw.Close()
	tampered := append(append([]byte{}, signed[:len(signed)-index.Len()]...), evil.Bytes()...)
	if err := verifyIndex(keysDir, tampered); !errors.Is(err, errBadSig) {
		t.Fatalf("tampered index: got %v, want BAD signature", err)
	}
}

func writePub(t *testing.T, dir string, k *Keys) {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.APK.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, apkKeyName), p, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestProseDescription(t *testing.T) {
	got := proseDescription("synopsis\nfirst para\n .\nsecond para")
	if want := "first para\n\nsecond para"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
