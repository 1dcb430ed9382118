package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/bus/bustest"
)

// BenchmarkNATSIngest runs scraper → JetStream → analyzer end to end: a
// capture replayed at --speed 0 with --publish into a NATS server (in
// this process, file storage), and an analyzer reading it at the same
// time through a durable consumer (event clock, maps off, clustering on).
// The clock runs from the scraper's start until the analyzer, told to
// stop once it has been sent every line, has flushed its windows and
// acked. It reports tweets/s and each process's peak memory.
func BenchmarkNATSIngest(b *testing.B) {
	dir := fastBinaries(b)
	for _, c := range []struct {
		name, api string
		count     int
		scraper   []string
	}{
		{"v2", "v2", 100000, nil},
		{"v2/compact", "v2", 100000, []string{"--format", "compact"}},
		{"v2/300k", "v2", 300000, nil},
	} {
		capture := benchCapture(b, dir, c.api, c.count)
		st, _ := os.Stat(capture)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(st.Size())
			var elapsed time.Duration
			var scrRSS, anRSS, srvHeap float64
			for b.Loop() {
				s := bustest.Run(b)
				nc, err := natsio.Connect(s.URL())
				if err != nil {
					b.Fatal(err)
				}
				js, _ := jetstream.New(nc)
				start := time.Now()
				scr := exec.Command(filepath.Join(dir, "scraper"), append([]string{"replay", capture, "--speed", "0",
					"--publish", s.URL(), "--log-level", "warn"}, c.scraper...)...)
				an := exec.Command(filepath.Join(dir, "analyzer"), "run", "--nats", s.URL(), "--nats-durable", "bench",
					"--clock", "event", "--maps=false", "--out", b.TempDir(), "--log-format", "json", "--stats-interval", "20ms")
				scr.Stderr = os.Stderr
				stderr, err := an.StderrPipe()
				if err != nil {
					b.Fatal(err)
				}
				if err := scr.Start(); err != nil {
					b.Fatal(err)
				}
				if err := an.Start(); err != nil {
					b.Fatal(err)
				}
				scrHWM, anHWM := watchHWM(scr.Process.Pid), watchHWM(an.Process.Pid)
				lines := make(chan int, 1)
				go func() { // ends when the analyzer exits
					sc := bufio.NewScanner(stderr)
					for sc.Scan() {
						var st struct {
							Msg                                 string
							Tweets, Notices, Malformed, TooLong int
						}
						if json.Unmarshal(sc.Bytes(), &st) == nil && st.Msg == "stats" {
							select {
							case <-lines:
							default:
							}
							lines <- st.Tweets + st.Notices + st.Malformed + st.TooLong
						}
					}
				}()
				if err := scr.Wait(); err != nil {
					an.Process.Kill()
					b.Fatalf("scraper: %v", err)
				}
				str, err := js.Stream(b.Context(), bus.Stream)
				if err != nil {
					b.Fatal(err)
				}
				last := str.CachedInfo().State.LastSeq
				for n := range lines { // the stats line every 20 ms says how many lines the pipeline took
					if uint64(n) == last {
						break
					}
				}
				look := time.Now()
				time.Sleep(40 * time.Millisecond) // one more look at its memory, not timed
				looked := time.Since(look)
				an.Process.Signal(os.Interrupt)
				if err := an.Wait(); err != nil {
					b.Fatalf("analyzer: %v", err)
				}
				elapsed += time.Since(start) - looked
				// Stopped, the analyzer has acked the lines of its last
				// checkpoint; those after it (the open batches, the
				// windows since) are for the run that resumes to ack.
				cons, err := js.Consumer(b.Context(), bus.Stream, "bench")
				if err != nil || cons.CachedInfo().AckFloor.Stream == 0 || cons.CachedInfo().AckFloor.Stream > last {
					b.Fatalf("the analyzer acked through %d of %d lines (%v)", cons.CachedInfo().AckFloor.Stream, last, err)
				}
				scrRSS, anRSS = max(scrRSS, scrHWM.stop()), max(anRSS, anHWM.stop())
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				srvHeap = max(srvHeap, float64(ms.HeapInuse)/(1<<20))
				nc.Close()
				s.Stop()
			}
			b.ReportMetric(float64(c.count*b.N)/elapsed.Seconds(), "tweets/s")
			b.ReportMetric(scrRSS, "scraper-MB")
			b.ReportMetric(anRSS, "analyzer-MB")
			b.ReportMetric(srvHeap, "server-heap-MB")
		})
	}
}

// hwm follows a process's peak resident memory (VmHWM; a child's rusage
// would count the parent's pages it shared before exec).
type hwm struct {
	done chan struct{}
	peak chan float64
}

func watchHWM(pid int) *hwm {
	h := &hwm{done: make(chan struct{}), peak: make(chan float64, 1)}
	go func() { // ends at stop
		var peak float64
		read := func() {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
			if err != nil {
				return
			}
			for _, l := range strings.Split(string(b), "\n") {
				if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
					kb, _ := strconv.ParseFloat(f[1], 64)
					peak = max(peak, kb/1024)
				}
			}
		}
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-t.C:
			case <-h.done:
				h.peak <- peak
				return
			}
		}
	}()
	return h
}

// stop returns the peak seen, in MB.
func (h *hwm) stop() float64 {
	close(h.done)
	return <-h.peak
}
