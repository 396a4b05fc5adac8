package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// imagePlatforms are the OCI platforms of the image, in index order. arm64
// names its variant, as `docker buildx` and the official images do, so a
// client asking for linux/arm64/v8 finds it too.
var imagePlatforms = []struct {
	GOARCH, Machine string
	Platform        v1.Platform
}{
	{"amd64", "x86_64", v1.Platform{OS: "linux", Architecture: "amd64"}},
	{"arm64", "aarch64", v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}},
	{"ppc64le", "ppc64le", v1.Platform{OS: "linux", Architecture: "ppc64le"}},
	{"s390x", "s390x", v1.Platform{OS: "linux", Architecture: "s390x"}},
}

// The paths inside the image; COPY --from and the README name them.
const (
	imageBinary  = "usr/bin/dumb-init"
	imageLicense = "usr/share/doc/dumb-init/LICENSE"
)

// imageInfo is what the labels and annotations say about the build.
type imageInfo struct {
	Version, Revision, Source string
	Created                   time.Time
}

func (in imageInfo) labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       "dumb-init",
		"org.opencontainers.image.description": "dumb-init, a minimal init for containers (Go), to COPY --from into an image",
		"org.opencontainers.image.version":     in.Version,
		"org.opencontainers.image.revision":    in.Revision,
		"org.opencontainers.image.source":      in.Source,
		"org.opencontainers.image.licenses":    "MIT",
		"org.opencontainers.image.created":     in.Created.Format(time.RFC3339),
	}
}

// cmdImage writes the multi-arch image: an OCI image layout (DIR/oci,
// tagged VERSION), a copy of its image index whose sha256 is the digest to
// pin (dumb-init_VERSION_oci-index.json, so that sha256sums carries it),
// and one `docker load` archive per architecture, for engines that cannot
// read an OCI layout (Docker before 25).
func cmdImage(args []string) error {
	fs := flag.NewFlagSet("image", flag.ExitOnError)
	version := fs.String("version", "", "image version and tag (from VERSION)")
	revision := fs.String("revision", "", "source revision (git commit)")
	source := fs.String("source", "", "source repository URL")
	binDir := fs.String("bin", "", "directory holding dumb-init_VERSION_<uname -m>")
	license := fs.String("license", "", "license file for /"+filepath.Dir(imageLicense))
	out := fs.String("out", "", "output directory")
	fs.Parse(args)
	if *version == "" || *revision == "" || *source == "" || *binDir == "" || *license == "" || *out == "" {
		return fmt.Errorf("-version, -revision, -source, -bin, -license and -out are required")
	}
	created, err := sourceDate()
	if err != nil {
		return err
	}
	lic, err := os.ReadFile(*license)
	if err != nil {
		return err
	}
	info := imageInfo{Version: *version, Revision: *revision, Source: *source, Created: created}
	idx, images, err := buildIndex(info, lic, func(machine string) ([]byte, error) {
		return os.ReadFile(filepath.Join(*binDir, fmt.Sprintf("dumb-init_%s_%s", *version, machine)))
	})
	if err != nil {
		return err
	}
	if err := writeLayout(filepath.Join(*out, "oci"), idx, *version); err != nil {
		return fmt.Errorf("OCI layout: %w", err)
	}
	raw, err := idx.RawManifest()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, fmt.Sprintf("dumb-init_%s_oci-index.json", *version)), raw, 0o644); err != nil {
		return err
	}
	tag, err := name.NewTag("dumb-init:" + *version)
	if err != nil {
		return err
	}
	for i, p := range imagePlatforms {
		path := filepath.Join(*out, fmt.Sprintf("dumb-init_%s_%s.docker.tar", *version, p.GOARCH))
		if err := tarball.WriteToFile(path, tag, images[i]); err != nil {
			return fmt.Errorf("docker archive for %s: %w", p.GOARCH, err)
		}
	}
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Println(digest)
	return nil
}

// buildIndex makes one image per platform and the index over them.
func buildIndex(info imageInfo, license []byte, binary func(machine string) ([]byte, error)) (v1.ImageIndex, []v1.Image, error) {
	var adds []mutate.IndexAddendum
	var images []v1.Image
	for _, p := range imagePlatforms {
		bin, err := binary(p.Machine)
		if err != nil {
			return nil, nil, err
		}
		img, err := buildImage(info, p.Platform, bin, license)
		if err != nil {
			return nil, nil, fmt.Errorf("image for %s: %w", p.GOARCH, err)
		}
		images = append(images, img)
		platform := p.Platform
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &platform}})
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	idx = mutate.AppendManifests(idx, adds...)
	// Registries show the index's annotations for a multi-arch tag (the
	// labels live in each image's config, which a client reads only after
	// picking a platform).
	idx = mutate.Annotations(idx, info.labels()).(v1.ImageIndex)
	spec, err := newSpecIndex(idx)
	if err != nil {
		return nil, nil, err
	}
	return spec, images, nil
}

