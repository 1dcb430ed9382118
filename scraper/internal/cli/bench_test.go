package cli

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/logs/logtest"
)

// benchCapture writes a synthetic capture of n lines once per benchmark.
func benchCapture(b *testing.B, n string) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "capture.jsonl")
	root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	root.SetArgs([]string{"synth", "--count", n, "--out", path, "--log-level", "error"})
	if err := root.ExecuteContext(context.Background()); err != nil {
		b.Fatal(err)
	}
	return path
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReplay measures the whole scraper path, source to sink, for a
// replay at --speed 0: into a file (raw and compact) and to a client over
// loopback.
func BenchmarkReplay(b *testing.B) {
	const lines = 20000
	capture := benchCapture(b, "20000")
	st, _ := os.Stat(capture)
	run := func(b *testing.B, args []string, client bool) {
		b.SetBytes(st.Size())
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			stderr := logtest.New()
			root := NewRootCmd(Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: stderr, Getenv: func(string) string { return "" }})
			root.SetArgs(append([]string{"replay", capture, "--speed", "0", "--log-format", "json", "--log-level", "info"}, args...))
			errc := make(chan error, 1)
			go func() { errc <- root.ExecuteContext(context.Background()) }()
			if client {
				conn, err := net.Dial("tcp", logField(b, stderr, "serving", "addr"))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				sc := bufio.NewScanner(conn)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					n++
				}
				conn.Close()
				if n < lines {
					b.Fatalf("client got %d lines", n)
				}
			}
			if err := <-errc; err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
		// CPU time is steadier than wall time on a shared machine.
		b.ReportMetric(float64(cpuTime()-cpu0)/float64(lines*b.N), "cpu-ns/line")
	}
	b.Run("out/raw", func(b *testing.B) { run(b, []string{"--out", os.DevNull}, false) })
	b.Run("out/compact", func(b *testing.B) { run(b, []string{"--out", os.DevNull, "--format", "compact"}, false) })
	b.Run("out/gzip", func(b *testing.B) { run(b, []string{"--out", filepath.Join(b.TempDir(), "o.jsonl.gz")}, false) })
	b.Run("serve/raw", func(b *testing.B) { run(b, []string{"--listen", "127.0.0.1:0", "--stats-interval", "0"}, true) })
}
