package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The recipes the documentation gives are run here as written: each test
// reads its commands from the page's block marked <!-- recipe: NAME -->,
// changes only what a test must (a server's name to loopback's, a fixed
// port to a free one, file names to the test's directory) and adds flags
// that bound the run (--count, --out). A recipe edited on its page is the
// recipe tested; one that is moved or removed fails its test, naming the
// page.

// recipe returns the commands of the shell block that follows the line
// <!-- recipe: name --> in page (a path from the repository's root), each
// split into words as the shell would: comments, line continuations and a
// trailing & dropped, quotes removed. Variables ($T) are left as written.
func recipe(t *testing.T, page, name string) [][]string {
	t.Helper()
	cmds, err := readRecipe(filepath.Join("..", "..", page), name)
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	return cmds
}

func readRecipe(path, name string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	marker := "<!-- recipe: " + name + " -->"
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == marker {
			break
		}
	}
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "```sh" {
		return nil, fmt.Errorf("no ```sh block after %s", marker)
	}
	var cmds [][]string
	var cont string
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "```" {
			if len(cmds) == 0 {
				return nil, fmt.Errorf("the block after %s holds no command", marker)
			}
			return cmds, nil
		}
		line = cont + line
		if strings.HasSuffix(line, `\`) {
			cont = strings.TrimSuffix(line, `\`)
			continue
		}
		cont = ""
		words, err := shellWords(line)
		if err != nil {
			return nil, fmt.Errorf("recipe %s: %q: %w", name, line, err)
		}
		if len(words) > 0 && words[len(words)-1] == "&" {
			words = words[:len(words)-1]
		}
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
	}
	return nil, fmt.Errorf("the block after %s does not end", marker)
}

// shellWords splits one command line into words as sh does for the
// recipes' needs: blanks separate words, '...' and "..." quote (a
// backslash escapes in double quotes), $(...) stays whole inside its word,
// and # at the start of a word begins a comment.
func shellWords(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case c == '#' && !inWord:
			return words, nil
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated '")
			}
			w.WriteString(line[i+1 : i+1+j])
			i, inWord = i+1+j, true
		case c == '"':
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				w.WriteByte(line[j])
			}
			if j >= len(line) {
				return nil, errors.New(`unterminated "`)
			}
			i, inWord = j, true
		case c == '$' && i+1 < len(line) && line[i+1] == '(':
			depth, j := 0, i+1
			for ; j < len(line); j++ {
				if line[j] == '(' {
					depth++
				} else if line[j] == ')' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			if j >= len(line) {
				return nil, errors.New("unterminated $(")
			}
			w.WriteString(line[i : j+1])
			i, inWord = j, true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// pick returns a copy of the first command holding words in this order
// (not necessarily side by side).
func pick(t *testing.T, cmds [][]string, words ...string) []string {
	t.Helper()
	for _, c := range cmds {
		rest := words
		for _, w := range c {
			if len(rest) > 0 && w == rest[0] {
				rest = rest[1:]
			}
		}
		if len(rest) == 0 {
			return slices.Clone(c)
		}
	}
	t.Fatalf("no command of the recipe holds %q; it has %q", words, cmds)
	return nil
}

// args returns a recipe command's arguments after checking that it runs
// bin/<name>, with each word replaced as r says (whole words for files,
// substrings for names and addresses).
func args(t *testing.T, cmd []string, name string, r *strings.Replacer) []string {
	t.Helper()
	if cmd[0] != "bin/"+name {
		t.Fatalf("recipe command %q does not run bin/%s", cmd, name)
	}
	out := slices.Clone(cmd[1:])
	if r != nil {
		for i, w := range out {
			out[i] = r.Replace(w)
		}
	}
	return out
}

// inDir replaces the words that name one of files by their path in dir.
func inDir(words []string, dir string, files ...string) []string {
	out := slices.Clone(words)
	for i, w := range out {
		if slices.Contains(files, w) {
			out[i] = filepath.Join(dir, w)
		}
	}
	return out
}

func TestShellWords(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
		err  bool
	}{
		{line: "bin/scraper synth", want: []string{"bin/scraper", "synth"}},
		{line: "  bin/analyzer run    # reads 127.0.0.1:9999", want: []string{"bin/analyzer", "run"}},
		{line: "# a comment alone"},
		{line: `openssl req -subj "/CN=server.example" -x`, want: []string{"openssl", "req", "-subj", "/CN=server.example", "-x"}},
		{line: `bin/scraper bluesky --track storm,flood,"power outage"`, want: []string{"bin/scraper", "bluesky", "--track", "storm,flood,power outage"}},
		{line: `bin/scraper stream --rule 'has:geo (storm OR flood) lang:en'`, want: []string{"bin/scraper", "stream", "--rule", "has:geo (storm OR flood) lang:en"}},
		{line: `T=$(openssl rand -hex 16)    # the token`, want: []string{"T=$(openssl rand -hex 16)"}},
		{line: `--token "$T" x#y`, want: []string{"--token", "$T", "x#y"}},
		{line: `a "b\"c"`, want: []string{"a", `b"c`}},
		{line: `bin/scraper synth &`, want: []string{"bin/scraper", "synth", "&"}},
		{line: `a 'b`, err: true},
		{line: `a "b`, err: true},
		{line: `T=$(openssl rand`, err: true},
	} {
		got, err := shellWords(c.line)
		if (err != nil) != c.err || !slices.Equal(got, c.want) {
			t.Errorf("shellWords(%q) = %q, %v; want %q (error: %v)", c.line, got, err, c.want, c.err)
		}
	}
}

