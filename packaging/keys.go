package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// The key directory (DUMB_INIT_SIGNING_KEYS) holds two unencrypted private
// keys; the release machine is expected to keep them somewhere like a tmpfs.
const (
	// OpenPGP secret key (armored or binary) for apt, rpm and sha256sums.
	pgpKeyFile = "openpgp.asc"
	// PEM RSA private key for apk (abuild's NAME.rsa). apk finds the public
	// half by the name in the signature, so it is always "dumb-init".
	apkKeyFile = "dumb-init.rsa"
	apkKeyName = "dumb-init.rsa.pub"
)

// Public halves in dist/keys, under the names apt, rpm and apk users expect.
const (
	aptKeyringFile = "dumb-init-archive-keyring.gpg"
	rpmKeyFile     = "RPM-GPG-KEY-dumb-init"
)

// Keys is a loaded signing key set.
type Keys struct {
	PGP *openpgp.Entity
	// pgpPublic is the public key exported from the secret key file packet
	// by packet, in the file's order (go-crypto's Serialize walks a map of
	// identities, which would make dist/keys differ between runs).
	pgpPublic []byte
	APK       *rsa.PrivateKey
}

func loadKeys(dir string) (*Keys, error) {
	if dir == "" {
		return nil, errors.New("no key directory given (-keys)")
	}
	raw, err := os.ReadFile(filepath.Join(dir, pgpKeyFile))
	if err != nil {
		return nil, fmt.Errorf("OpenPGP signing key: %w", err)
	}
	bin, err := dearmor(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pgpKeyFile, err)
	}
	ents, err := openpgp.ReadKeyRing(bytes.NewReader(bin))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pgpKeyFile, err)
	}
	if len(ents) != 1 {
		return nil, fmt.Errorf("%s: want exactly one key, found %d", pgpKeyFile, len(ents))
	}
	ent := ents[0]
	if ent.PrivateKey == nil {
		return nil, fmt.Errorf("%s holds a public key; the secret key is needed", pgpKeyFile)
	}
	t, err := signingTime(ent)
	if err != nil {
		return nil, err
	}
	signer, ok := ent.SigningKey(t)
	if !ok || signer.PrivateKey == nil {
		return nil, fmt.Errorf("%s: no usable signing key", pgpKeyFile)
	}
	if signer.PrivateKey.Encrypted {
		return nil, fmt.Errorf("%s is passphrase-protected; give the release an unencrypted copy", pgpKeyFile)
	}
	pub, err := publicPackets(bin)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pgpKeyFile, err)
	}
	apk, err := loadRSAKey(filepath.Join(dir, apkKeyFile))
	if err != nil {
		return nil, err
	}
	return &Keys{PGP: ent, pgpPublic: pub, APK: apk}, nil
}

func dearmor(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(b), []byte("-----BEGIN PGP")) {
		return b, nil
	}
	blk, err := armor.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(blk.Body)
}

// publicPackets turns a transferable secret key into the transferable
// public key: secret key packets become public key packets, user IDs and
// signatures are kept as they are, gpg's local trust packets are dropped.
func publicPackets(secret []byte) ([]byte, error) {
	var out bytes.Buffer
	r := packet.NewOpaqueReader(bytes.NewReader(secret))
	for {
		op, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch op.Tag {
		case 5, 7: // secret key, secret subkey
			p, err := op.Parse()
			if err != nil {
				return nil, err
			}
			priv, ok := p.(*packet.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("packet tag %d is not a secret key", op.Tag)
			}
			if err := priv.PublicKey.Serialize(&out); err != nil {
				return nil, err
			}
		case 12: // trust
		default:
			if err := op.Serialize(&out); err != nil {
				return nil, err
			}
		}
	}
	return out.Bytes(), nil
}

func loadRSAKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("apk signing key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	if _, encrypted := blk.Headers["DEK-Info"]; encrypted || blk.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, fmt.Errorf("%s is passphrase-protected; give the release an unencrypted copy", path)
	}
	switch blk.Type {
	case "RSA PRIVATE KEY": // openssl genrsa before 3.0, abuild-keygen
		return x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s: apk signs with RSA, this is a %T", path, k)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("%s: unexpected PEM block %q", path, blk.Type)
}

// cmdKeygen makes a throwaway key set for builds without release keys.
func cmdKeygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ExitOnError)
	dir := fs.String("dir", "", "directory to create the key set in")
	fs.Parse(args)
	if *dir == "" {
		return errors.New("-dir is required")
	}
	// Created at the source date, so signatures dated then are valid.
	created := time.Now().UTC()
	if t, err := sourceDate(); err == nil {
		created = t
	}
	no := false
	cfg := &packet.Config{
		Algorithm: packet.PubKeyAlgoRSA, RSABits: 3072,
		Time:                                  func() time.Time { return created },
		NonDeterministicSignaturesViaNotation: &no,
	}
	ent, err := openpgp.NewEntity("dumb-init throwaway release key", "not for distribution",
		"dumb-init-go@users.noreply.github.com", cfg)
	if err != nil {
		return err
	}
	// Signing only: no encryption subkey to carry around.
	ent.Subkeys = nil
	var pgp bytes.Buffer
	w, err := armor.Encode(&pgp, openpgp.PrivateKeyType, nil)
	if err != nil {
		return err
	}
	if err := ent.SerializePrivate(w, cfg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	apk, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return err
	}
	apkPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(apk)})
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, pgpKeyFile), pgp.Bytes(), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*dir, apkKeyFile), apkPEM, 0o600)
}

// cmdExportKeys writes the public halves: a binary keyring for apt's
// signed-by=, the armored key for rpm --import, and apk's NAME.rsa.pub.
func cmdExportKeys(args []string) error {
	fs := flag.NewFlagSet("export-keys", flag.ExitOnError)
	keyDir := fs.String("keys", "", "key directory")
	out := fs.String("out", "", "directory for the public keys")
	fs.Parse(args)
	if *out == "" {
		return errors.New("-out is required")
	}
	k, err := loadKeys(*keyDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	var arm bytes.Buffer
	w, err := armor.Encode(&arm, openpgp.PublicKeyType, nil)
	if err != nil {
		return err
	}
	if _, err := w.Write(k.pgpPublic); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	arm.WriteByte('\n')
	der, err := x509.MarshalPKIXPublicKey(&k.APK.PublicKey)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{aptKeyringFile, k.pgpPublic},
		{rpmKeyFile, arm.Bytes()},
		{apkKeyName, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*out, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("OpenPGP key %X\n", k.PGP.PrimaryKey.Fingerprint)
	return nil
}
