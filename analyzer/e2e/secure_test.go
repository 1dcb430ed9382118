package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/wire/wiretest"
)

// TestTLSAndToken runs scraper and analyzer with TLS and a shared secret:
// the right token gets every tweet; the README's mistakes each end the
// analyzer at once, non-zero, with one line naming the flag to fix, and
// the scraper logs why it refused (by peer, never by token).
func TestTLSAndToken(t *testing.T) {
	dir := t.TempDir()
	cert, key := wiretest.Cert(t, dir)
	otherCA, _ := wiretest.Cert(t, t.TempDir())
	scr := startEnv(t, []string{"GEOSTREAM_TOKEN=s3cret-token"}, "scraper", "synth", "--count", "2000", "--rate", "50", "--speed", "0",
		"--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key, "--wait-clients", "1")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)

	mistakes := []struct {
		name   string
		env    []string
		args   []string
		flag   string // named by the analyzer's error
		server string // the scraper's log line, if it saw the client
	}{
		{"a wrong token", nil, []string{"--tls-ca", cert, "--token", "wrong-token"}, "--token", "client rejected: wrong token"},
		{"no token", nil, []string{"--tls-ca", cert}, "--token", ""},
		{"no --tls-ca", []string{"GEOSTREAM_TOKEN=s3cret-token"}, nil, "--tls-ca", "client rejected: it does not speak TLS"},
		{"a CA that did not sign it", []string{"GEOSTREAM_TOKEN=s3cret-token"}, []string{"--tls-ca", otherCA}, "--tls-ca", ""},
		{"a host name the certificate lacks", []string{"GEOSTREAM_TOKEN=s3cret-token"},
			[]string{"--tls-ca", cert, "--tls-server-name", "scraper.example"}, "--tls-server-name", ""},
	}
	var refused []*proc
	for _, m := range mistakes {
		t.Run(m.name, func(t *testing.T) {
			args := append([]string{"run", "--connect", addr, "--maps=false", "--out", filepath.Join(dir, "bad", m.name)}, m.args...)
			p := startEnv(t, m.env, "analyzer", args...)
			refused = append(refused, p)
			err := p.wait(20 * time.Second)
			if err == nil {
				t.Fatal("the analyzer exited 0")
			}
			logText := p.log.Text()
			var last string
			for _, l := range strings.Split(strings.TrimSpace(logText), "\n") {
				if strings.HasPrefix(l, "analyzer: ") {
					last = l
				}
			}
			if !strings.Contains(last, m.flag) {
				t.Fatalf("the analyzer's error %q does not name %s", last, m.flag)
			}
			if m.server != "" {
				scr.waitLog(m.server, 1, 10*time.Second)
			}
		})
	}

	out := filepath.Join(dir, "good")
	an := startEnv(t, []string{"GEOSTREAM_TOKEN=s3cret-token"}, "analyzer", "run", "--connect", addr, "--tls-ca", cert,
		"--maps=false", "--out", out)
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
	for _, p := range append([]*proc{scr, an}, refused...) {
		leaked := containsStr(p.log.Text(), "s3cret-token") || containsStr(p.log.Text(), "wrong-token")
		if leaked {
			t.Fatal("a token appears in a log")
		}
	}
}
