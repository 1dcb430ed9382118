package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var (
	fastOnce sync.Once
	fastBin  string
	fastErr  error
)

// fastBinaries builds the binaries without the race detector, for speed.
func fastBinaries(b *testing.B) string {
	fastOnce.Do(func() {
		fastBin = filepath.Join(bin, "fast")
		for _, name := range []string{"scraper", "analyzer"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(fastBin, name), "github.com/geostream/geostream/"+name+"/cmd/"+name)
			cmd.Dir = ".."
			if out, err := cmd.CombinedOutput(); err != nil {
				fastErr = fmt.Errorf("building %s: %v\n%s", name, err, out)
				return
			}
		}
	})
	if fastErr != nil {
		b.Fatal(fastErr)
	}
	return fastBin
}

// benchCapture makes a synthetic capture of count tweets of the given API
// with the scraper in dir.
func benchCapture(b *testing.B, dir, api string, count int) string {
	capture := filepath.Join(b.TempDir(), "capture-"+api+".jsonl")
	gen := exec.Command(filepath.Join(dir, "scraper"), "synth", "--api", api, "--count", fmt.Sprint(count),
		"--rate", "200", "--out", capture, "--log-level", "warn")
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	return capture
}

// BenchmarkIngest replays a capture at --speed 0 through the scraper's
// socket into the analyzer (event clock, maps off, clustering on) and
// reports tweets per second end to end. v2/spark is Spark's Euclidean
// update with online word vectors (the default before the spherical
// model); v2/spark-hashed the same without the online vectors;
// v2-events-off the default without event detection, to set beside v2.
// Each also reports the analyzer's CPU time (user and system) per run.
func BenchmarkIngest(b *testing.B) {
	dir := fastBinaries(b)
	for _, c := range []struct {
		name, api string
		count     int
		extra     []string
	}{
		{"v2", "v2", 100000, nil},
		{"v2-events-off", "v2", 100000, []string{"--events=false"}},
		{"v2/spark", "v2", 100000, []string{"--kmeans", "spark"}},
		{"v2/spark-hashed", "v2", 100000, []string{"--kmeans", "spark", "--embeddings-online=false"}},
		{"v1", "v1", 40000, nil},
	} {
		capture := benchCapture(b, dir, c.api, c.count)
		st, _ := os.Stat(capture)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			var elapsed, cpu time.Duration
			for b.Loop() {
				ln := freePortAddr(b)
				scr := exec.Command(filepath.Join(dir, "scraper"), "replay", capture, "--speed", "0", "--listen", ln, "--log-level", "warn")
				if err := scr.Start(); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				args := append([]string{"run", "--connect", ln, "--once", "--clock", "event",
					"--maps=false", "--out", b.TempDir(), "--log-level", "warn"}, c.extra...)
				an := exec.Command(filepath.Join(dir, "analyzer"), args...)
				if out, err := an.CombinedOutput(); err != nil {
					scr.Process.Kill()
					b.Fatalf("analyzer: %v\n%s", err, out)
				}
				elapsed += time.Since(start)
				cpu += an.ProcessState.UserTime() + an.ProcessState.SystemTime()
				scr.Wait()
			}
			b.ReportMetric(float64(c.count*b.N)/elapsed.Seconds(), "tweets/s")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "analyzer-cpu-s/op")
		})
	}
}
