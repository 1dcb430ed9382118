package web

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

// fakeMaps is a MapSource whose maps the test adds.
type fakeMaps struct {
	mu   sync.Mutex
	maps map[time.Time][]byte
}

func (f *fakeMaps) put(end time.Time, b []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maps == nil {
		f.maps = map[time.Time][]byte{}
	}
	f.maps[end] = b
}

func (f *fakeMaps) ReadMap(end time.Time) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.maps[end]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("reading the map: %w", fs.ErrNotExist)
}

func (f *fakeMaps) HasMap(end time.Time) bool { _, err := f.ReadMap(end); return err == nil }

var t0 = time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)

func result(n int, clusters ...model.ClusterSummary) *model.Result {
	end := t0.Add(time.Duration(n) * 20 * time.Second)
	return &model.Result{Start: end.Add(-time.Minute), End: end, Counts: model.Counts{Tweets: 10 * n, Located: 9 * n}, Clusters: clusters}
}

func grey(r *model.Result) map[int]color.Color {
	out := map[int]color.Color{}
	for _, c := range r.Clusters {
		out[c.ID] = color.RGBA{uint8(c.ID), 0x80, 0xff, 0xff}
	}
	return out
}

func newTestOutput(maps MapSource) (*Output, *Hub) {
	h := NewHub(HubOptions{Retain: 5})
	return NewOutput(OutputOptions{Hub: h, Maps: maps, Colours: grey, Slide: 20 * time.Second}), h
}

// published decodes the hub's retained slides.
func published(t *testing.T, h *Hub) []struct {
	ID, Image string
	Window    slide
} {
	t.Helper()
	var out []struct {
		ID, Image string
		Window    slide
	}
	for _, m := range h.Retained() {
		var v struct {
			ID, Image string
			Window    slide
		}
		if err := json.Unmarshal(m.JSON, &v); err != nil {
			t.Fatalf("%s: %v", m.JSON, err)
		}
		out = append(out, v)
	}
	return out
}

// runOutput runs o until the returned stop is called (after Close).
func runOutput(o *Output) (stop func() error) {
	done := make(chan error, 1)
	go func() { done <- o.Run(context.Background()) }()
	return func() error { o.Close(); return <-done }
}

func TestOutputPublishesWindowsWithTheirMaps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		maps := &fakeMaps{}
		o, h := newTestOutput(maps)
		maps.put(result(1).End, []byte("map1"))
		ex := model.Example{ID: "99", Text: "<b>hi</b> there", Place: "Lyon, France", Lon: 4.8, Lat: 45.7, Located: tweet.GeoPlace, Level: tweet.GeoCity}
		o.Write(result(1, model.ClusterSummary{ID: 2, Size: 5, Keywords: []string{"rain"}},
			model.ClusterSummary{ID: 7, Size: 9, Keywords: nil, Examples: []model.Example{ex}}))
		o.Write(result(2, model.ClusterSummary{ID: 7, Size: 4}, model.ClusterSummary{ID: 3, Size: 1}))
		o.Write(result(3))
		stop := runOutput(o)
		time.Sleep(time.Second) // the renderer is slow: the output waits
		maps.put(result(2).End, []byte("map2"))
		maps.put(result(3).End, []byte("map3"))
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		got := published(t, h)
		if len(got) != 3 {
			t.Fatalf("%d slides published", len(got))
		}
		for i, g := range got {
			n := i + 1
			if want := "/map/" + g.ID + ".png"; g.Image != want || !g.Window.End.Equal(result(n).End) || g.Window.Tweets != 10*n {
				t.Fatalf("slide %d: %+v", n, g)
			}
			if m, _ := h.Find(g.ID); string(m.Image) != fmt.Sprint("map", n) {
				t.Fatalf("slide %d's map is %q", n, m.Image)
			}
		}
		w1, w2 := got[0].Window, got[1].Window
		// Largest first, coloured, with their change since the window before.
		if c := w1.Clusters; len(c) != 2 || c[0].ID != 7 || c[1].ID != 2 || !c[0].New || c[0].Change != 9 || c[0].Colour != "#0780ff" {
			t.Fatalf("window 1 clusters %+v", c)
		}
		if c := w2.Clusters; c[0].ID != 7 || c[0].New || c[0].Change != -5 || c[1].ID != 3 || !c[1].New {
			t.Fatalf("window 2 clusters %+v", c)
		}
		if k := w1.Clusters[0].Keywords; k == nil || len(k) != 0 {
			t.Fatalf("nil keywords are %v, want []", k)
		}
		// The tweets stay out of the stream; the page fetches them.
		m, _ := h.Find(got[0].ID)
		if strings.Contains(string(m.JSON), "hi</b>") {
			t.Fatalf("tweets in the stream: %s", m.JSON)
		}
		var tweets map[string][]example
		if err := json.Unmarshal(m.Examples(), &tweets); err != nil {
			t.Fatal(err)
		}
		want := example{ID: "99", Text: "<b>hi</b> there", Place: "Lyon, France", Lon: 4.8, Lat: 45.7, Located: "place", Level: "city"}
		if e := tweets["7"]; len(tweets) != 2 || len(e) != 1 || e[0] != want || tweets["2"] == nil || len(tweets["2"]) != 0 {
			t.Fatalf("examples %+v", tweets)
		}
	})
}

