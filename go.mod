module github.com/dumb-init-go/dumb-init

go 1.26
