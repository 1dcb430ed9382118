package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	twitter "github.com/g8rswimmer/go-twitter/v2"

	"github.com/geostream/geostream/shared/bbox"
)

const secret = "AAAA-very-secret-token"

// step is what the fake stream does on one connection.
type step struct {
	status int
	header map[string]string
	chunks []string // written and flushed one by one
	stall  bool     // after the chunks, hang until the client goes
	body   string   // for error responses
}

// fakeX is a scripted X API: the stream endpoints play steps in order;
// the rules endpoint keeps rules in memory and checks request bodies.
type fakeX struct {
	t     *testing.T
	mu    sync.Mutex
	steps []step
	conns int
	rules []map[string]string // id, value, tag
	next  int
	bad   []string
	pace  time.Duration // wait between chunks
	// queries are the stream requests' query parameters.
	queries []url.Values
}

func (f *fakeX) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+secret {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/2/tweets/search/stream", "/2/tweets/sample/stream":
		f.stream(w, r)
	case "/2/tweets/search/stream/rules":
		f.rulesHandler(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeX) stream(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.queries = append(f.queries, r.URL.Query())
	if f.conns >= len(f.steps) {
		f.mu.Unlock()
		<-r.Context().Done() // script done: hang until the test ends the client
		return
	}
	s := f.steps[f.conns]
	f.conns++
	f.mu.Unlock()
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	if s.status != http.StatusOK {
		w.WriteHeader(s.status)
		fmt.Fprint(w, s.body)
		return
	}
	fl := w.(http.Flusher)
	for _, c := range s.chunks {
		fmt.Fprint(w, c)
		fl.Flush()
		if f.pace > 0 {
			time.Sleep(f.pace) // the fake server's own pacing, not a wait in the test
		}
	}
	if s.stall {
		<-r.Context().Done()
	}
}

func (f *fakeX) rulesHandler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet {
		json.NewEncoder(w).Encode(map[string]any{"data": f.rules})
		return
	}
	var body struct {
		Add    []map[string]string `json:"add"`
		Delete *struct {
			IDs []string `json:"ids"`
		} `json:"delete"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || (body.Add == nil) == (body.Delete == nil) {
		f.bad = append(f.bad, fmt.Sprintf("rules body not add xor delete: %v", err))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	dry := r.URL.Query().Get("dry_run") == "true"
	if body.Add != nil {
		for _, a := range body.Add {
			if a["value"] == "" || a["tag"] != RuleTag {
				f.bad = append(f.bad, fmt.Sprintf("bad rule to add: %v", a))
			}
			if !dry {
				f.next++
				f.rules = append(f.rules, map[string]string{"id": fmt.Sprint(f.next), "value": a["value"], "tag": a["tag"]})
			}
		}
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"data": []any{}, "meta": map[string]any{"summary": map[string]int{"created": len(body.Add)}}})
		return
	}
	if !dry {
		keep := f.rules[:0]
		for _, r := range f.rules {
			del := false
			for _, id := range body.Delete.IDs {
				del = del || r["id"] == id
			}
			if !del {
				keep = append(keep, r)
			}
		}
		f.rules = keep
	}
	json.NewEncoder(w).Encode(map[string]any{"meta": map[string]any{"summary": map[string]int{"deleted": len(body.Delete.IDs)}}})
}

// clock records sleeps instead of sleeping.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func setup(t *testing.T, steps ...step) (*fakeX, *Source, *clock, *bytes.Buffer) {
	t.Helper()
	f := &fakeX{t: t, steps: steps}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	src := New(Options{APIURL: srv.URL, Token: secret, Logger: log, Now: clk.Now, Sleep: clk.Sleep, Stall: 300 * time.Millisecond, MaxLine: 4096})
	t.Cleanup(func() {
		src.Close()
		if strings.Contains(logs.String(), secret) {
			t.Error("the token appears in the logs")
		}
		f.mu.Lock()
		for _, b := range f.bad {
			t.Error(b)
		}
		f.mu.Unlock()
	})
	return f, src, clk, &logs
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func tw(id int) string {
	return fmt.Sprintf(`{"data":{"id":"%d","text":"storm %d","created_at":"2026-01-01T00:00:00.000Z","geo":{"coordinates":{"type":"Point","coordinates":[1,2]}}}}`, id, id)
}

func collect(t *testing.T, src *Source, n int) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []string
	for len(out) < n {
		l, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("after %d lines: %v", len(out), err)
		}
		out = append(out, string(l.Data))
	}
	return out
}

func TestStreamFaults(t *testing.T) {
	_, src, clk, _ := setup(t,
		// keep-alives, \r\n framing, an oversized line, malformed JSON, then a cut mid-line
		step{status: 200, chunks: []string{"\r\n", tw(1) + "\r\n", "\r\n\r\n", tw(2) + "\n", strings.Repeat("x", 5000) + "\n",
			"{not json\n", tw(3)[:30]}},
		step{status: 503, body: `{"title":"Service Unavailable"}`},
		// an operational-disconnect message ends the connection
		step{status: 200, chunks: []string{tw(4) + "\r\n", `{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect"}]}` + "\r\n", tw(99) + "\r\n"}},
		// a stall: the watchdog must reconnect
		step{status: 200, chunks: []string{tw(5) + "\r\n"}, stall: true},
		step{status: 200, chunks: []string{tw(6) + "\r\n"}},
	)
	got := collect(t, src, 6)
	want := []string{tw(1), tw(2), "{not json", tw(4), tw(5), tw(6)}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("line %d: got %q, want %q", i, got[i], want[i])
		}
	}
	if st := src.Stats(); st != (Stats{Lines: 6, KeepAlives: 3, TooLong: 1, Cut: 1, Disconnects: 1, Connections: 4}) {
		t.Fatalf("stats %+v", st)
	}
	// Waits: after the cut (network, 250 ms), after the 503 (HTTP, 5 s),
	// none after the operational-disconnect message (reconnect at once),
	// 250 ms after the stall (the tweet before it reset the backoff).
	wantSleeps(t, clk.sleeps, 250*time.Millisecond, 5*time.Second, 250*time.Millisecond)
}

