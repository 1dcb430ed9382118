package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
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
	// README: a timelapse of the run's maps.
	gif := filepath.Join(out, "timelapse.gif")
	if b, err := exec.Command(filepath.Join(bin, "analyzer"), "timelapse", out, "--gif", gif, "--last", "3").CombinedOutput(); err != nil {
		t.Fatalf("timelapse: %v\n%s", err, b)
	}
	if b, err := os.ReadFile(gif); err != nil || !strings.HasPrefix(string(b), "GIF89a") {
		t.Fatalf("timelapse wrote no GIF: %v", err)
	}
}

// TestTLSRecipe runs README's TLS recipe word for word, with the server's
// name and address replaced by loopback's: openssl's certificate, a token
// from openssl rand, and the two commands.
func TestTLSRecipe(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is missing (.ci/run installs it)")
		}
		t.Skip("no openssl here")
	}
	dir := t.TempDir()
	gen := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "365",
		"-keyout", "server-key.pem", "-out", "server.pem", "-subj", "/CN=localhost",
		"-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
	gen.Dir = dir
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("openssl req: %v\n%s", err, b)
	}
	tok, err := exec.Command("openssl", "rand", "-hex", "16").Output()
	if err != nil {
		t.Fatal(err)
	}
	T := strings.TrimSpace(string(tok))
	scr := start(t, "scraper", "synth", "--count", "3000", "--speed", "0", "--listen", "127.0.0.1:0", "--token", T,
		"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server-key.pem"))
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	port := addr[strings.LastIndex(addr, ":"):]
	out := filepath.Join(dir, "out")
	an := start(t, "analyzer", "run", "--connect", "localhost"+port, "--token", T, "--tls-ca", filepath.Join(dir, "server.pem"),
		"--maps=false", "--out", out)
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
