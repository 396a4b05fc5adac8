package main

import "syscall"

// maxSig is the highest signal the rewrite table covers, as in C (MAXSIG).
const maxSig = 31

// config is what the command line and the environment decide.
type config struct {
	debug  bool
	setsid bool
	// rewrite[s] is the signal forwarded instead of s: -1 means no
	// rewrite, 0 means drop.
	rewrite [maxSig + 1]int
	cmd     []string
}

// exit is a front-end outcome that ends dumb-init before anything runs:
// a message for stderr and the exit code.
type exit struct {
	message string
	code    int
}

// longOption is one entry of the long option table. The order matters: it is
// the order glibc lists candidates of an ambiguous abbreviation in.
type longOption struct {
	name   string
	hasArg bool
	short  byte
}

var longOptions = [...]longOption{
	{"help", false, 'h'},
	{"single-child", false, 'c'},
	{"rewrite", true, 'r'},
	{"verbose", false, 'v'},
	{"version", false, 'V'},
}

func helpText(argv0 string) string {
	return "dumb-init v" + versionString() + "\n" +
		"Usage: " + argv0 + " [option] command [[arg] ...]\n" +
		"\n" +
		"dumb-init is a simple process supervisor that forwards signals to children.\n" +
		"It is designed to run as PID1 in minimal container environments.\n" +
		"\n" +
		"Optional arguments:\n" +
		"   -c, --single-child   Run in single-child mode.\n" +
		"                        In this mode, signals are only proxied to the\n" +
		"                        direct child and not any of its descendants.\n" +
		"   -r, --rewrite s:r    Rewrite received signal s to new signal r before proxying.\n" +
		"                        To ignore (not proxy) a signal, rewrite it to 0.\n" +
		"                        This option can be specified multiple times.\n" +
		"   -v, --verbose        Print debugging information to stderr.\n" +
		"   -h, --help           Print this help message and exit.\n" +
		"   -V, --version        Print the current version and exit.\n" +
		"\n" +
		"Full help is available online at https://github.com/Yelp/dumb-init\n"
}

func usageText(argv0 string) string {
	return "Usage: " + argv0 + " [option] program [args]\n" +
		"Try " + argv0 + " --help for full usage.\n"
}

const rewriteError = "Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n" +
	"This option can be specified multiple times.\n" +
	"Use --help for full usage.\n"

// parseArgs reads the command line the way glibc's
// getopt_long(argc, argv, "+hvVcr:", ...) does in the C program: options
// are acted on left to right as they are parsed (so -h, -V and the first
// error end parsing at once), parsing stops at the first non-option or
// after "--", short options cluster, and long options may be abbreviated
// to any unambiguous prefix. The environment is not looked at here.
func parseArgs(args []string) (config, *exit) {
	cfg := config{setsid: true}
	for i := range cfg.rewrite {
		cfg.rewrite[i] = -1
	}
	argv0 := ""
	if len(args) > 0 {
		argv0 = args[0]
	}

	// act applies one recognised option; value is its argument, if any.
	act := func(short byte, value string) *exit {
		switch short {
		case 'h':
			return &exit{helpText(argv0), 0}
		case 'V':
			return &exit{"dumb-init v" + versionString() + "\n", 0}
		case 'v':
			cfg.debug = true
		case 'c':
			cfg.setsid = false
		case 'r':
			from, to, ok := parseRewrite(value)
			if !ok {
				return &exit{rewriteError, 1}
			}
			cfg.rewrite[from] = to
		}
		return nil
	}
	fail := func(msg string) *exit { return &exit{argv0 + ": " + msg + "\n", 1} }

	i := 1
	for ; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			i++
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			break // first non-option ("-" alone is one): the command starts here
		}

		if arg[1] == '-' {
			body := arg[2:]
			name, value, hasValue := body, "", false
			for j := 0; j < len(body); j++ {
				if body[j] == '=' {
					name, value, hasValue = body[:j], body[j+1:], true
					break
				}
			}
			opt, matches := findLong(name)
			if opt == nil {
				if matches == 0 {
					return cfg, fail("unrecognized option '" + arg + "'")
				}
				msg := "option '" + arg + "' is ambiguous; possibilities:"
				for _, o := range longOptions {
					if hasPrefix(o.name, name) {
						msg += " '--" + o.name + "'"
					}
				}
				return cfg, fail(msg)
			}
			if !opt.hasArg && hasValue {
				return cfg, fail("option '--" + opt.name + "' doesn't allow an argument")
			}
			if opt.hasArg && !hasValue {
				if i+1 == len(args) {
					return cfg, fail("option '--" + opt.name + "' requires an argument")
				}
				i++
				value = args[i]
			}
			if out := act(opt.short, value); out != nil {
				return cfg, out
			}
			continue
		}

		for j := 1; j < len(arg); j++ {
			c := arg[j]
			switch c {
			case 'h', 'v', 'V', 'c':
				if out := act(c, ""); out != nil {
					return cfg, out
				}
			case 'r':
				value := arg[j+1:]
				if value == "" {
					if i+1 == len(args) {
						return cfg, fail("option requires an argument -- 'r'")
					}
					i++
					value = args[i]
				}
				if out := act('r', value); out != nil {
					return cfg, out
				}
				j = len(arg) // the rest of the word was the value
			default:
				return cfg, fail("invalid option -- '" + string([]byte{c}) + "'")
			}
		}
	}

	if i >= len(args) {
		return cfg, &exit{usageText(argv0), 1}
	}
	cfg.cmd = args[i:]
	return cfg, nil
}

