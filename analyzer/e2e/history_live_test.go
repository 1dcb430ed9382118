package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/bus/bustest"
)

// arrival is when a live slide was seen: its window's end and the time
// its windows.ndjson line (or its page event) appeared.
type arrival struct {
	End, Seen time.Time
}

func (a arrival) late() time.Duration { return a.Seen.Sub(a.End) }

// arrivals collects slides as they arrive, first sight of each window end
// only.
type arrivals struct {
	mu   sync.Mutex
	got  []arrival
	seen map[time.Time]bool
}

func (s *arrivals) add(end, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[time.Time]bool{}
	}
	if !s.seen[end] {
		s.seen[end] = true
		s.got = append(s.got, arrival{End: end, Seen: at})
	}
}

func (s *arrivals) all() []arrival {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// tailWindows notes when each line of the windows file at path appears,
// looking every 2 ms, until ctx ends. It returns when the watching has
// stopped.
func tailWindows(ctx context.Context, path string, into *arrivals) {
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	var part []byte
	buf := make([]byte, 1<<20)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if f == nil {
			var err error
			if f, err = os.Open(path); err != nil {
				continue // not written yet
			}
		}
		for {
			n, err := f.Read(buf)
			at := time.Now()
			part = append(part, buf[:n]...)
			for {
				i := bytes.IndexByte(part, '\n')
				if i < 0 {
					break
				}
				var w struct {
					End     time.Time
					Partial bool
				}
				if json.Unmarshal(part[:i], &w) == nil && !w.Partial {
					into.add(w.End, at)
				}
				part = part[i+1:]
			}
			if n == 0 || err != nil {
				break
			}
		}
	}
}

