package e2e

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func fdCount(t *testing.T, pid int) int {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	return len(ents)
}

// TestScraperSurvivesBadClients: a client killed mid-stream, one that never
// reads, one that sends junk and a thousand that connect and leave must not
// stop the scraper serving a well-behaved analyzer, nor leak descriptors.
func TestScraperSurvivesBadClients(t *testing.T) {
	out := t.TempDir()
	scr := start(t, "scraper", "synth", "--rate", "2000", "--speed", "1", "--listen", "127.0.0.1:0", "--wait-clients", "0",
		"--client-timeout", "2s", "--stats-interval", "200ms", "--queue", "256", "--metrics-addr", "127.0.0.1:0")
	addr := scr.waitLog("serving", 1, 30*time.Second)["addr"].(string)
	metricsAddr := scr.waitLog("serving metrics", 1, 30*time.Second)["addr"].(string)
	good := start(t, "analyzer", "run", "--connect", addr, "--clock", "wall", "--batch", "1s", "--window", "2s", "--slide", "1s",
		"--maps=false", "--out", out)
	good.waitLog("connected to scraper", 1, 30*time.Second)
	baseFDs := fdCount(t, scr.cmd.Process.Pid)

	victim := start(t, "analyzer", "run", "--connect", addr, "--maps=false", "--out", t.TempDir())
	victim.waitLog("connected to scraper", 1, 30*time.Second)
	victim.cmd.Process.Signal(syscall.SIGKILL)

	stalled, err := net.Dial("tcp", addr) // connects, never reads
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	junk, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 32<<10)
		for i := 0; i < 8; i++ {
			if _, err := junk.Write(buf); err != nil {
				return
			}
		}
	}()
	defer junk.Close()
	scr.waitLog("client disconnected: it sent data the protocol does not expect", 1, 30*time.Second)
	for i := 0; i < 1000; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		c.Close()
	}
	// The kernel completes connections before the accept loop counts them.
	for deadline := time.Now().Add(20 * time.Second); ; {
		v := scrape(t, metricsAddr, "geostream_scraper_accepted_total")
		if v >= 1000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics say %v connections accepted after a thousand", v)
		}
		select {
		case <-scr.changed():
		case <-time.After(50 * time.Millisecond):
		}
	}
	// The stalled client is cut off after --client-timeout; the victim's
	// death is noticed on write.
	scr.waitLog("client disconnected", 3, 30*time.Second)

	// The good analyzer still gets windows after all that.
	before := countLinesIn(filepath.Join(out, "windows.ndjson"))
	deadline := time.Now().Add(20 * time.Second)
	for countLinesIn(filepath.Join(out, "windows.ndjson")) <= before+2 {
		if time.Now().After(deadline) {
			t.Fatal("the good client stopped getting data")
		}
		select {
		case <-good.changed():
		case <-time.After(500 * time.Millisecond):
		}
	}
	// Descriptors settle back: no leak from a thousand short connections.
	stalled.Close()
	junk.Close()
	deadline = time.Now().Add(20 * time.Second)
	for fdCount(t, scr.cmd.Process.Pid) > baseFDs+2 {
		if time.Now().After(deadline) {
			t.Fatalf("scraper holds %d descriptors, %d before the bad clients", fdCount(t, scr.cmd.Process.Pid), baseFDs)
		}
		select {
		case <-scr.changed():
		case <-time.After(200 * time.Millisecond):
		}
	}
	good.cmd.Process.Signal(os.Interrupt)
	if err := good.wait(30 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	scr.cmd.Process.Signal(os.Interrupt)
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
}

// TestRecordSurvivesInterrupt: SIGINT while recording leaves complete
// captures, plain and gzipped, that replay line for line.
func TestRecordSurvivesInterrupt(t *testing.T) {
	for _, name := range []string{"rec.jsonl", "rec.jsonl.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			rec := filepath.Join(dir, name)
			scr := start(t, "scraper", "synth", "--rate", "500", "--speed", "1", "--listen", "127.0.0.1:0", "--wait-clients", "0",
				"--record", rec, "--stats-interval", "100ms")
			scr.waitLog("server stats", 5, 30*time.Second)
			scr.cmd.Process.Signal(os.Interrupt)
			if err := scr.wait(30 * time.Second); err != nil {
				t.Fatalf("scraper: %v", err)
			}
			closed := scr.waitLog("capture closed", 1, time.Second)
			want := int(closed["lines"].(float64))
			f, err := os.Open(rec)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var r = bufio.NewReader(f)
			var sc *bufio.Scanner
			if filepath.Ext(name) == ".gz" {
				zr, err := gzip.NewReader(r)
				if err != nil {
					t.Fatal(err)
				}
				sc = bufio.NewScanner(zr)
			} else {
				sc = bufio.NewScanner(r)
			}
			sc.Buffer(nil, 1<<20)
			n := 0
			for sc.Scan() {
				if !json.Valid(sc.Bytes()) {
					t.Fatalf("line %d is not whole JSON: %.80q", n+1, sc.Text())
				}
				n++
			}
			if err := sc.Err(); err != nil {
				t.Fatalf("capture unreadable after %d lines: %v", n, err)
			}
			if n != want || n == 0 {
				t.Fatalf("capture has %d lines, scraper recorded %d", n, want)
			}
			// And it replays line for line.
			out := filepath.Join(dir, "replayed.jsonl")
			rp := start(t, "scraper", "replay", rec, "--out", out)
			if err := rp.wait(30 * time.Second); err != nil {
				t.Fatalf("replay: %v", err)
			}
			if got := countLines(t, out); got != want {
				t.Fatalf("replayed %d lines of %d", got, want)
			}
		})
	}
}

// scrape reads one metric from a /metrics endpoint.
func scrape(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Fatalf("no %s in the metrics", name)
	return 0
}
