package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDemoScript runs make demo's script (with fewer tweets) on the built
// binaries: it must end by itself with maps and windows in its folder.
func TestDemoScript(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("bash", "../../scripts/demo.sh")
	cmd.Env = append(os.Environ(), "DEMO_BIN="+bin, "DEMO_OUT="+out, "DEMO_COUNT=12000")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, b)
	} else if !strings.Contains(string(b), "newest map in") {
		t.Fatalf("demo said:\n%s", b)
	}
	for _, f := range []string{"latest.png", "windows.ndjson"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	// The timelapse recipe of docs/usage.md, on the demo's maps.
	tl := args(t, pick(t, recipe(t, "docs/usage.md", "timelapse"), "bin/analyzer", "timelapse"), "analyzer",
		strings.NewReplacer("out/", out+"/"))
	gif := filepath.Join(out, "timelapse.gif")
	if !slices.Contains(tl, gif) {
		t.Fatalf("the timelapse recipe %q does not write %s", tl, gif)
	}
	if b, err := exec.Command(filepath.Join(bin, "analyzer"), append(tl, "--last", "3")...).CombinedOutput(); err != nil {
		t.Fatalf("timelapse: %v\n%s", err, b)
	}
	if b, err := os.ReadFile(gif); err != nil || !strings.HasPrefix(string(b), "GIF89a") {
		t.Fatalf("timelapse wrote no GIF: %v", err)
	}
}

// TestTLSRecipe runs the TLS recipe of docs/usage.md word for word, with
// the server's name and address replaced by loopback's and its port by a
// free one: openssl's certificate, a token from openssl rand, and the two
// commands.
func TestTLSRecipe(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is missing (.ci/run installs it)")
		}
		t.Skip("no openssl here")
	}
	cmds := recipe(t, "docs/usage.md", "tls")
	dir := t.TempDir()
	loopback := strings.NewReplacer("server.example", "localhost", "203.0.113.7", "127.0.0.1")
	req := pick(t, cmds, "openssl", "req")
	for i, w := range req {
		req[i] = loopback.Replace(w)
	}
	gen := exec.Command(req[0], req[1:]...)
	gen.Dir = dir
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("%q: %v\n%s", req, err, b)
	}
	// T=$(openssl rand ...): the one variable the recipe sets.
	var inner []string
	for _, c := range cmds {
		if sub, ok := strings.CutPrefix(c[0], "T=$("); ok && len(c) == 1 {
			var err error
			if inner, err = shellWords(strings.TrimSuffix(sub, ")")); err != nil || len(inner) == 0 {
				t.Fatalf("the token line %q: %v", c, err)
			}
		}
	}
	if inner == nil {
		t.Fatalf("the recipe sets no token T: %q", cmds)
	}
	tok, err := exec.Command(inner[0], inner[1:]...).Output()
	if err != nil {
		t.Fatalf("%q: %v", inner, err)
	}
	T := strings.TrimSpace(string(tok))
	files := []string{"server.pem", "server-key.pem"}
	scrArgs := inDir(args(t, pick(t, cmds, "bin/scraper", "--tls-cert"), "scraper",
		strings.NewReplacer("$T", T, "0.0.0.0:9999", "127.0.0.1:0")), dir, files...)
	scr := start(t, "scraper", append(scrArgs, "--count", "3000", "--speed", "0")...)
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	port := addr[strings.LastIndex(addr, ":"):]
	out := filepath.Join(dir, "out")
	anArgs := inDir(args(t, pick(t, cmds, "bin/analyzer", "run", "--tls-ca"), "analyzer",
		strings.NewReplacer("$T", T, "server.example:9999", "localhost"+port)), dir, files...)
	an := start(t, "analyzer", append(anArgs, "--maps=false", "--out", out)...)
	if err := an.wait(60 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	wins, _ := readWindows(t, filepath.Join(out, "windows.ndjson"))
	total := 0
	for _, w := range wins {
		total += w.Slide.Tweets
	}
	if total != 3000 {
		t.Fatalf("windows account for %d of 3000 tweets", total)
	}
}
