package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// mainEnv, set in a child's environment, makes the test binary run the
// scraper's Main with its arguments instead of the tests: the tests start
// real scraper processes without a separate build.
const mainEnv = "GEOSTREAM_SCRAPER_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// proc is a scraper process whose JSON log lines are watched.
type proc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs []map[string]any
	raw  bytes.Buffer
	seen chan struct{} // closed and replaced on every log line
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, once done is closed
}

// startProc runs the scraper with args (and JSON logs) in a child process,
// killed at the end of the test if still running.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "--log-format", "json")...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, seen: make(chan struct{}), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			json.Unmarshal(sc.Bytes(), &m)
			p.mu.Lock()
			p.raw.Write(sc.Bytes())
			p.raw.WriteByte('\n')
			if m != nil {
				p.logs = append(p.logs, m)
			}
			close(p.seen)
			p.seen = make(chan struct{})
			p.mu.Unlock()
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitLog waits until a log line with message msg has appeared and returns it.
func (p *proc) waitLog(t *testing.T, msg string, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.After(timeout)
	for {
		p.mu.Lock()
		for _, m := range p.logs {
			if m["msg"] == msg {
				p.mu.Unlock()
				return m
			}
		}
		seen := p.seen
		p.mu.Unlock()
		select {
		case <-seen:
		case <-p.done:
			t.Fatalf("scraper exited (%v) before logging %q:\n%s", p.err, msg, p.logText())
		case <-deadline:
			t.Fatalf("no %q log line within %v:\n%s", msg, timeout, p.logText())
		}
	}
}

func (p *proc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.raw.String()
}