// wantSleeps checks waits against X's schedule, plus at most Jitter.
func wantSleeps(t *testing.T, got []time.Duration, want ...time.Duration) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = got[i] >= want[i] && float64(got[i]) <= float64(want[i])*(1+Jitter)
	}
	if !ok {
		t.Fatalf("slept %v, want %v each plus at most %.0f%%", got, want, Jitter*100)
	}
}

func TestRateLimitHonoursReset(t *testing.T) {
	reset := time.Unix(1_800_000_000, 0).Add(5 * time.Minute).Unix()
	_, src, clk, _ := setup(t,
		step{status: 429, header: map[string]string{"x-rate-limit-reset": fmt.Sprint(reset)}},
		step{status: 429},
		step{status: 200, chunks: []string{tw(1) + "\n"}},
	)
	collect(t, src, 1)
	// The reset, then 2 minutes (doubled from 1).
	wantSleeps(t, clk.sleeps, 5*time.Minute, 2*time.Minute)
}

func TestUnauthorizedFailsFast(t *testing.T) {
	_, src, clk, _ := setup(t, step{status: 401})
	src.opts.Token = secret + "-wrong"
	_, err := src.Next(context.Background())
	if !errors.Is(err, ErrAuth) || len(clk.sleeps) != 0 {
		t.Fatalf("got %v after %v", err, clk.sleeps)
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "X_BEARER_TOKEN") {
		t.Fatalf("error %q should name the variable, not the token", err)
	}
}

func TestSyncRulesIdempotent(t *testing.T) {
	f, src, _, _ := setup(t)
	f.rules = []map[string]string{
		{"id": "1", "value": "old rule", "tag": RuleTag},
		{"id": "2", "value": "somebody else's", "tag": "other-app"},
		{"id": "3", "value": "(storm OR flood) has:geo", "tag": RuleTag},
	}
	f.next = 3
	c := &twitter.Client{Authorizer: authz(secret), Client: http.DefaultClient, Host: src.opts.APIURL}
	want := []string{"(storm OR flood) has:geo", "#superbowl lang:en"}
	ctx := context.Background()

	dry, err := SyncRules(ctx, c, want, true)
	if err != nil || len(f.rules) != 3 {
		t.Fatalf("dry run changed rules (%v): %v", err, f.rules)
	}
	ch, err := SyncRules(ctx, c, want, false)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(dry) != fmt.Sprint(ch) || fmt.Sprint(ch.Kept) != "[(storm OR flood) has:geo]" ||
		fmt.Sprint(ch.Added) != "[#superbowl lang:en]" || fmt.Sprint(ch.Deleted) != "[old rule]" {
		t.Fatalf("changes %+v (dry run said %+v)", ch, dry)
	}
	var values []string
	for _, r := range f.rules {
		values = append(values, r["value"])
	}
	if fmt.Sprint(values) != "[somebody else's (storm OR flood) has:geo #superbowl lang:en]" {
		t.Fatalf("rules now %v", values)
	}
	again, err := SyncRules(ctx, c, want, false)
	if err != nil || len(again.Added)+len(again.Deleted) != 0 {
		t.Fatalf("second sync changed things: %+v %v", again, err)
	}
	var out bytes.Buffer
	PrintChanges(&out, dry, true)
	if !strings.Contains(out.String(), "would delete old rule") {
		t.Fatalf("plan reads %q", out.String())
	}
}

