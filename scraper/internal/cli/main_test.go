package cli

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/logs/logtest"
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
	log  *logtest.Log
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, once done is closed
}

// startProc runs the scraper with args (and JSON logs) in a child process,
// killed at the end of the test if still running.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "--log-format", "json")...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	p := &proc{cmd: cmd, log: logtest.New(), done: make(chan struct{})}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { // ends when the process does
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
	m, err := p.log.Wait(msg, 1, timeout, p.done)
	if err != nil {
		select {
		case <-p.done:
			t.Fatalf("%v (exit: %v):\n%s", err, p.err, p.logText())
		default:
			t.Fatalf("%v:\n%s", err, p.logText())
		}
	}
	return m
}

func (p *proc) logText() string { return p.log.Text() }