// specIndex is an image index whose bytes are those the OCI image-spec's
// own Go types give, the types containers/image (skopeo, podman, buildah)
// and containerd decode and re-encode it with. Debian 12's skopeo 1.9.3
// re-encodes an index on `copy --all`, so an index in go-containerregistry's
// encoding (another field order, an artifactType on each entry) reaches
// the registry under another digest than the one in sha256sums, and
// --preserve-digests refuses to push it. The images themselves are
// go-containerregistry's, unchanged.
type specIndex struct {
	images v1.ImageIndex // where the manifests' images come from
	raw    []byte
	parsed *v1.IndexManifest
}

func newSpecIndex(idx v1.ImageIndex) (*specIndex, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	spec := ocispec.Index{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageIndex,
		Annotations: m.Annotations,
	}
	for _, d := range m.Manifests {
		spec.Manifests = append(spec.Manifests, ocispec.Descriptor{
			MediaType: string(d.MediaType),
			Digest:    digest.Digest(d.Digest.String()),
			Size:      d.Size,
			Platform: &ocispec.Platform{
				Architecture: d.Platform.Architecture,
				OS:           d.Platform.OS,
				Variant:      d.Platform.Variant,
			},
		})
	}
	raw, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	parsed, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return &specIndex{images: idx, raw: raw, parsed: parsed}, nil
}

func (s *specIndex) MediaType() (types.MediaType, error) { return types.OCIImageIndex, nil }
func (s *specIndex) RawManifest() ([]byte, error)        { return s.raw, nil }
func (s *specIndex) Size() (int64, error)                { return int64(len(s.raw)), nil }
func (s *specIndex) Digest() (v1.Hash, error) {
	h, _, err := v1.SHA256(bytes.NewReader(s.raw))
	return h, err
}
func (s *specIndex) IndexManifest() (*v1.IndexManifest, error) { return s.parsed.DeepCopy(), nil }
func (s *specIndex) Image(h v1.Hash) (v1.Image, error)         { return s.images.Image(h) }
func (s *specIndex) ImageIndex(h v1.Hash) (v1.ImageIndex, error) {
	return nil, fmt.Errorf("no nested index %s", h)
}

// buildImage is FROM scratch plus one layer: the binary and its license.
func buildImage(info imageInfo, platform v1.Platform, bin, license []byte) (v1.Image, error) {
	layerTar, err := imageLayerTar(info.Created, bin, license)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(gzip.BestCompression))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	created := v1.Time{Time: info.Created}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer: layer,
		History: v1.History{
			Created:   created,
			CreatedBy: fmt.Sprintf("dumb-init %s release (scripts/release.sh): /%s, /%s", info.Version, imageBinary, imageLicense),
		},
	})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture, cfg.Variant = platform.OS, platform.Architecture, platform.Variant
	cfg.Created = created
	cfg.Config = v1.Config{
		Entrypoint: []string{"/" + imageBinary, "--"},
		Labels:     info.labels(),
	}
	return mutate.ConfigFile(img, cfg)
}

// imageLayerTar is the layer's file system. go-containerregistry writes
// every format around it but takes a layer as a tar stream; this one sets
// what its file map helper cannot: modes, owners, directories and times.
func imageLayerTar(mtime time.Time, bin, license []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entry := func(name string, mode int64, body []byte) error {
		h := &tar.Header{Name: name, Mode: mode, ModTime: mtime, Format: tar.FormatUSTAR, Uname: "root", Gname: "root"}
		if body == nil {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	for _, d := range []string{"usr/", "usr/bin/", "usr/share/", "usr/share/doc/", "usr/share/doc/dumb-init/"} {
		if err := entry(d, 0o755, nil); err != nil {
			return nil, err
		}
	}
	if err := entry(imageBinary, 0o755, bin); err != nil {
		return nil, err
	}
	if err := entry(imageLicense, 0o644, license); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeLayout writes the OCI image layout: index.json names the image
// index by the tag, as `skopeo copy --all ... oci:DIR:TAG` and buildx's OCI
// exporter lay it out, so the index pushed is this very blob. Modes are set
// afterwards: the library creates JSON files 0777 and layers 0600 (before
// the umask), which would publish odd modes.
func writeLayout(dir string, idx v1.ImageIndex, tag string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": tag,
	})); err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(path, mode)
	})
}
