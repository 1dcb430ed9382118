//go:build unix

package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/web"
)

// BenchmarkLivePage runs the analyzer (event clock, maps off, a window
// every 999 tweets) without the page, with the page and no browser, and
// with 50 open event streams reading every slide they are sent, in two
// shapes:
//
//   - replay: 299,700 tweets written as fast as the analyzer reads them,
//     300 slides in about a second, so that a stream gets the newest
//     slide at most every 250 ms and skips the rest (the page fetches what
//     it skipped when the user asks);
//   - live: 20 windows written one every 300 ms, more than four times as
//     often as a live run slides, so that every stream is sent every slide.
//
// The three runs take turns in every round, so that a busy machine slows
// them alike, and the medians are reported: tweets per second of wall
// time (replay only: the live shape waits on its ticker) and per second of
// the process's CPU time (steadier on a busy machine), what the 50
// streams cost against none, and the slides each stream got. The streams'
// readers run in this process too, so the costs also count what the
// browsers would spend.
func BenchmarkLivePage(b *testing.B) {
	b.Run("replay", func(b *testing.B) { benchLivePage(b, newFeed(300, 333), 0) })
	b.Run("live", func(b *testing.B) { benchLivePage(b, newFeed(20, 333), 300*time.Millisecond) })
}

// benchLivePage is one shape of BenchmarkLivePage: the feed is written at
// once when pace is 0, else one batch of it every pace.
func benchLivePage(b *testing.B, f *feed, pace time.Duration) {
	perBatch := 333 * len(topics) // newFeed's tweets in one 10 s batch
	args := []string{"--clock", "event", "--lateness", "0s", "--maps=false", "--slide", "10s", "--locate", "point,place",
		"--stats-interval", "1h"}
	variants := []struct {
		name    string
		clients int
		http    bool
	}{{"off", 0, false}, {"clients0", 0, true}, {"clients50", 50, true}}
	times := make([][]time.Duration, len(variants))
	cpus := make([][]time.Duration, len(variants))
	slides, written := 0, 0
	for b.Loop() {
		for i, v := range variants {
			extra := args
			if v.http {
				extra = append(extra, "--http", "127.0.0.1:0")
			}
			a := startAnalyzer(b, extra...)
			var wg sync.WaitGroup
			var mu sync.Mutex
			if v.http {
				url := a.url()
				for range v.clients {
					resp, err := http.Get(url + "/events")
					if err != nil {
						b.Fatal(err)
					}
					br := bufio.NewReader(resp.Body)
					if _, err := br.ReadString('\n'); err != nil { // "retry:": subscribed
						b.Fatal(err)
					}
					wg.Add(1)
					go func() { // a browser: reads every event until the stream ends
						defer wg.Done()
						defer resp.Body.Close()
						n := 0
						for {
							line, err := br.ReadSlice('\n')
							if err == bufio.ErrBufferFull {
								continue
							}
							if err != nil {
								break
							}
							if len(line) > 4 && string(line[:4]) == "id: " {
								n++
							}
						}
						mu.Lock()
						slides += n
						mu.Unlock()
					}()
				}
			}
			runtime.GC()
			start, cpu := time.Now(), cpuTime(b)
			if pace == 0 {
				io.WriteString(a.in, strings.Join(f.lines, "\n")+"\n")
			} else {
				tick := time.NewTicker(pace) // the load's own clock, not a wait for the analyzer
				for at := 0; at < len(f.lines); at += perBatch {
					io.WriteString(a.in, strings.Join(f.lines[at:min(at+perBatch, len(f.lines))], "\n")+"\n")
					<-tick.C
				}
				tick.Stop()
			}
			a.in.Close()
			if err := <-a.done; err != nil {
				b.Fatal(err)
			}
			times[i] = append(times[i], time.Since(start))
			cpus[i] = append(cpus[i], cpuTime(b)-cpu)
			a.done <- nil // for the cleanup
			wg.Wait()
			if v.clients > 0 {
				lines, err := os.ReadFile(filepath.Join(a.out, "windows.ndjson"))
				if err != nil {
					b.Fatal(err)
				}
				written += bytes.Count(lines, []byte("\n"))
			}
		}
	}
	median := func(xs []float64) float64 {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	// Rates are medians over the rounds; costs are medians of each round's
	// ratio, which a machine that is busier in some rounds than others
	// leaves alone.
	rates := func(ds []time.Duration) []float64 {
		var out []float64
		for _, d := range ds {
			out = append(out, float64(len(f.lines))/d.Seconds())
		}
		return out
	}
	cost := func(a, b []time.Duration) float64 {
		var r []float64
		for i := range a {
			r = append(r, 100*(b[i].Seconds()/a[i].Seconds()-1))
		}
		return median(r)
	}
	for i, v := range variants {
		if pace == 0 {
			b.ReportMetric(median(rates(times[i])), "tweets/s-"+v.name)
		}
		b.ReportMetric(median(rates(cpus[i])), "tweets/cpu-s-"+v.name)
	}
	if pace == 0 {
		b.ReportMetric(cost(times[1], times[2]), "%wall-cost-50-streams")
	}
	b.ReportMetric(cost(cpus[1], cpus[2]), "%cpu-cost-50-streams")
	b.ReportMetric(cost(cpus[0], cpus[1]), "%cpu-cost-page")
	rounds := float64(len(times[2]))
	b.ReportMetric(float64(slides)/(50*rounds), "slides/stream")
	b.ReportMetric(float64(written)/rounds, "windows")
	// What one slide sent to one stream costs, both ends counted: in the
	// live shape, where every stream gets every slide (in a replay the few
	// slides sent leave only the machine's noise to divide).
	var extra time.Duration
	for i := range cpus[2] {
		extra += cpus[2][i] - cpus[1][i]
	}
	if pace > 0 && slides > 0 {
		b.ReportMetric(float64(extra.Microseconds())/float64(slides), "µs-cpu/slide/stream")
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHubPublish is the hub's share of a slide: a 12 kB window
// published with 0 or 50 streams open, each taking every slide.
func BenchmarkHubPublish(b *testing.B) {
	window := []byte(fmt.Sprintf(`{"pad":"%s"}`, strings.Repeat("x", 12<<10)))
	for _, clients := range []int{0, 50} {
		b.Run(fmt.Sprint("clients=", clients), func(b *testing.B) {
			srv, err := web.Listen(web.Options{Addr: "127.0.0.1:0"})
			if err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			for range clients {
				resp, err := http.Get(srv.URL() + "events")
				if err != nil {
					b.Fatal(err)
				}
				wg.Add(1)
				go func() { defer wg.Done(); io.Copy(io.Discard, resp.Body); resp.Body.Close() }()
			}
			for srv.Hub().Clients() < clients {
				time.Sleep(time.Millisecond) // the streams are subscribing: no event to wait on
			}
			b.ReportAllocs()
			for b.Loop() {
				srv.Hub().Publish(window, nil, nil)
			}
			b.StopTimer()
			srv.Close()
			wg.Wait()
		})
	}
}