func TestOutputDoesNotWaitForASkippedMap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		maps := &fakeMaps{}
		o, h := newTestOutput(maps)
		maps.put(result(2).End, []byte("map2")) // window 1's was skipped
		start := time.Now()
		o.Write(result(1))
		o.Write(result(2))
		if err := runOutput(o)(); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited >= DefaultMapWait {
			t.Fatalf("waited %v for a map that was skipped", waited)
		}
		got := published(t, h)
		if len(got) != 2 || got[0].Image != "" || got[1].Image == "" {
			t.Fatalf("published %+v", got)
		}
	})
}

func TestOutputGivesUpOnAMissingMap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o, h := newTestOutput(&fakeMaps{})
		start := time.Now()
		o.Write(result(1))
		if err := runOutput(o)(); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < DefaultMapWait || waited > DefaultMapWait+time.Second {
			t.Fatalf("waited %v, want %v", waited, DefaultMapWait)
		}
		if got := published(t, h); len(got) != 1 || got[0].Image != "" {
			t.Fatalf("published %+v", got)
		}
	})
}

func TestOutputWithoutMaps(t *testing.T) {
	o, h := newTestOutput(nil)
	o.Write(result(1))
	if err := runOutput(o)(); err != nil {
		t.Fatal(err)
	}
	if got := published(t, h); len(got) != 1 || got[0].Image != "" {
		t.Fatalf("published %+v", got)
	}
}

// TestOutputWriteNeverWaits: with nothing publishing, Write still returns,
// and what waits is bounded by what the hub keeps.
func TestOutputWriteNeverWaits(t *testing.T) {
	o, h := newTestOutput(&fakeMaps{})
	for n := 1; n <= 1000; n++ {
		if err := o.Write(result(n)); err != nil {
			t.Fatal(err)
		}
	}
	o.mu.Lock()
	queued, first := len(o.pending), o.pending[0].End
	o.mu.Unlock()
	if queued != h.opts.Retain || !first.Equal(result(996).End) {
		t.Fatalf("%d windows queued from %v", queued, first)
	}
}

// status decodes the hub's newest status event.
func hubStatus(t *testing.T, h *Hub) status {
	t.Helper()
	h.mu.Lock()
	ev := string(h.status)
	h.mu.Unlock()
	data, ok := strings.CutPrefix(ev, "event: status\ndata: ")
	var s status
	if !ok || json.Unmarshal([]byte(strings.TrimSpace(data)), &s) != nil {
		t.Fatalf("status event %q", ev)
	}
	return s
}

func TestOutputStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o, h := newTestOutput(nil)
		if s := hubStatus(t, h); s.Input != InputConnecting || s.Stale || s.Slide != 20 || s.Windows != 5 {
			t.Fatalf("at start: %+v", s)
		}
		stop := runOutput(o)
		o.SetInput(InputConnected)
		o.Write(result(1))
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if s := hubStatus(t, h); s.Input != InputConnected || s.Stale {
			t.Fatalf("within three slides: %+v", s)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		if s := hubStatus(t, h); !s.Stale {
			t.Fatalf("after three slides without a window: %+v", s)
		}
		o.Write(result(2))
		synctest.Wait()
		if s := hubStatus(t, h); s.Stale {
			t.Fatalf("after a new window: %+v", s)
		}
		o.SetInput(InputReconnecting)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if s := hubStatus(t, h); s.Input != InputReconnecting || s.Stale {
			t.Fatalf("reconnecting: %+v", s)
		}
		o.SetInput(InputEnded)
		if s := hubStatus(t, h); s.Input != InputEnded {
			t.Fatalf("ended: %+v", s)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}
