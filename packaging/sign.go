package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// signingTime is the creation time every OpenPGP signature carries: the
// source date, so that two builds of one commit sign byte for byte alike,
// or the key's own creation if that is later (a signature older than its
// key does not verify).
func signingTime(e *openpgp.Entity) (time.Time, error) {
	t, err := sourceDate()
	if err != nil {
		return time.Time{}, err
	}
	keys := []*packet.PublicKey{e.PrimaryKey}
	for _, s := range e.Subkeys {
		keys = append(keys, s.PublicKey)
	}
	for _, k := range keys {
		if k.CreationTime.After(t) {
			t = k.CreationTime
		}
	}
	return t.UTC(), nil
}

// pgpConfig makes signatures deterministic: RSA PKCS#1 v1.5 itself uses no
// randomness, the time is fixed, and go-crypto's random salt notation
// (on by default) is switched off.
func (k *Keys) pgpConfig() (*packet.Config, error) {
	t, err := signingTime(k.PGP)
	if err != nil {
		return nil, err
	}
	no := false
	return &packet.Config{
		DefaultHash:                           crypto.SHA256,
		Time:                                  func() time.Time { return t },
		NonDeterministicSignaturesViaNotation: &no,
	}, nil
}

// DetachSign returns a binary detached signature (the form rpm stores).
func (k *Keys) DetachSign(data io.Reader) ([]byte, error) {
	cfg, err := k.pgpConfig()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := openpgp.DetachSign(&b, k.PGP, data, cfg); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ArmoredDetachSign returns an ASCII-armored detached signature
// (Release.gpg, sha256sums.asc).
func (k *Keys) ArmoredDetachSign(data io.Reader) ([]byte, error) {
	cfg, err := k.pgpConfig()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := openpgp.ArmoredDetachSign(&b, k.PGP, data, cfg); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// ClearSign returns data as a cleartext-signed message (apt's InRelease).
func (k *Keys) ClearSign(data []byte) ([]byte, error) {
	cfg, err := k.pgpConfig()
	if err != nil {
		return nil, err
	}
	key, ok := k.PGP.SigningKey(cfg.Now())
	if !ok {
		return nil, errors.New("no usable OpenPGP signing key")
	}
	var b bytes.Buffer
	w, err := clearsign.Encode(&b, key.PrivateKey, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return withArmorChecksum(b.Bytes())
}

// withArmorChecksum re-armors the signature block of a cleartext-signed
// message with the CRC-24 line that go-crypto leaves out there (RFC 9580
// made it optional): gpg 2.2 (Debian 12) then reads the END line as
// base64 and cannot verify the file. apt, which splits InRelease itself,
// does not mind; a user running gpgv on it would.
func withArmorChecksum(signed []byte) ([]byte, error) {
	const begin = "-----BEGIN PGP SIGNATURE-----"
	i := bytes.Index(signed, []byte("\n"+begin))
	if i < 0 {
		return nil, errors.New("clearsign: no signature block")
	}
	blk, err := armor.Decode(bytes.NewReader(signed[i+1:]))
	if err != nil {
		return nil, err
	}
	sig, err := io.ReadAll(blk.Body)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(signed[:i+1])
	w, err := armor.Encode(&b, openpgp.SignatureType, nil)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(sig); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// APKSignDigest signs the SHA-1 digest of an apk control stream or index
// as abuild-sign does (RSA PKCS#1 v1.5, deterministic).
func (k *Keys) APKSignDigest(digest []byte) ([]byte, error) {
	if len(digest) != sha1.Size {
		return nil, fmt.Errorf("apk signs SHA-1 digests, got %d bytes", len(digest))
	}
	return rsa.SignPKCS1v15(nil, k.APK, crypto.SHA1, digest)
}

// APKSignIndex prefixes an APKINDEX.tar.gz with its signature stream, the
// layout abuild-sign writes: a gzip member holding a tar with the single
// entry .SIGN.RSA.<key name> and no end-of-archive blocks.
func (k *Keys) APKSignIndex(index []byte, mtime time.Time) ([]byte, error) {
	d := sha1.Sum(index)
	sig, err := k.APKSignDigest(d[:])
	if err != nil {
		return nil, err
	}
	var t bytes.Buffer
	tw := tar.NewWriter(&t)
	if err := tw.WriteHeader(&tar.Header{
		Name: ".SIGN.RSA." + apkKeyName, Mode: 0o644, Size: int64(len(sig)),
		ModTime: mtime, Uname: "root", Gname: "root", Format: tar.FormatUSTAR,
	}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(sig); err != nil {
		return nil, err
	}
	// Flush pads the entry; Close would add the end-of-archive blocks.
	if err := tw.Flush(); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	zw.Write(t.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	out.Write(index)
	return out.Bytes(), nil
}

// cmdSign writes an armored detached signature of -in to -out.
func cmdSign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ExitOnError)
	keyDir := fs.String("keys", "", "key directory")
	in := fs.String("in", "", "file to sign")
	out := fs.String("out", "", "signature file to write")
	fs.Parse(args)
	if *in == "" || *out == "" {
		return errors.New("-in and -out are required")
	}
	k, err := loadKeys(*keyDir)
	if err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	sig, err := k.ArmoredDetachSign(f)
	if err != nil {
		return err
	}
	return os.WriteFile(*out, sig, 0o644)
}
