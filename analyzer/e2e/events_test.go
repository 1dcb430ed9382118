package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	natsio "github.com/nats-io/nats.go"

	"github.com/geostream/geostream/analyzer/internal/events/bench"
	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/bus/bustest"
)

// eventBench builds the synthetic event benchmark (testdata/events-synth.json)
// in dir: the scraper's synth posts, laid out again as a steady background,
// with bursts and decoys made of words of our own planted at known times
// and places.
func eventBench(t *testing.T, dir string) (capture string, truth *bench.Truth) {
	t.Helper()
	if err := start(t, "scraper", "synth", "--count", "24000", "--seed", "11", "--out",
		filepath.Join(dir, "background.jsonl")).wait(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	spec, err := bench.LoadSpec("testdata/events-synth.json")
	if err != nil {
		t.Fatal(err)
	}
	capture = filepath.Join(dir, "capture.jsonl")
	cf, err := os.Create(capture)
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	var labels bytes.Buffer
	if truth, err = bench.Build(spec, dir, cf, &labels); err != nil {
		t.Fatal(err)
	}
	return capture, truth
}

func readEvents(t *testing.T, path string) []bench.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := bench.ReadEvents(f)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestEventsOnSyntheticBursts: the real analyzer, reading a capture with
// four planted bursts of forty posts from one city, flags each within one
// slide of its first full batch, and flags neither the steady local topic
// nor the surge spread over sixteen cities, nor anything else.
func TestEventsOnSyntheticBursts(t *testing.T) {
	dir := t.TempDir()
	capture, truth := eventBench(t, dir)
	out := filepath.Join(dir, "out")
	if err := start(t, "analyzer", "run", "--input", capture, "--maps=false", "--out", out).wait(120 * time.Second); err != nil {
		t.Fatal(err)
	}
	rep := bench.Score(truth, readEvents(t, filepath.Join(out, "events.ndjson")), bench.Windows{Batch: 10 * time.Second,
		Slide: 20 * time.Second, Window: time.Minute})
	var b strings.Builder
	rep.Print(&b)
	if rep.Bursts != 4 || rep.Found != rep.Bursts || rep.FalseAlarms != 0 || len(rep.DecoyFlagged) != 0 || rep.Duplicates != 0 {
		t.Fatalf("on the synthetic benchmark:\n%s", b.String())
	}
	t.Logf("\n%s", b.String())

	// windows.ndjson lists each event in the windows it is active in,
	// with the id and first_seen of events.ndjson.
	starts := map[int]time.Time{}
	for _, e := range readEvents(t, filepath.Join(out, "events.ndjson")) {
		starts[e.ID] = e.FirstSeen
	}
	f, err := os.Open(filepath.Join(out, "windows.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[int]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var w struct {
			End    time.Time
			Events []struct {
				ID        int
				FirstSeen time.Time `json:"first_seen"`
				Lon, Lat  float64
				RadiusKm  float64 `json:"radius_km"`
				Keywords  []string
				Posts     int
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			t.Fatal(err)
		}
		for _, e := range w.Events {
			listed[e.ID] = true
			if first, ok := starts[e.ID]; !ok || !first.Equal(e.FirstSeen) || w.End.Before(first) || len(e.Keywords) == 0 || e.Posts == 0 {
				t.Errorf("window %s lists event %+v; events.ndjson says it started at %s", w.End, e, first)
			}
		}
	}
	if len(listed) != len(starts) {
		t.Errorf("windows.ndjson lists events %v, events.ndjson %v", listed, starts)
	}
}

// TestEventsPublishedOnNATS: reading from NATS, the analyzer publishes
// each line of events.ndjson on the events subject.
func TestEventsPublishedOnNATS(t *testing.T) {
	s := bustest.Run(t)
	dir := t.TempDir()
	capture, _ := eventBench(t, dir)
	if err := start(t, "scraper", "replay", capture, "--speed", "0", "--publish", s.URL()).wait(120 * time.Second); err != nil {
		t.Fatalf("publishing: %v", err)
	}
	nc, err := natsio.Connect(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var mu sync.Mutex
	var got [][]byte
	sub, err := nc.Subscribe(bus.EventSubject, func(m *natsio.Msg) {
		mu.Lock()
		got = append(got, append(m.Data, '\n'))
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := start(t, "analyzer", "run", "--nats", s.URL(), "--once", "--maps=false", "--out", out).wait(120 * time.Second); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(out, "events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(want, []byte("\n")) < 8 {
		t.Fatalf("events.ndjson has %d lines, want a start and an end for each of 4 bursts", bytes.Count(want, []byte("\n")))
	}
	waitFor(t, "the events on NATS", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(bytes.Join(got, nil)) >= len(want)
	})
	mu.Lock()
	defer mu.Unlock()
	if pub := bytes.Join(got, nil); !bytes.Equal(pub, want) {
		t.Fatalf("published on %s:\n%s\nevents.ndjson:\n%s", bus.EventSubject, pub, want)
	}
}
