module github.com/dumb-init-go/dumb-init

go 1.26

require golang.org/x/sys v0.49.0