func TestReadRecipe(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.md")
	text := "# A page\n\n<!-- recipe: one -->\n```sh\n# first\nbin/scraper synth \\\n  --count 5 &   # in the background\n\nbin/analyzer run\n```\n" +
		"<!-- recipe: empty -->\n```sh\n# nothing\n```\n<!-- recipe: prose -->\nsome words\n<!-- recipe: open -->\n```sh\nbin/analyzer run\n"
	if err := os.WriteFile(page, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readRecipe(page, "one")
	want := [][]string{{"bin/scraper", "synth", "--count", "5"}, {"bin/analyzer", "run"}}
	if err != nil || !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("recipe one = %q, %v; want %q", got, err, want)
	}
	for _, name := range []string{"empty", "prose", "open", "missing"} {
		if got, err := readRecipe(page, name); err == nil {
			t.Errorf("recipe %s = %q, want an error", name, got)
		}
	}
}

// TestTwoTerminalsRecipe runs README's first recipe: the generator and a
// plain analyzer with its live page. Bounded by --count, on a free port.
func TestTwoTerminalsRecipe(t *testing.T) {
	cmds := recipe(t, "README.md", "two-terminals")
	dir := t.TempDir()
	scr := start(t, "scraper", append(args(t, pick(t, cmds, "bin/scraper", "synth"), "scraper", nil),
		"--count", "3000", "--speed", "0", "--listen", "127.0.0.1:0")...)
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	page := strings.NewReplacer("127.0.0.1:8080", "127.0.0.1:0")
	an := start(t, "analyzer", append(args(t, pick(t, cmds, "bin/analyzer", "run"), "analyzer", page),
		"--connect", addr, "--out", dir)...)
	an.waitLog("serving the live page", 1, 30*time.Second)
	if err := an.wait(120 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	wins, _ := readWindows(t, filepath.Join(dir, "windows.ndjson"))
	total := 0
	for _, w := range wins {
		total += w.Slide.Tweets
	}
	if total != 3000 {
		t.Fatalf("windows account for %d of 3000 posts", total)
	}
	if st, err := os.Stat(filepath.Join(dir, "latest.png")); err != nil || st.Size() == 0 {
		t.Fatalf("latest.png: %v", err)
	}
}

// TestReplayRecipe follows the replay recipe of docs/sources.md: a capture
// replayed into the socket at full speed, and a plain analyzer run with no
// clock or ending flags. The analyzer must batch by the posts' own times
// (the scraper's hello says it replays), end by itself when the replay
// does, and write the same windows as reading the capture with --input,
// the offline recipe of docs/usage.md.
func TestReplayRecipe(t *testing.T) {
	cmds := recipe(t, "docs/sources.md", "replay")
	dir := t.TempDir()
	const capture = "capture.jsonl.gz"
	gen := exec.Command(filepath.Join(bin, "scraper"), append(args(t, pick(t, cmds, "bin/scraper", "synth", "--out", capture), "scraper", nil),
		"--count", "8000", "--seed", "4")...)
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("making the capture: %v\n%s", err, out)
	}
	scr := start(t, "scraper", append(inDir(args(t, pick(t, cmds, "replay", "--speed", "0"), "scraper", nil), dir, capture),
		"--listen", "127.0.0.1:0")...)
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	viaSocket := filepath.Join(dir, "socket")
	an := start(t, "analyzer", append(args(t, pick(t, cmds, "bin/analyzer", "run"), "analyzer", nil),
		"--connect", addr, "--maps=false", "--out", viaSocket)...)
	if err := an.wait(120 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	an.waitLog("scraper closed the stream", 1, time.Second)

	offline := recipe(t, "docs/usage.md", "offline")
	viaFile := filepath.Join(dir, "file")
	read := exec.Command(filepath.Join(bin, "analyzer"), append(inDir(args(t, pick(t, offline, "bin/analyzer", "run", "--input"), "analyzer", nil), dir, capture),
		"--maps=false", "--out", viaFile)...)
	if out, err := read.CombinedOutput(); err != nil {
		t.Fatalf("analyzer --input: %v\n%s", err, out)
	}
	a, err := os.ReadFile(filepath.Join(viaSocket, "windows.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(viaFile, "windows.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("windows through the socket (%d bytes, %d windows) differ from --input's (%d bytes, %d windows)",
			len(a), bytes.Count(a, []byte("\n")), len(b), bytes.Count(b, []byte("\n")))
	}
	if n := bytes.Count(a, []byte("\n")); n < 8 { // 160 s of posts, a window every 20 s
		t.Fatalf("%d windows: the replay was not batched by its posts' times", n)
	}
}
