package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/wire/wiretest"
)

// TestTLSAndToken runs scraper and analyzer with TLS and a shared secret:
// the right token gets every tweet; a wrong one gets nothing and is logged
// by peer, never by token.
func TestTLSAndToken(t *testing.T) {
	dir := t.TempDir()
	cert, key := wiretest.Cert(t, dir)
	scr := startEnv(t, []string{"GEOSTREAM_TOKEN=s3cret-token"}, "scraper", "synth", "--count", "2000", "--rate", "50", "--speed", "0",
		"--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key, "--wait-clients", "1")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)

	bad := start(t, "analyzer", "run", "--connect", addr, "--tls-ca", cert, "--token", "wrong-token", "--once",
		"--clock", "event", "--maps=false", "--out", filepath.Join(dir, "bad"))
	scr.waitLog("client rejected: bad or missing AUTH line", 1, 30*time.Second)
	bad.cmd.Process.Kill()

	out := filepath.Join(dir, "good")
	an := startEnv(t, []string{"GEOSTREAM_TOKEN=s3cret-token"}, "analyzer", "run", "--connect", addr, "--tls-ca", cert, "--once",
		"--clock", "event", "--maps=false", "--out", out)
	if err := an.wait(60 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	wins, _ := readWindows(t, filepath.Join(out, "windows.ndjson"))
	total := 0
	for _, w := range wins {
		total += w.Slide.Tweets
	}
	if total != 2000 {
		t.Fatalf("windows account for %d of 2000 tweets over TLS", total)
	}
	for _, p := range []*proc{scr, an, bad} {
		p.mu.Lock()
		leaked := containsStr(p.raw.String(), "s3cret-token") || containsStr(p.raw.String(), "wrong-token")
		p.mu.Unlock()
		if leaked {
			t.Fatal("a token appears in a log")
		}
	}
}
