package main

// version can be set at build time: go build -ldflags '-X main.version=1.2.6'
// (the release does so from the VERSION file). A plain build uses
// versionDefault, which a test keeps equal to the VERSION file; go:embed
// would read the file directly but links io/fs and time (~80 KB).
var version string

const versionDefault = "1.2.5"

func versionString() string {
	if version != "" {
		return version
	}
	return versionDefault
}
