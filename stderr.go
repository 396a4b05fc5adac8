package main

import (
	"syscall"
	"unsafe"
)

// stderr writes dumb-init's messages to fd 2. Like the C program it never
// writes to stdout, writes each message with one write(2) so lines from the
// parent and the child never interleave, and ignores write errors.
type stderr struct {
	debug bool

	// broken is set once a write failed with EPIPE: nobody reads stderr any
	// more, and each further write would only raise another SIGPIPE. The C
	// program keeps writing and livelocks on those SIGPIPEs; we go quiet.
	broken bool

	buf []byte // reused, so steady-state logging does not allocate
}

const prefix = "[dumb-init] "

// debugf prints a debug line. The format knows two verbs, both taking the
// next int: %d prints it, %m prints glibc's strerror text for it.
func (w *stderr) debugf(format string, args ...int) {
	if w.debug {
		w.printf(format, args...)
	}
}

// printf prints a "[dumb-init] " line whatever the debug setting.
func (w *stderr) printf(format string, args ...int) {
	b := append(w.buf[:0], prefix...)
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) || len(args) == 0 {
			b = append(b, format[i])
			continue
		}
		i++
		switch format[i] {
		case 'd':
			b = appendInt(b, args[0])
		case 'm':
			b = append(b, strerror(syscall.Errno(args[0]))...)
		}
		args = args[1:]
	}
	w.buf = append(b, '\n')
	w.write(w.buf)
}

// write writes b in full, unless stderr is gone.
func (w *stderr) write(b []byte) {
	for len(b) > 0 && !w.broken {
		n, err := syscall.Write(2, b)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EPIPE:
			w.broken = true
		case err != nil || n <= 0:
			return // closed or unusable stderr: the message is lost, as in C
		default:
			b = b[n:]
		}
	}
}

// writeString writes a whole preformatted message.
func (w *stderr) writeString(s string) {
	w.buf = append(w.buf[:0], s...)
	w.write(w.buf)
}

func appendInt(b []byte, n int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var d [20]byte
	return append(b, decimal(&d, uint(n))...)
}

// decimal formats v into d and returns the digits, without allocating (the
// child uses it between fork and exec).
//
//go:nosplit
func decimal(d *[20]byte, v uint) string {
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return unsafe.String(&d[i], len(d)-i)
}

// strerror returns glibc's text for err.
func strerror(err syscall.Errno) string {
	text, known := errText(err)
	if known {
		return text
	}
	return text + string(appendInt(nil, int(err)))
}

// errText is glibc's text for err, or "Unknown error " (to be followed by
// the number) when glibc has none. The child uses it too, hence nosplit.
//
//go:nosplit
func errText(err syscall.Errno) (text string, known bool) {
	if err == 0 {
		return "Success", true // not in the generated table, which starts at 1
	}
	if int(err) > 0 && int(err) < len(glibcErrors) && glibcErrors[err] != "" {
		return glibcErrors[err], true
	}
	return "Unknown error ", false
}
