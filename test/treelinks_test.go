package test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The project is read from a clone: whatever it points to must be in that
// clone. The team's working notes live next to the checkout, not in it, so
// a reference to them is a dead end for every user, packager and CI.
//
// The patterns are assembled from pieces so that this file does not match
// its own check.
var (
	outsideDir   = ".." + "/shared"
	outsideAbs   = "/work" + "/shared"
	outsideRefRE = regexp.MustCompile(`[A-Za-z0-9._/-]*\.\./shared(/[A-Za-z0-9._/-]*)?`)
)

// trackedFiles lists the files git tracks, relative to the repository root
// (itRoot). Outside a checkout (an exported source tarball) nothing is
// "tracked", so the tests that need it skip; in one, a git that fails is an
// error, not a reason to skip.
func trackedFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(itRoot, ".git")); os.IsNotExist(err) {
		t.Skip("not a git checkout: no tracked files to check")
	}
	top, err := gitOutput("rev-parse", "--show-toplevel")
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs(itRoot)
	if err == nil {
		want, err = filepath.EvalSymlinks(want)
	}
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.EvalSymlinks(strings.TrimSpace(string(top)))
	if err != nil {
		t.Fatal(err)
	}
	if root != want {
		// If this package ever moves, the paths below would be relative
		// to the wrong directory.
		t.Fatalf("%s is not the repository root %s", want, root)
	}
	out, err := gitOutput("ls-files", "-z")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		t.Fatal("git ls-files listed no file")
	}
	return files
}

// gitOutput runs git in the repository root.
func gitOutput(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = itRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// treePaths is every tracked file and every directory holding one.
func treePaths(files []string) map[string]bool {
	in := map[string]bool{".": true}
	for _, f := range files {
		for p := f; p != "." && !in[p]; p = path.Dir(p) {
			in[p] = true
		}
	}
	return in
}

// readText returns a tracked file's content (name is relative to the
// repository root), or false for a binary file or one deleted from the work
// tree but not yet from the index.
func readText(t *testing.T, name string) ([]byte, bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(itRoot, name))
	if os.IsNotExist(err) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	head := b[:min(len(b), 8000)]
	return b, !bytes.Contains(head, []byte{0}) // git's own binary test
}

func TestNothingPointsOutsideTheTree(t *testing.T) {
	files := trackedFiles(t)
	in := treePaths(files)
	for _, f := range files {
		b, ok := readText(t, f)
		if !ok {
			continue
		}
		for n, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, outsideAbs) {
				t.Errorf("%s:%d points outside the project (%s): %s", f, n+1, outsideAbs, strings.TrimSpace(line))
			}
			if !strings.Contains(line, outsideDir) {
				continue
			}
			for _, ref := range outsideRefRE.FindAllString(line, -1) {
				// A sibling directory named "shared" inside the tree (as
				// init/scenarios/shared is) is a fine thing to point to.
				target := path.Join(path.Dir(f), ref)
				if !strings.HasPrefix(ref, "/") && in[target] {
					continue
				}
				t.Errorf("%s:%d points outside the project (%s): %s", f, n+1, ref, strings.TrimSpace(line))
			}
		}
	}
}

