package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWindowRSS streams synthetic posts at 20,000 a second of real
// time from the scraper into the analyzer, run as a user runs it (60 s
// windows, maps, events and checkpoints on), for GEOSTREAM_RSS_SECONDS
// (180 by default: three windows' worth after the first is full), and
// reports the analyzer's peak resident memory (VmHWM) and, as
// rss-B/post, that peak over the posts of its last full window: what a
// windowed post costs. It takes minutes a binary; with
// GEOSTREAM_BENCH_BASELINE it runs both, as BenchmarkIngest does.
func BenchmarkWindowRSS(b *testing.B) {
	secs := 180
	if s := os.Getenv("GEOSTREAM_RSS_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 90 {
			b.Fatalf("GEOSTREAM_RSS_SECONDS=%q: want at least 90 (a full window and a slide)", s)
		}
		secs = n
	}
	dir := fastBinaries(b)
	bins := []struct{ name, dir string }{{"", dir}}
	if base := os.Getenv("GEOSTREAM_BENCH_BASELINE"); base != "" {
		bins = []struct{ name, dir string }{{"/bin=before", base}, {"/bin=after", dir}}
	}
	for _, bin := range bins {
		b.Run("rate=20000"+bin.name, func(b *testing.B) {
			var peak float64
			var posts int
			for b.Loop() {
				p, n := windowRSS(b, bin.dir, time.Duration(secs)*time.Second)
				peak, posts = max(peak, p), max(posts, n)
			}
			b.ReportMetric(peak/1e6, "peak-RSS-MB")
			b.ReportMetric(float64(posts), "posts/window")
			b.ReportMetric(peak/float64(posts), "rss-B/post")
		})
	}
}

// windowPosts finds the posts of a window in the analyzer's line for it.
var windowPosts = regexp.MustCompile(`msg=window .*\bposts=([0-9]+)`)

// windowRSS runs the scraper at 20,000 posts/s into the analyzer for d,
// with the binaries in dir, and returns the analyzer's peak RSS in bytes
// and how many posts its last window before the end held.
func windowRSS(b *testing.B, dir string, d time.Duration) (peak float64, posts int) {
	addr := freePortAddr(b)
	scr := exec.Command(filepath.Join(dir, "scraper"), "synth", "--rate", "20000", "--speed", "1",
		"--listen", addr, "--wait-clients", "1", "--log-level", "warn")
	if err := scr.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { scr.Process.Kill(); scr.Wait() }()
	an := exec.Command(filepath.Join(dir, "analyzer"), "run", "--connect", addr, "--out", b.TempDir(), "--keep", "5")
	stderr, err := an.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := an.Start(); err != nil {
		b.Fatal(err)
	}
	defer an.Process.Kill() // on a failure; after Wait, a no-op
	h := watchHWM(an.Process.Pid)
	var last atomic.Int64 // the posts of the newest window line
	read := make(chan struct{})
	go func() { // ends when the analyzer closes its stderr, at exit
		defer close(read)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if m := windowPosts.FindSubmatch(sc.Bytes()); m != nil {
				n, _ := strconv.ParseInt(string(m[1]), 10, 64)
				last.Store(n)
			}
		}
		io.Copy(io.Discard, stderr) // past a line too long: the analyzer must not block on its log
	}()
	select {
	case <-time.After(d): // the measure's length, not a wait for something
	case <-b.Context().Done():
	}
	peakMB := h.stop()
	posts = int(last.Load()) // before the stop writes its partial window
	an.Process.Signal(os.Interrupt)
	select {
	case <-read:
	case <-time.After(time.Minute):
		b.Fatal("the analyzer did not stop within a minute of an interrupt")
	}
	if err := an.Wait(); err != nil {
		b.Fatalf("analyzer: %v", err)
	}
	if posts == 0 {
		b.Fatalf("no window in %v", d)
	}
	return peakMB * (1 << 20), posts
}
