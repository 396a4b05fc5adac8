#!/usr/bin/python3
"""Regenerate errno_table.go from the host glibc's strerror(3).

The C dumb-init prints glibc's texts; Python's os.strerror calls the same
libc function, so running this on Debian 12 (glibc 2.36) reproduces them.
"""
import os
import subprocess

out = ["// Code generated from glibc 2.36 strerror (Debian 12) by scripts/gen-errno.py; DO NOT EDIT.", "",
       "package main", "",
       "// glibcErrors holds strerror(3) texts as the C dumb-init prints them;",
       "// Go's own Errno strings are lower-case and differ in places.",
       "var glibcErrors = [...]string{"]
for n in range(1, 134):
    s = os.strerror(n)
    if not s.startswith("Unknown error"):
        out.append('\t%d: "%s",' % (n, s.replace('"', '\\"')))
out.append("}")
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "errno_table.go")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
subprocess.run(["gofmt", "-w", path], check=True)
