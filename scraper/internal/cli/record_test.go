package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// flushSlack is how late, beyond the promised second, a flush may land on
// a loaded machine (the race detector, two cores) before the test calls it
// lost.
const flushSlack = 250 * time.Millisecond

// TestRecordSurvivesSIGKILL kills a recording scraper with SIGKILL, which
// leaves it no chance to flush, and checks that the recording holds every
// line a client had received up to a second before the kill: the capture is
// flushed at least once a second, gzip included.
func TestRecordSurvivesSIGKILL(t *testing.T) {
	for _, tc := range []struct {
		name, file, rate string
		min              int // lines due for the test to prove anything
	}{
		{"gzip at 200 lines/s", "x.jsonl.gz", "200", 200},
		{"plain at 200 lines/s", "x.jsonl", "200", 200},
		{"plain at 20 lines/s", "x.jsonl", "20", 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tc.file)
			p := startProc(t, "synth", "--rate", tc.rate, "--record", path, "--listen", "127.0.0.1:0")
			addr := p.waitLog(t, "serving", 30*time.Second)["addr"].(string)
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			type rcvd struct {
				line string
				at   time.Time
			}
			var got []rcvd
			r := bufio.NewReaderSize(conn, 1<<20)
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			if hello, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(hello, `{"geostream"`) {
				t.Fatalf("first line %q, %v: want the hello (it is not recorded)", hello, err)
			}
			var first time.Time
			for first.IsZero() || time.Since(first) < 3*time.Second {
				line, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("after %d lines: %v\n%s", len(got), err, p.logText())
				}
				now := time.Now()
				if first.IsZero() {
					first = now
				}
				got = append(got, rcvd{strings.TrimSuffix(line, "\n"), now})
			}
			killed := time.Now()
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-p.done
			rec := readCapture(t, path)
			due := 0 // lines received long enough before the kill to be flushed
			for due < len(got) && got[due].at.Before(killed.Add(-time.Second-flushSlack)) {
				due++
			}
			if due < tc.min {
				t.Fatalf("only %d lines arrived more than a second before the kill: the test proves nothing", due)
			}
			if len(rec) < due {
				t.Fatalf("the recording holds %d lines; the client had %d of them more than %v before the kill (%d in all)",
					len(rec), due, time.Second+flushSlack, len(got))
			}
			for i := 0; i < due; i++ {
				if rec[i] != got[i].line {
					t.Fatalf("recording line %d differs from what the client received:\n%.200s\n%.200s", i, rec[i], got[i].line)
				}
			}
			t.Logf("client %d lines, recording %d, due %d", len(got), len(rec), due)
		})
	}
}

// readCapture returns the whole lines of a capture cut short by a crash:
// a gzip stream may end mid-block, and the last line may be partial.
func readCapture(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err == io.EOF {
			return nil // not even a header was written
		}
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	data, err := io.ReadAll(r)
	if err != nil && err != io.ErrUnexpectedEOF {
		t.Fatalf("reading %s: %v", path, err)
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	} else {
		return nil
	}
	return strings.Split(string(data), "\n")
}

// TestOutIsTailable: lines written with --out reach the file within about a
// second, so tail -f follows a live capture, and a SIGKILL loses no more.
func TestOutIsTailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.jsonl")
	p := startProc(t, "synth", "--rate", "20", "--speed", "1", "--out", path)
	const want = 20 // one second of lines; the 256 KiB buffer of old held about 250
	deadline := time.Now().Add(5 * time.Second)
	var lines []string
	for len(lines) < want {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s at 20 lines/s, %s holds %d whole lines\n%s", path, len(lines), p.logText())
		}
		time.Sleep(50 * time.Millisecond) // polling the file with a deadline
		if _, err := os.Stat(path); err == nil {
			lines = readCapture(t, path)
		}
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	for i, l := range readCapture(t, path) {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Fatalf("line %d is not a whole JSON line: %.100q", i, l)
		}
	}
}