type authz string

func (a authz) Add(r *http.Request) { r.Header.Set("Authorization", "Bearer "+string(a)) }

func TestPlan(t *testing.T) {
	big := &bbox.Box{W: -130, S: -20, E: 100, N: 50}
	small := &bbox.Box{W: -74.02, S: 40.70, E: -73.95, N: 40.75}
	tests := []struct {
		name  string
		q     Query
		rules string
		box   bool
		langs string
	}{
		{"keywords, language, big box", Query{Track: []string{"ibm", "cloud", "big data"}, Lang: []string{"en"}, BBox: big},
			`[(ibm OR cloud OR "big data") lang:en has:geo]`, true, "[]"},
		{"small box is an operator", Query{Track: []string{"storm"}, BBox: small},
			`[storm bounding_box:[-74.02 40.7 -73.95 40.75]]`, false, "[]"},
		{"no keywords: sample stream, filtered here", Query{Lang: []string{"en"}, BBox: big}, "[]", true, "[en]"},
		{"raw rules as given", Query{Raw: []string{"has:geo storm"}}, "[has:geo storm]", false, "[]"},
		{"two languages", Query{Track: []string{"a"}, Lang: []string{"en", "fr"}}, "[a (lang:en OR lang:fr)]", false, "[]"},
		{"a city-sized box becomes tiles", Query{Track: []string{"storm"}, BBox: &bbox.Box{W: -0.6, S: 51.25, E: 0.35, N: 51.7}},
			"[storm (bounding_box:[-0.6 51.25 -0.125 51.475] OR bounding_box:[-0.125 51.25 0.35 51.475] OR " +
				"bounding_box:[-0.6 51.475 -0.125 51.7] OR bounding_box:[-0.125 51.475 0.35 51.7])]", false, "[]"},
		{"too many tiles for one rule: has:geo", Query{Track: []string{"storm"}, BBox: &bbox.Box{W: 10, S: -1, E: 12, N: 1}},
			"[storm has:geo]", true, "[]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rules, box, langs, err := Plan(tc.q)
			if err != nil || fmt.Sprint(rules) != tc.rules || (box != nil) != tc.box || fmt.Sprint(langs) != tc.langs {
				t.Fatalf("got %q box=%v langs=%v err=%v", rules, box, langs, err)
			}
		})
	}
}

// Tiles cover their box exactly, none is over X's limit, and a rule of
// tiles stays within X's length limit.
func TestPlanTiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	tiled := 0
	for range 2000 {
		lat := r.Float64()*170 - 85
		lon := r.Float64()*350 - 175
		b := bbox.Box{W: lon, S: lat, E: lon + r.Float64()*1.2, N: math.Min(89, lat+r.Float64()*0.8)}
		rules, box, _, err := Plan(Query{Track: []string{"storm", "flood"}, BBox: &b})
		if err != nil {
			t.Fatal(err)
		}
		if box != nil {
			if !strings.HasSuffix(rules[0], " has:geo") {
				t.Fatalf("%v: a client filter without has:geo: %q", b, rules)
			}
			continue
		}
		if len(rules[0]) > MaxRuleLen {
			t.Fatalf("%v: rule of %d characters", b, len(rules[0]))
		}
		ts := tiles(b)
		if len(ts) > 1 {
			tiled++
		}
		var area float64
		for _, tl := range ts {
			if w, h := miles(tl); w > MaxBoxMiles || h > MaxBoxMiles {
				t.Fatalf("%v: tile %v is %.1f × %.1f miles", b, tl, w, h)
			}
			if !strings.Contains(rules[0], operator(tl)) {
				t.Fatalf("%v: tile %v missing from %q", b, tl, rules[0])
			}
			area += (tl.E - tl.W) * (tl.N - tl.S)
		}
		// Edges are rounded to 1e-5 degrees (about a metre).
		rd := func(v float64) float64 { return math.Round(v*1e5) / 1e5 }
		if want := (rd(b.E) - rd(b.W)) * (rd(b.N) - rd(b.S)); math.Abs(area-want) > 1e-9 {
			t.Fatalf("%v: tiles cover %g square degrees, the box %g", b, area, want)
		}
	}
	if tiled < 100 {
		t.Fatalf("only %d of 2000 boxes were tiled", tiled)
	}
}