// readPage notes when each slide of the page's /events stream comes, until
// the stream ends.
func readPage(ctx context.Context, url string, into *arrivals) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
	if err != nil {
		return err
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer r.Body.Close()
	br := bufio.NewReaderSize(r.Body, 1<<20)
	slide := false
	for {
		line, err := br.ReadBytes('\n')
		at := time.Now()
		switch {
		case bytes.HasPrefix(line, []byte("id: ")):
			slide = true
		case bytes.HasPrefix(line, []byte("data: ")) && slide:
			var m struct{ Window struct{ End time.Time } }
			if json.Unmarshal(line[len("data: "):], &m) == nil {
				into.add(m.Window.End, at)
			}
			slide = false
		case len(bytes.TrimSpace(line)) == 0:
			slide = false
		}
		if err == io.EOF || ctx.Err() != nil {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// span is a time a rebuild ran.
type span struct{ from, to time.Time }

// overlaps says whether some span meets [from, to].
func overlaps(spans []span, from, to time.Time) bool {
	for _, s := range spans {
		if !s.to.Before(from) && !s.from.After(to) {
			return true
		}
	}
	return false
}

// quantiles of ds: the median, the 95th percentile and the maximum.
func quantiles(ds []time.Duration) (med, p95, most time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return at(0.5), at(0.95), s[len(s)-1]
}

// split sorts the slides into those computed while a rebuild ran (one
// was running at some time between the window's end and the line) and
// those with no rebuild from a slide before the end on: their lateness.
func split(got []arrival, spans []span, slide time.Duration) (with, without []time.Duration) {
	for _, a := range got {
		switch {
		case overlaps(spans, a.End, a.Seen):
			with = append(with, a.late())
		case !overlaps(spans, a.End.Add(-slide), a.Seen):
			without = append(without, a.late())
		}
	}
	return with, without
}

func durEnv(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

func intEnv(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// liveLateness runs the measurement: a history of `history` posts in the
// stream, a live run with --clock wall and one-second slides on a
// scraper publishing rate posts a second in real time, and rounds of a
// phase without a rebuild then a phase of rebuilds one after the other.
// It returns the slides' arrivals in windows.ndjson and on the page, the
// rebuilds' spans, and the slide.
func liveLateness(t *testing.T, history, rate, rounds int, phase time.Duration, extra ...string) (file, page []arrival, spans []span, slide time.Duration) {
	slide = time.Second
	s := bustest.Run(t)
	dir := t.TempDir()
	start0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := start(t, "scraper", "synth", "--count", strconv.Itoa(history), "--rate", strconv.Itoa(rate), "--speed", "0",
		"--seed", "7", "--start", start0.Format(time.RFC3339), "--publish", s.URL()).wait(300 * time.Second); err != nil {
		t.Fatalf("publishing the history: %v", err)
	}
	liveDir := filepath.Join(dir, "live")
	an := start(t, "analyzer", append([]string{"run", "--nats", s.URL(), "--nats-durable", "live", "--nats-start", "new",
		"--clock", "wall", "--batch", "1s", "--window", "5s", "--slide", slide.String(), "--maps=false",
		"--out", liveDir, "--http", "127.0.0.1:0"}, extra...)...)
	url := strings.TrimSuffix(an.waitLog("serving the live page", 1, 30*time.Second)["url"].(string), "/")
	later := start0.Add(time.Duration(history/rate+60) * time.Second)
	start(t, "scraper", "synth", "--rate", strconv.Itoa(rate), "--speed", "1", "--seed", "8",
		"--start", later.Format(time.RFC3339), "--publish", s.URL())

	ctx, cancel := context.WithCancel(t.Context())
	var fileGot, pageGot arrivals
	var watchers sync.WaitGroup
	watchers.Add(2)
	go func() { // owned here: ends with ctx
		defer watchers.Done()
		tailWindows(ctx, filepath.Join(liveDir, "windows.ndjson"), &fileGot)
	}()
	go func() { // owned here: ends with ctx (the request's)
		defer watchers.Done()
		if err := readPage(ctx, url, &pageGot); err != nil && ctx.Err() == nil {
			t.Errorf("reading the page's events: %v", err)
		}
	}()
	defer func() {
		cancel()
		watchers.Wait()
	}()
	// The run is live once its slides carry posts.
	waitFor(t, "the live run's slides", 60*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(liveDir, "windows.ndjson"))
		return bytes.Count(b, []byte(`"tweets":`)) >= 5 && !bytes.Contains(b[max(0, len(b)-300):], []byte(`"tweets":0,`))
	})

	status := func() map[string]any {
		r, err := http.Get(url + "/api/history")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var v map[string]any
		json.NewDecoder(r.Body).Decode(&v)
		return v
	}
	for range rounds {
		rest := time.Now().Add(phase)
		waitFor(t, "a phase without a rebuild", phase+time.Minute, func() bool { return time.Now().After(rest) })
		end := time.Now().Add(phase)
		for time.Now().Before(end) {
			from := time.Now()
			r, err := http.Post(url+"/api/history", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			r.Body.Close()
			if r.StatusCode != http.StatusAccepted {
				t.Fatalf("asking for the history: %d", r.StatusCode)
			}
			var st map[string]any
			waitFor(t, "the history rebuilt", 300*time.Second, func() bool {
				st = status()
				return st["state"] != "running"
			})
			spans = append(spans, span{from, time.Now()})
			if st["state"] != "done" {
				t.Fatalf("the rebuild ended %v", st)
			}
		}
	}
	// A slide past the last rebuild, so that its lateness counts.
	after := time.Now().Add(3 * slide)
	waitFor(t, "a slide after the last rebuild", time.Minute, func() bool { return time.Now().After(after) })
	cancel()
	watchers.Wait()
	return fileGot.all(), pageGot.all(), spans, slide
}

func describe(ds []time.Duration) string {
	med, p95, mx := quantiles(ds)
	return fmt.Sprintf("%d slides: median %v, p95 %v, max %v", len(ds), med.Round(time.Millisecond), p95.Round(time.Millisecond), mx.Round(time.Millisecond))
}

// TestHistoryRebuildLiveLateness measures how late a live run's slides are
// (their windows.ndjson line, and their event on an open page, against
// the window's end) while the page's history is rebuilt, one rebuild after
// the other, against phases without: a history of 60,000 posts in the
// stream, a scraper publishing 1,000 posts a second in real time, the
// live run with --clock wall and one-second slides of five-second
// windows. It is a measurement, run with GEOSTREAM_HISTORY_LATENESS=1
// (GEOSTREAM_HISTORY_ROUNDS, _PHASE, _POSTS, _RATE change its size); it
// fails only if the run does not go through.
func TestHistoryRebuildLiveLateness(t *testing.T) {
	if os.Getenv("GEOSTREAM_HISTORY_LATENESS") == "" {
		t.Skip("a measurement: set GEOSTREAM_HISTORY_LATENESS=1 to run it")
	}
	history := intEnv(t, "GEOSTREAM_HISTORY_POSTS", 60000)
	rate := intEnv(t, "GEOSTREAM_HISTORY_RATE", 1000)
	rounds := intEnv(t, "GEOSTREAM_HISTORY_ROUNDS", 2)
	phase := durEnv(t, "GEOSTREAM_HISTORY_PHASE", 20*time.Second)
	file, page, spans, slide := liveLateness(t, history, rate, rounds, phase)
	var took []time.Duration
	for _, s := range spans {
		took = append(took, s.to.Sub(s.from))
	}
	t.Logf("%d rebuilds of %d posts and more: %s", len(spans), history, describe(took))
	for _, f := range []struct {
		name string
		got  []arrival
	}{{"windows.ndjson", file}, {"page", page}} {
		with, without := split(f.got, spans, slide)
		_, pw, _ := quantiles(with)
		_, po, _ := quantiles(without)
		t.Logf("%s, no rebuild: %s", f.name, describe(without))
		t.Logf("%s, rebuilding: %s", f.name, describe(with))
		t.Logf("%s: p95 %.2f× without, %+v", f.name, float64(pw)/float64(po), (pw - po).Round(time.Millisecond))
	}
	for _, a := range file {
		t.Logf("slide %s: line %v late, rebuilding %v", a.End.Format("15:04:05"), a.late().Round(time.Millisecond), overlaps(spans, a.End, a.Seen))
	}
}