// The Markdown the project ships: every relative link must lead to a
// tracked file or directory (a file only on this machine is missing in a
// fresh clone), and an #anchor into Markdown to one of its headings.
func TestDocLinksResolve(t *testing.T) {
	files := trackedFiles(t)
	in := treePaths(files)
	anchors := map[string]map[string]bool{}
	anchorsOf := func(name string) map[string]bool {
		if a, ok := anchors[name]; ok {
			return a
		}
		b, _ := readText(t, name)
		anchors[name] = markdownAnchors(string(b))
		return anchors[name]
	}
	checked := 0
	for _, f := range files {
		if !strings.HasSuffix(f, ".md") {
			continue
		}
		b, ok := readText(t, f)
		if !ok {
			continue
		}
		for _, l := range markdownLinks(string(b)) {
			if u, err := url.Parse(l.target); err != nil || u.Scheme != "" || strings.HasPrefix(l.target, "//") {
				continue // a URL, not a path in the tree
			}
			checked++
			p, frag, _ := strings.Cut(l.target, "#")
			p, err := url.PathUnescape(p)
			if err != nil {
				t.Errorf("%s:%d: link %q: %v", f, l.line, l.target, err)
				continue
			}
			target := f
			if p != "" {
				if strings.HasPrefix(p, "/") {
					t.Errorf("%s:%d: link %q is absolute: it leads nowhere in a clone", f, l.line, l.target)
					continue
				}
				target = path.Join(path.Dir(f), p)
				if target == ".." || strings.HasPrefix(target, "../") {
					t.Errorf("%s:%d: link %q leaves the project", f, l.line, l.target)
					continue
				}
				if !in[target] {
					t.Errorf("%s:%d: link %q: %s is not a tracked file or directory", f, l.line, l.target, target)
					continue
				}
			}
			if frag != "" && strings.HasSuffix(target, ".md") && !anchorsOf(target)[frag] {
				t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", f, l.line, l.target, target, frag)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no relative link found in any Markdown file: the link parser is broken")
	}
}

type mdLink struct {
	target string
	line   int
}

var (
	mdInlineLinkRE = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	mdRefDefRE     = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s+<?([^\s>]+)>?`)
	mdCodeSpanRE   = regexp.MustCompile("`+[^`]*`+")
	mdFenceRE      = regexp.MustCompile("^ {0,3}(```+|~~~+)")
	mdHeadingRE    = regexp.MustCompile(`^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
	mdHTMLAnchorRE = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	mdLinkTextRE   = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
)

// markdownLinks finds the link targets of a Markdown text outside code
// blocks and code spans, where a bracket is text, not a link. Link text may
// wrap onto the next line.
func markdownLinks(text string) []mdLink {
	prose := strings.Join(markdownProse(text), "\n")
	prose = mdCodeSpanRE.ReplaceAllStringFunc(prose, func(span string) string {
		return strings.Map(func(r rune) rune {
			if r == '\n' {
				return r
			}
			return ' '
		}, span)
	})
	lineAt := func(i int) int { return strings.Count(prose[:i], "\n") + 1 }
	var links []mdLink
	for _, re := range []*regexp.Regexp{mdInlineLinkRE, mdRefDefRE} {
		for _, m := range re.FindAllStringSubmatchIndex(prose, -1) {
			links = append(links, mdLink{prose[m[2]:m[3]], lineAt(m[0])})
		}
	}
	return links
}

// markdownProse returns the lines of text, with the lines of fenced code
// blocks blanked (so that indexes stay line numbers).
func markdownProse(text string) []string {
	lines := strings.Split(text, "\n")
	fence := ""
	for i, line := range lines {
		if m := mdFenceRE.FindStringSubmatch(line); m != nil {
			switch {
			case fence == "":
				fence = m[1]
			case strings.HasPrefix(m[1], fence[:1]) && len(m[1]) >= len(fence):
				fence = ""
			}
			lines[i] = ""
			continue
		}
		if fence != "" {
			lines[i] = ""
		}
	}
	return lines
}

// markdownAnchors lists the anchors a Markdown renderer such as GitHub's
// gives the headings (lower case, punctuation dropped, spaces to hyphens,
// -1, -2... for repeats), plus explicit <a name/id> anchors.
func markdownAnchors(text string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, line := range markdownProse(text) {
		for _, m := range mdHTMLAnchorRE.FindAllStringSubmatch(line, -1) {
			anchors[m[1]] = true
		}
		m := mdHeadingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		heading := mdLinkTextRE.ReplaceAllString(m[1], "$1")
		var slug strings.Builder
		for _, r := range strings.ToLower(heading) {
			switch {
			case r == ' ':
				slug.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				slug.WriteRune(r)
			}
		}
		s := slug.String()
		if k := seen[s]; k > 0 {
			anchors[s+"-"+strconv.Itoa(k)] = true
		} else {
			anchors[s] = true
		}
		seen[s]++
	}
	return anchors
}
