// Package e2e runs the real scraper and analyzer binaries against each other
// over loopback.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/logs/logtest"
)

var bin string // directory holding the built binaries

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "geostream-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = dir
	for _, name := range []string{"scraper", "analyzer"} {
		args := []string{"build", "-o", filepath.Join(dir, name)}
		if os.Getenv("GEOSTREAM_E2E_RACE") != "" {
			args = append(args, "-race") // five to ten times slower processes
		}
		cmd := exec.Command("go", append(args, "github.com/geostream/geostream/"+name+"/cmd/"+name)...)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", name, err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running binary whose JSON log lines are watched.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  *logtest.Log
	done chan error
}

func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return startEnv(t, nil, name, args...)
}

// startEnv is start with env added to the process's environment (and only
// to its own).
func startEnv(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(filepath.Join(bin, name), append(args, "--log-format", "json")...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{t: t, cmd: cmd, log: logtest.New(), done: make(chan error, 1)}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }() // ends when the process does
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, p.log.Text())
		}
	})
	return p
}

// waitLog waits until n log lines with message msg have appeared.
func (p *proc) waitLog(msg string, n int, timeout time.Duration) map[string]any {
	p.t.Helper()
	m, err := p.log.Wait(msg, n, timeout, nil)
	if err != nil {
		p.t.Fatal(err)
	}
	return m
}

// changed returns a channel closed at the next log line.
func (p *proc) changed() <-chan struct{} { return p.log.Changed() }

func (p *proc) wait(timeout time.Duration) error {
	p.t.Helper()
	select {
	case err := <-p.done:
		return err
	case <-time.After(timeout):
		p.t.Fatalf("process did not exit within %v", timeout)
		return nil
	}
}

type windowLine struct {
	Tweets, Malformed, Notices int
	Slide                      struct{ Tweets, Malformed, Notices, Located int }
	Clusters                   []struct{ Size int }
}

func readWindows(t *testing.T, path string) ([]windowLine, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []windowLine
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var w windowLine
		if err := json.Unmarshal(l, &w); err != nil {
			t.Fatalf("bad window line %q: %v", l, err)
		}
		out = append(out, w)
	}
	return out, b
}

func countLines(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// runSynthThroughSocket serves a synthetic capture to an event-clock
// analyzer over loopback and returns the windows file and the scraper's stats.
func runSynthThroughSocket(t *testing.T, out string, extra ...string) (string, map[string]any) {
	labels := filepath.Join(out, "labels.tsv")
	scr := start(t, "scraper", append([]string{"synth", "--count", "6000", "--rate", "50", "--speed", "0", "--malformed", "0.02",
		"--notices", "0.01", "--seed", "5", "--labels", labels, "--listen", "127.0.0.1:0"}, extra...)...)
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	an := start(t, "analyzer", "run", "--connect", addr, "--clock", "event", "--once", "--out", out)
	if err := an.wait(120 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	return filepath.Join(out, "windows.ndjson"), scr.waitLog("synth finished", 1, time.Second)
}

func TestSynthThroughSocketLosesNothing(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	path1, st := runSynthThroughSocket(t, dir1)
	wins, b1 := readWindows(t, path1)
	var tweets, malformed, notices int
	for _, w := range wins {
		tweets += w.Slide.Tweets
		malformed += w.Slide.Malformed
		notices += w.Slide.Notices
	}
	labelled := countLines(t, filepath.Join(dir1, "labels.tsv"))
	if tweets != 6000 || labelled != 6000 {
		t.Fatalf("windows account for %d tweets, labels for %d; sent 6000", tweets, labelled)
	}
	if float64(malformed) != st["malformed"].(float64) || float64(notices) != st["notices"].(float64) {
		t.Fatalf("windows count %d malformed and %d notices; scraper sent %v and %v", malformed, notices, st["malformed"], st["notices"])
	}
	if len(wins) < 6 {
		t.Fatalf("only %d windows for two minutes of tweets", len(wins))
	}

	path2, _ := runSynthThroughSocket(t, dir2)
	_, b2 := readWindows(t, path2)
	if !bytes.Equal(b1, b2) {
		t.Fatal("the same input gave different windows.ndjson")
	}
}

func freePort(t *testing.T) string { return freePortAddr(t) }

// freePortAddr returns a loopback address with a port that was free a
// moment ago.
func freePortAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestAnalyzerSurvivesScraperRestart(t *testing.T) {
	addr := freePort(t)
	out := t.TempDir()
	synth := []string{"synth", "--rate", "200", "--speed", "1", "--listen", addr, "--wait-clients", "0"}
	scr := start(t, "scraper", synth...)
	scr.waitLog("serving", 1, 30*time.Second)
	an := start(t, "analyzer", "run", "--connect", addr, "--clock", "wall", "--batch", "1s", "--window", "2s", "--slide", "1s", "--out", out)
	an.waitLog("connected to scraper", 1, 30*time.Second)
	scr.cmd.Process.Signal(syscall.SIGKILL)
	scr.wait(10 * time.Second)
	an.waitLog("connection to scraper lost; reconnecting", 1, 30*time.Second)

	scr2 := start(t, "scraper", synth...)
	scr2.waitLog("serving", 1, 30*time.Second)
	an.waitLog("connected to scraper", 2, 30*time.Second)
	// A window after the reconnect shows data flows again (windows.ndjson
	// is created with the run's first window).
	before := countLinesIn(filepath.Join(out, "windows.ndjson"))
	deadline := time.Now().Add(30 * time.Second)
	for countLinesIn(filepath.Join(out, "windows.ndjson")) <= before {
		if time.Now().After(deadline) {
			t.Fatal("no window written after the scraper came back")
		}
		select {
		case <-an.changed():
		case <-time.After(time.Second):
		}
	}
	an.cmd.Process.Signal(os.Interrupt)
	if err := an.wait(30 * time.Second); err != nil {
		t.Fatalf("analyzer did not exit cleanly on SIGINT: %v", err)
	}
	scr2.cmd.Process.Signal(syscall.SIGTERM)
	if err := scr2.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper did not exit cleanly on SIGTERM: %v", err)
	}
}