// findLong returns the long option that name selects (an exact name, or the
// one option it abbreviates) and otherwise how many options it prefixes.
func findLong(name string) (*longOption, int) {
	var found *longOption
	matches := 0
	for i := range longOptions {
		o := &longOptions[i]
		if o.name == name {
			return o, 1
		}
		if hasPrefix(o.name, name) {
			found = o
			matches++
		}
	}
	if matches != 1 {
		return nil, matches
	}
	return found, 1
}

func hasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}

// parseRewrite parses "s:r" with the semantics of the C program's
// sscanf(arg, "%d:%d") followed by its range check: leading whitespace and
// a sign are allowed before each number, nothing between the first number
// and the colon, and anything after the second number is ignored.
func parseRewrite(arg string) (from, to int, ok bool) {
	from, rest, ok := scanInt(arg)
	if !ok || rest == "" || rest[0] != ':' {
		return 0, 0, false
	}
	to, _, ok = scanInt(rest[1:])
	if !ok || from < 1 || from > maxSig || to < 0 || to > maxSig {
		return 0, 0, false
	}
	return from, to, true
}

// scanInt is scanf's %d on a 64-bit glibc: strtol (saturating at the limits
// of long) stored into an int, which keeps the low 32 bits.
func scanInt(s string) (int, string, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var v uint64 // the magnitude, pinned above what a long holds
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if v < 1<<60 {
			v = v*10 + uint64(s[i]-'0')
		} else {
			v = 1<<63 + 1
		}
		i++
	}
	if i == start {
		return 0, s, false
	}
	var l int64
	switch {
	case neg && v >= 1<<63:
		l = -1 << 63
	case neg:
		l = -int64(v)
	case v > 1<<63-1:
		l = 1<<63 - 1
	default:
		l = int64(v)
	}
	return int(int32(l)), s[i:], true
}

// applyEnv reads the two environment variables, after the options and only
// when there is a command, exactly as the C program does: only the exact
// values "1" and "0" count, and neither can undo an option.
func applyEnv(cfg *config, w *stderr, env []string) {
	if v, ok := lookupEnv(env, "DUMB_INIT_DEBUG"); ok && v == "1" {
		cfg.debug = true
		w.debug = true
		w.debugf("Running in debug mode.")
	}
	if v, ok := lookupEnv(env, "DUMB_INIT_SETSID"); ok && v == "0" {
		cfg.setsid = false
		w.debugf("Not running in setsid mode.")
	}
	if cfg.setsid {
		// The child's group is orphaned, so the kernel would not stop it on
		// these; stop it for real unless the user said otherwise.
		for _, s := range [...]syscall.Signal{syscall.SIGTSTP, syscall.SIGTTOU, syscall.SIGTTIN} {
			if cfg.rewrite[s] == -1 {
				cfg.rewrite[s] = int(syscall.SIGSTOP)
			}
		}
	}
}