func TestClientFilter(t *testing.T) {
	_, src, _, _ := setup(t, step{status: 200, chunks: []string{
		tw(1) + "\n", // at 1,2: outside the box
		strings.Replace(tw(2), "[1,2]", "[-74,40.7]", 1) + "\n",
		`{"errors":[{"title":"something else"}]}` + "\n", // a notice passes on, to be counted
	}})
	src.opts.Box = &bbox.Box{W: -80, S: 35, E: -70, N: 45}
	got := collect(t, src, 2)
	if !strings.Contains(got[0], `"id":"2"`) || !strings.Contains(got[1], "something else") || src.Stats().Filtered != 1 {
		t.Fatalf("got %q, filtered %d", got, src.Stats().Filtered)
	}
}

// BenchmarkStreamReader measures lines/s from a fake API over loopback.
func BenchmarkStreamReader(b *testing.B) {
	line := tw(123456789) + "\r\n"
	body := []byte(strings.Repeat(line, 1000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil { // an endless stream until the client goes
			if _, err := w.Write(body); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	src := New(Options{APIURL: srv.URL, Token: "t"})
	defer src.Close()
	ctx := context.Background()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := src.Next(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func TestForbiddenFailsFast(t *testing.T) {
	_, src, clk, _ := setup(t, step{status: 403, body: `{"title":"Client Forbidden","detail":"This app is not on a tier with this stream"}`})
	_, err := src.Next(context.Background())
	if !errors.Is(err, ErrAuth) || len(clk.sleeps) != 0 || !strings.Contains(err.Error(), "403") {
		t.Fatalf("got %v after %v", err, clk.sleeps)
	}
}

// TestKeepAlivesAreNotAStall: keep-alives every 100 ms for over three stall
// timeouts keep the connection; the tweet after them arrives on it.
func TestKeepAlivesAreNotAStall(t *testing.T) {
	f, src, clk, _ := setup(t)
	src.opts.Stall = 250 * time.Millisecond
	ka := make([]string, 0, 10)
	for i := 0; i < 10; i++ {
		ka = append(ka, "\r\n")
	}
	f.steps = []step{{status: 200, chunks: append(ka, tw(7)+"\r\n")}}
	f.pace = 100 * time.Millisecond
	got := collect(t, src, 1)
	if got[0] != tw(7) || src.Stats().Connections != 1 || len(clk.sleeps) != 0 || src.Stats().KeepAlives != 10 {
		t.Fatalf("got %q after %d connections, sleeps %v, %d keep-alives", got, src.Stats().Connections, clk.sleeps, src.Stats().KeepAlives)
	}
}

// TestStreamRequestsLocations: every stream request asks for what the
// analyzer locates tweets with: the point, the place (expanded) and the
// author's profile location (expanded), plus text, time and language.
func TestStreamRequestsLocations(t *testing.T) {
	for _, sample := range []bool{false, true} {
		f, src, _, _ := setup(t, step{status: 200, chunks: []string{tw(1) + "\r\n"}})
		src.opts.Sample = sample
		collect(t, src, 1)
		f.mu.Lock()
		q := f.queries[0]
		f.mu.Unlock()
		list := func(k string) []string { return strings.Split(q.Get(k), ",") }
		for _, want := range []struct{ param, value string }{
			{"expansions", "author_id"}, {"expansions", "geo.place_id"}, {"user.fields", "location"},
			{"place.fields", "geo"}, {"place.fields", "full_name"}, {"tweet.fields", "geo"},
			{"tweet.fields", "created_at"}, {"tweet.fields", "lang"}, {"tweet.fields", "author_id"},
		} {
			if !slices.Contains(list(want.param), want.value) {
				t.Errorf("sample=%v: %s=%q lacks %s", sample, want.param, q.Get(want.param), want.value)
			}
		}
	}
}

// TestFilterHandsOnItsDecoding: a line the client-side filter decoded
// carries the decoded tweet on, so nothing downstream decodes it again; with
// no filter nothing is decoded here.
func TestFilterHandsOnItsDecoding(t *testing.T) {
	for _, filtered := range []bool{false, true} {
		_, src, _, _ := setup(t, step{status: 200, chunks: []string{tw(5) + "\n"}})
		if filtered {
			src.opts.Langs = []string{""}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		l, err := src.Next(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case !filtered && l.Tweet != nil:
			t.Fatal("decoded a line with no filter to apply")
		case filtered && (l.Tweet == nil || l.Tweet.ID != "5" || l.Tweet.Text != "storm 5"):
			t.Fatalf("filtered line carries %+v", l.Tweet)
		}
	}
}
