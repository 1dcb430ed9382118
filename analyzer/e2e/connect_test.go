package e2e

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lastError is the analyzer's own error line, "analyzer: ...".
func lastError(p *proc) string {
	var last string
	for _, l := range strings.Split(p.log.Text(), "\n") {
		if strings.HasPrefix(l, "analyzer: ") {
			last = l
		}
	}
	return last
}

// exitCode is the exit code of a process that has ended with err: -1 if
// it was not an exit.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestWrongAddress runs the analyzer at addresses where no scraper is: a
// mistake in the address exits 2 at once, finding no scraper with --once
// and finding another program exit 1, each with one line that says what
// is wrong and what to do.
func TestWrongAddress(t *testing.T) {
	web := httptest.NewServer(http.NotFoundHandler()) // a port held by another program
	defer web.Close()
	closed := freePort(t)
	tests := []struct {
		name  string
		args  []string
		code  int
		says  []string
		limit time.Duration
	}{
		{"no port", []string{"--connect", "127.0.0.1"}, 2, []string{"--connect 127.0.0.1", "missing port"}, 10 * time.Second},
		{"nothing listening, --once", []string{"--connect", closed, "--once"}, 1,
			[]string{"no scraper at " + closed, "connection refused", "scraper synth --listen " + closed}, 10 * time.Second},
		{"a web server", []string{"--connect", strings.TrimPrefix(web.URL, "http://")}, 1,
			[]string{"is not a scraper", "said nothing"}, 20 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			began := time.Now()
			p := start(t, "analyzer", append([]string{"run", "--maps=false", "--out", filepath.Join(t.TempDir(), "out")}, tc.args...)...)
			if err := p.wait(60 * time.Second); exitCode(err) != tc.code {
				t.Fatalf("exit %v, want %d", err, tc.code)
			}
			if d := time.Since(began); d > tc.limit {
				t.Fatalf("took %v", d)
			}
			last := lastError(p)
			for _, s := range tc.says {
				if !strings.Contains(last, s) {
					t.Errorf("%q does not say %q", last, s)
				}
			}
		})
	}
}

// TestWaitingForAScraper: without --once the analyzer waits for a scraper
// to come up, saying once what is wrong and then a short line a retry, and
// reads it once it is there.
func TestWaitingForAScraper(t *testing.T) {
	addr := freePort(t)
	dir := t.TempDir()
	an := start(t, "analyzer", "run", "--connect", addr, "--maps=false", "--out", filepath.Join(dir, "out"))
	an.waitLog("still no scraper; retrying", 2, 30*time.Second)
	var first string
	for _, r := range an.log.Records() {
		if r["level"] == "WARN" {
			first, _ = r["msg"].(string)
			break
		}
	}
	if !strings.Contains(first, "no scraper at "+addr) || !strings.Contains(first, "scraper synth --listen "+addr) {
		t.Fatalf("the first failure says %q", first)
	}
	for _, line := range strings.Split(an.log.Text(), "\n") {
		if strings.Contains(line, "still no scraper") && len(line) > 160 {
			t.Errorf("a retry in %d characters: %s", len(line), line)
		}
	}
	scr := start(t, "scraper", "synth", "--count", "300", "--rate", "100", "--speed", "0", "--listen", addr)
	if err := an.wait(60 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	if fin := an.waitLog("finished", 1, time.Second); fin["tweets"].(float64) == 0 {
		t.Fatalf("finished with %v", fin)
	}
}
