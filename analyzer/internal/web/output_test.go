package web

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

var t0 = time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)

func result(n int, clusters ...model.ClusterSummary) *model.Result {
	end := t0.Add(time.Duration(n) * 20 * time.Second)
	return &model.Result{Start: end.Add(-time.Minute), End: end, Counts: model.Counts{Tweets: 10 * n, Located: 9 * n}, Clusters: clusters}
}

func newTestOutput() (*Output, *Hub) {
	h := NewHub(HubOptions{Retain: 5})
	return NewOutput(OutputOptions{Hub: h, Slide: 20 * time.Second}), h
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

// TestOutputPublishesWindowsWithTheirMaps: windows are published at once,
// in the colours the map output gave them, and each map reaches its window
// in process, whether it is drawn before or after the window is published.
func TestOutputPublishesWindowsWithTheirMaps(t *testing.T) {
	o, h := newTestOutput()
	ex := model.Example{ID: "99", Text: "<b>hi</b> there", Place: "Lyon, France", Lon: 4.8, Lat: 45.7, Located: tweet.GeoPlace, Level: tweet.GeoCity}
	r1 := result(1, model.ClusterSummary{ID: 2, Size: 5, Keywords: []string{"rain"}},
		model.ClusterSummary{ID: 7, Size: 9, Keywords: nil, Examples: []model.Example{ex}})
	r1.Colours = map[int]int{7: 1}       // 2 is beyond the coloured ones
	o.Map(result(1).End, []byte("map1")) // drawn before the window is published
	o.Write(r1)
	o.Write(result(2, model.ClusterSummary{ID: 7, Size: 4}, model.ClusterSummary{ID: 3, Size: 1}))
	o.Write(result(3))
	if err := runOutput(o)(); err != nil {
		t.Fatal(err)
	}
	o.Map(result(3).End, []byte("map3")) // drawn after
	got := published(t, h)
	if len(got) != 3 {
		t.Fatalf("%d slides published", len(got))
	}
	for i, g := range got {
		n := i + 1
		if !g.Window.End.Equal(result(n).End) || g.Window.Tweets != 10*n {
			t.Fatalf("slide %d: %+v", n, g)
		}
		want := map[int]string{1: "map1", 2: "", 3: "map3"}[n]
		if m, _ := h.Find(g.ID); string(m.Image()) != want {
			t.Fatalf("slide %d's map is %q, want %q", n, m.Image(), want)
		}
	}
	w1, w2 := got[0].Window, got[1].Window
	// Largest first, coloured as the map colours them, with their change
	// since the window before.
	if c := w1.Clusters; len(c) != 2 || c[0].ID != 7 || c[1].ID != 2 || !c[0].New || c[0].Change != 9 ||
		c[0].Colour != "#d55e00" || c[1].Colour != "#9a9a9a" {
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
	if string(h.Latest()) != "map3" {
		t.Fatalf("latest map %q", h.Latest())
	}
}

// TestOutputListsEvents: a window's events reach the page with their
// first posts (fetched like a cluster's) and "new" in the window that
// flagged them.
func TestOutputListsEvents(t *testing.T) {
	o, h := newTestOutput()
	r := result(1, model.ClusterSummary{ID: 4, Size: 30})
	ex := model.Example{ID: "5", Text: "the roof came off", Lon: 2.35, Lat: 48.85, Located: tweet.GeoPoint}
	r.Events = []model.Event{{ID: 1, Cluster: 4, Lon: 2.35, Lat: 48.85, RadiusKm: 3, Keywords: []string{"storm"},
		FirstSeen: r.End, Posts: 12, Slide: 12, Examples: []model.Example{ex}}}
	o.Write(r)
	r2 := result(2, model.ClusterSummary{ID: 4, Size: 40})
	r2.Events = []model.Event{r.Events[0]}
	r2.Events[0].Posts = 20
	o.Write(r2)
	if err := runOutput(o)(); err != nil {
		t.Fatal(err)
	}
	got := published(t, h)
	e1, e2 := got[0].Window.Events, got[1].Window.Events
	if len(e1) != 1 || e1[0].ID != 1 || e1[0].Cluster != 4 || !e1[0].New || e1[0].Posts != 12 || e1[0].Keywords[0] != "storm" {
		t.Fatalf("window 1 events %+v", e1)
	}
	if len(e2) != 1 || e2[0].New || e2[0].Posts != 20 {
		t.Fatalf("window 2 events %+v", e2)
	}
	m, _ := h.Find(got[0].ID)
	if strings.Contains(string(m.JSON), "roof") {
		t.Fatalf("posts in the stream: %s", m.JSON)
	}
	var tweets map[string][]example
	if err := json.Unmarshal(m.Examples(), &tweets); err != nil || len(tweets["e1"]) != 1 || tweets["e1"][0].Text != ex.Text {
		t.Fatalf("event examples %s: %v", m.Examples(), err)
	}
}

func TestOutputWriteNeverWaits(t *testing.T) {
	o, h := newTestOutput()
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
		o, h := newTestOutput()
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
