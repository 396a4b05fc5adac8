package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

var testInfo = imageInfo{Version: "1.2.5", Revision: "0123abcd", Source: "https://example.com/dumb-init",
	Created: time.Unix(1700000000, 0).UTC()}

func testBinary(machine string) ([]byte, error) { return []byte("ELF for " + machine), nil }

func TestImageIndexIsReproducible(t *testing.T) {
	a, _, err := buildIndex(testInfo, []byte("MIT"), testBinary)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := buildIndex(testInfo, []byte("MIT"), testBinary)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Fatalf("two builds: %s and %s", da, db)
	}
	c, _, err := buildIndex(testInfo, []byte("MIT"), func(m string) ([]byte, error) { return []byte("other " + m), nil })
	if err != nil {
		t.Fatal(err)
	}
	if dc, _ := c.Digest(); dc == da {
		t.Fatal("another binary gave the same index digest")
	}
}

// What skopeo 1.9.3 does to an index on copy --all: decode it with the
// image-spec types and encode it again. The bytes, hence the digest, must
// survive.
func TestImageIndexSurvivesReencoding(t *testing.T) {
	idx, _, err := buildIndex(testInfo, []byte("MIT"), testBinary)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := idx.RawManifest()
	var spec ocispec.Index
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Fatalf("re-encoded index differs:\n%s\n%s", raw, again)
	}
	if len(spec.Manifests) != len(imagePlatforms) {
		t.Fatalf("%d manifests", len(spec.Manifests))
	}
	for i, p := range imagePlatforms {
		got := spec.Manifests[i].Platform
		if got.OS != p.Platform.OS || got.Architecture != p.Platform.Architecture || got.Variant != p.Platform.Variant {
			t.Errorf("manifest %d platform %+v, want %+v", i, got, p.Platform)
		}
	}
	if spec.Annotations["org.opencontainers.image.version"] != "1.2.5" {
		t.Errorf("index annotations %v", spec.Annotations)
	}
}

func TestImageContents(t *testing.T) {
	_, images, err := buildIndex(testInfo, []byte("MIT"), testBinary)
	if err != nil {
		t.Fatal(err)
	}
	for i, img := range images {
		p := imagePlatforms[i]
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Architecture != p.Platform.Architecture || cfg.Variant != p.Platform.Variant || cfg.OS != "linux" {
			t.Errorf("%s: config platform %s/%s/%s", p.GOARCH, cfg.OS, cfg.Architecture, cfg.Variant)
		}
		if !reflect.DeepEqual(cfg.Config.Entrypoint, []string{"/usr/bin/dumb-init", "--"}) || cfg.Config.Cmd != nil {
			t.Errorf("%s: entrypoint %q cmd %q", p.GOARCH, cfg.Config.Entrypoint, cfg.Config.Cmd)
		}
		if !cfg.Created.Time.Equal(testInfo.Created) || cfg.Config.Labels["org.opencontainers.image.created"] != "2023-11-14T22:13:20Z" {
			t.Errorf("%s: created %v, label %q", p.GOARCH, cfg.Created, cfg.Config.Labels["org.opencontainers.image.created"])
		}
		for _, k := range []string{"title", "version", "revision", "source", "licenses"} {
			if cfg.Config.Labels["org.opencontainers.image."+k] == "" {
				t.Errorf("%s: no %s label", p.GOARCH, k)
			}
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("%s: %d layers, %v", p.GOARCH, len(layers), err)
		}
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(tr)
			got = append(got, h.Name+" "+os.FileMode(h.Mode).String()+" "+string(body))
			if h.Uid != 0 || h.Gid != 0 || !h.ModTime.Equal(testInfo.Created) {
				t.Errorf("%s: %s uid %d gid %d mtime %v", p.GOARCH, h.Name, h.Uid, h.Gid, h.ModTime)
			}
		}
		rc.Close()
		want := []string{"usr/ -rwxr-xr-x ", "usr/bin/ -rwxr-xr-x ", "usr/share/ -rwxr-xr-x ", "usr/share/doc/ -rwxr-xr-x ",
			"usr/share/doc/dumb-init/ -rwxr-xr-x ", "usr/bin/dumb-init -rwxr-xr-x ELF for " + p.Machine,
			"usr/share/doc/dumb-init/LICENSE -rw-r--r-- MIT"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s layer:\n%q\nwant\n%q", p.GOARCH, got, want)
		}
	}
}

func TestImageLayoutModesAndTag(t *testing.T) {
	idx, _, err := buildIndex(testInfo, []byte("MIT"), testBinary)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "oci")
	if err := writeLayout(dir, idx, "1.2.5"); err != nil {
		t.Fatal(err)
	}
	err = filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o644)
		if fi.IsDir() {
			want = os.ModeDir | 0o755
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := idx.Digest()
	if len(m.Manifests) != 1 || m.Manifests[0].Digest != want ||
		m.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "1.2.5" {
		t.Fatalf("index.json: %+v, want the index %s tagged 1.2.5", m.Manifests, want)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "blobs", "sha256", want.Hex))
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := idx.RawManifest(); !bytes.Equal(raw, r) {
		t.Fatal("the layout's index blob differs from the index")
	}
}
