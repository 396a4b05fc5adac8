package main

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestExecvpPaths(t *testing.T) {
	long := strings.Repeat("x", nameMax+1)
	elem4096 := "/" + strings.Repeat("x", 4095)
	cases := []struct {
		file   string
		env    []string
		paths  []string
		search bool
		none   syscall.Errno
	}{
		{"", nil, nil, false, syscall.ENOENT},
		{"./run", nil, []string{"./run"}, false, 0},
		{"/bin/sh", []string{"PATH=/x"}, []string{"/bin/sh"}, false, 0},
		{"sh", nil, []string{"/bin/sh", "/usr/bin/sh"}, true, syscall.ENOENT},
		{"sh", []string{"PATH="}, []string{"sh"}, true, syscall.ENOENT},
		{"sh", []string{"PATH=:/a::/b:"}, []string{"sh", "/a/sh", "sh", "/b/sh", "sh"}, true, syscall.ENOENT},
		{"sh", []string{"PATHX=/x", "PATH=/a", "PATH=/b"}, []string{"/a/sh"}, true, syscall.ENOENT},
		{long, nil, nil, true, syscall.ENAMETOOLONG},
		// glibc skips elements of 4096 bytes and more (in a PATH longer
		// than 4095): the current directory instead, or the end.
		{"sh", []string{"PATH=" + elem4096 + ":/a"}, []string{"sh", "/a/sh"}, true, syscall.ENOENT},
		{"sh", []string{"PATH=/a:" + elem4096}, []string{"/a/sh"}, true, 0},
		{"sh", []string{"PATH=" + elem4096}, nil, true, 0},
		{"sh", []string{"PATH=" + elem4096[1:]}, []string{elem4096[1:] + "/sh"}, true, syscall.ENOENT},
		{"sh", []string{"PATH=" + elem4096[1:] + ":/a"}, []string{elem4096[1:] + "/sh", "/a/sh"}, true, syscall.ENOENT},
	}
	for _, c := range cases {
		paths, search, none := execvpPaths(c.file, c.env)
		if !reflect.DeepEqual(paths, c.paths) || search != c.search || none != c.none {
			t.Errorf("execvpPaths(%.20q, %q) = %q, %v, %v; want %q, %v, %v",
				c.file, c.env, paths, search, none, c.paths, c.search, c.none)
		}
	}
}
