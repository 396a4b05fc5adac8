package test

// The initramfs of the test VMs (vms_test.go), written as a "newc" cpio
// archive, the format the kernel unpacks into its first root file system.
// Written here rather than with cpio(1), so that it needs neither root (for
// the /dev/console node) nor a staging directory.

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

type vmCpio struct {
	w   *bufio.Writer
	f   *os.File
	ino int
	err error
}

func vmNewCpio(path string) (*vmCpio, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &vmCpio{w: bufio.NewWriter(f), f: f}, nil
}

// entry writes one header, the name and the data, each padded to 4 bytes.
func (c *vmCpio) entry(name string, mode uint32, rdevMajor, rdevMinor int, data []byte) {
	if c.err != nil {
		return
	}
	c.ino++
	nlink := 1
	if mode&0o170000 == 0o040000 {
		nlink = 2
	}
	// magic, then ino mode uid gid nlink mtime filesize devmajor devminor
	// rdevmajor rdevminor namesize check, 8 hex digits each.
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdevMajor, rdevMinor, len(name)+1, 0)
	c.w.WriteString(hdr)
	c.w.WriteString(name)
	c.w.WriteByte(0)
	c.pad(len(hdr) + len(name) + 1)
	c.w.Write(data)
	c.pad(len(data))
}

func (c *vmCpio) pad(n int) {
	for ; n%4 != 0; n++ {
		c.w.WriteByte(0)
	}
}

func (c *vmCpio) dir(name string) { c.entry(name, 0o040755, 0, 0, nil) }

func (c *vmCpio) symlink(name, target string) { c.entry(name, 0o120777, 0, 0, []byte(target)) }

func (c *vmCpio) charDev(name string, major, minor int) {
	c.entry(name, 0o020600, major, minor, nil)
}

// file adds the host file src as name, with the given permissions.
func (c *vmCpio) file(name, src string, perm uint32) {
	if c.err != nil {
		return
	}
	data, err := os.ReadFile(src)
	if err != nil {
		c.err = err
		return
	}
	c.entry(name, 0o100000|perm, 0, 0, data)
}

// tree adds the host directory src as name, symbolic links kept as links
// (the dynamic loader's names are links).
func (c *vmCpio) tree(name, src string) {
	if c.err != nil {
		return
	}
	c.err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(name, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			c.symlink(dst, target)
		case d.IsDir():
			c.dir(dst)
		default:
			info, err := d.Info()
			if err != nil {
				return err
			}
			c.file(dst, p, uint32(info.Mode().Perm()))
		}
		return c.err
	})
}

// close writes the trailer and reports the first error.
func (c *vmCpio) close() error {
	c.entry("TRAILER!!!", 0, 0, 0, nil)
	if c.err == nil {
		c.err = c.w.Flush()
	}
	if err := c.f.Close(); c.err == nil {
		c.err = err
	}
	return c.err
}
