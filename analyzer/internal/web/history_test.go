package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/render"
	"github.com/geostream/geostream/shared/tweet"
)

// gate is a Rebuild the test steps through: it writes a window each time
// the test sends on step, and ends when step closes or ctx ends.
type gate struct {
	step chan struct{}
	from chan time.Time
}

func newGate() *gate { return &gate{step: make(chan struct{}), from: make(chan time.Time, 4)} }

func (g *gate) rebuild(ctx context.Context, from time.Time, out *HistoryOutput) error {
	g.from <- from
	defer out.Close()
	for n := 1; ; n++ {
		select {
		case _, ok := <-g.step:
			if !ok {
				return nil
			}
			r := result(n, model.ClusterSummary{ID: 4, Size: 3 * n, Keywords: []string{"storm"}})
			r.Points = []*model.Point{{Lon: 2.35, Lat: 48.85, Cluster: 4, Located: tweet.GeoPoint}}
			r.Colours = map[int]int{4: 2}
			if err := out.Write(r); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// send asks h for method path with a JSON body from the page itself.
func send(t *testing.T, h http.Handler, method, path, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = "127.0.0.1:8080"
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var v map[string]any
	b, _ := io.ReadAll(rec.Result().Body)
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s %s: %d %q is not a JSON object", method, path, rec.Code, b)
	}
	return rec.Code, v
}

func historyServer(t *testing.T, g *gate, now time.Time) *Server {
	t.Helper()
	s, err := newServer(Options{Addr: "127.0.0.1:0", History: HistoryOptions{Rebuild: g.rebuild, Windows: 3,
		Slide: 20 * time.Second, Now: func() time.Time { return now }}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHistoryRebuildOnRequest: the page starts a rebuild, a second one is
// refused while it runs, its windows (the newest Windows of them) are
// served with their discs and examples, and a request further back than
// the limit is cut to it.
func TestHistoryRebuildOnRequest(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	now := t0.Add(time.Hour)
	g := newGate()
	s := historyServer(t, g, now)
	h := s.Handler()
	if code, st := send(t, h, "GET", "/api/history", ""); code != 200 || st["available"] != true || st["state"] != HistoryIdle {
		t.Fatalf("before: %d %v", code, st)
	}
	if code, st := send(t, h, "POST", "/api/history", `{"since":"30s"}`); code != http.StatusAccepted || st["state"] != HistoryRunning {
		t.Fatalf("start: %d %v", code, st)
	}
	if from := <-g.from; !from.Equal(now.Add(-30 * time.Second)) {
		t.Fatalf("rebuilding from %v", from)
	}
	if code, st := send(t, h, "POST", "/api/history", `{}`); code != http.StatusConflict || !strings.Contains(st["error"].(string), "already running") {
		t.Fatalf("a second request: %d %v", code, st)
	}
	for range 5 {
		g.step <- struct{}{}
	}
	close(g.step)
	waitFor(t, func() bool {
		_, st := send(t, h, "GET", "/api/history", "")
		return st["state"] == HistoryDone
	})
	_, st := send(t, h, "GET", "/api/history", "")
	if st["windows"] != 3.0 || st["limit"] != 3.0 || st["clipped"] != false {
		t.Fatalf("done: %v", st)
	}
	var wins []struct {
		ID     string
		Window slide
	}
	if err := json.NewDecoder(get(t, h, "127.0.0.1:8080", "/api/history/windows").Body).Decode(&wins); err != nil {
		t.Fatal(err)
	}
	if len(wins) != 3 || wins[0].Window.End != result(3).End || wins[2].Window.Clusters[0].Size != 15 ||
		wins[2].Window.Clusters[0].Change != 3 || wins[2].Window.Clusters[0].Colour != hexColour(render.Palette[2]) {
		t.Fatalf("windows: %+v", wins)
	}
	if r := get(t, h, "127.0.0.1:8080", "/api/discs/"+wins[2].ID); r.StatusCode != 200 {
		t.Fatalf("discs of a rebuilt window: %d", r.StatusCode)
	} else if b, _ := io.ReadAll(r.Body); !strings.Contains(string(b), `[4,2.35,48.85,0,1]`) {
		t.Fatalf("discs: %s", b)
	}
	if r := get(t, h, "127.0.0.1:8080", "/api/examples/"+wins[0].ID); r.StatusCode != 200 {
		t.Fatalf("examples of a rebuilt window: %d", r.StatusCode)
	}

	// Three slides of 20 s are a minute: two hours back is cut to that.
	g2 := newGate()
	s.history.opts.Rebuild = g2.rebuild
	if code, st := send(t, h, "POST", "/api/history", `{"since":"2h"}`); code != http.StatusAccepted || st["clipped"] != true {
		t.Fatalf("start again: %d %v", code, st)
	}
	if from := <-g2.from; !from.Equal(now.Add(-time.Minute)) {
		t.Fatalf("rebuilding from %v, want the limit", from)
	}
	// Cancel waits for the rebuild to end; what it made stays.
	g2.step <- struct{}{}
	if code, st := send(t, h, "DELETE", "/api/history", ""); code != 200 || st["state"] != HistoryCancelled || st["windows"] != 1.0 {
		t.Fatalf("cancel: %d %v", code, st)
	}
	s.history.Close()
}

// TestHistoryClosedWithTheServer: closing the page ends a rebuild that
// runs (its goroutine with it) and refuses new ones.
func TestHistoryClosedWithTheServer(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newGate()
	srv, err := Listen(Options{Addr: "127.0.0.1:0", History: HistoryOptions{Rebuild: g.rebuild}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.history.Start(time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	<-g.from
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if st := srv.history.status(); st.State != HistoryCancelled {
		t.Fatalf("after Close: %s", st.State)
	}
	if err := srv.history.Start(time.Now().Add(-time.Minute)); err == nil {
		t.Fatal("a rebuild started after Close")
	}
}

// TestHistoryRequests: what the page may ask, and how.
func TestHistoryRequests(t *testing.T) {
	now := t0.Add(time.Hour)
	s := historyServer(t, newGate(), now)
	h := s.Handler()
	for _, c := range []struct {
		name, method, body string
		hdr                []string
		code               int
	}{
		{"a bad duration", "POST", `{"since":"yesterday"}`, nil, 400},
		{"a negative duration", "POST", `{"since":"-1h"}`, nil, 400},
		{"a bad time", "POST", `{"from":"noon"}`, nil, 400},
		{"both", "POST", `{"since":"1h","from":"2026-01-01T00:00:00Z"}`, nil, 400},
		{"a time to come", "POST", `{"from":"2027-01-01T00:00:00Z"}`, nil, 400},
		{"not JSON", "POST", `{"since":`, nil, 400},
		{"a form", "POST", `since=1h`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"another site", "POST", `{}`, []string{"Origin", "http://evil.example"}, 403},
		{"another site's fetch", "POST", `{}`, []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"another site cancels", "DELETE", ``, []string{"Origin", "http://evil.example"}, 403},
	} {
		if code, _ := send(t, h, c.method, "/api/history", c.body, c.hdr...); code != c.code {
			t.Errorf("%s: %d, want %d", c.name, code, c.code)
		}
	}
	if st := s.history.status(); st.State != HistoryIdle {
		t.Fatalf("a refused request started a rebuild: %s", st.State)
	}

	// Without --nats there is no history to rebuild.
	plain, err := newServer(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ph := plain.Handler()
	if code, st := send(t, ph, "GET", "/api/history", ""); code != 200 || st["available"] != false {
		t.Fatalf("status without history: %d %v", code, st)
	}
	if code, _ := send(t, ph, "POST", "/api/history", `{}`); code != 404 {
		t.Fatalf("start without history: %d", code)
	}
	if r := get(t, ph, "127.0.0.1:8080", "/api/history/windows"); r.StatusCode != 200 {
		t.Fatalf("windows without history: %d", r.StatusCode)
	} else if b, _ := io.ReadAll(r.Body); string(b) != "[]" {
		t.Fatalf("windows without history: %s", b)
	}
}
