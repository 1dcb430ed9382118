package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/window"
	"github.com/geostream/geostream/shared/tweet"
)

// fileSource reads r as a capture, stamping arrivals with now.
func fileSource(t testing.TB, r io.Reader, now func() time.Time) input.Source {
	t.Helper()
	src, err := input.OpenFile("-", r, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

type recorder struct {
	mu      sync.Mutex
	results []model.Result
	closed  bool
}

func (r *recorder) Write(res *model.Result) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cp := *res
	cp.Points = append([]*model.Point(nil), res.Points...)
	r.results = append(r.results, cp)
	return nil
}

func (r *recorder) Close() error { r.closed = true; return nil }

// TestWallClockBatchesByArrival feeds lines through stdin with a fake clock
// that jumps a minute per chunk: each chunk lands in its own window, whatever
// the tweets' created_at says.
func TestWallClockBatchesByArrival(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(10 * time.Second); return now }
	in := strings.Repeat(`{"id":"1","created_at":"2001-01-01T00:00:00Z","lon":1,"lat":2,"text":"x"}`+"\n", 5)
	rec := &recorder{}
	p := New(Options{Source: fileSource(t, strings.NewReader(in), clock), Clock: ClockWall, Now: clock,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, nil, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !rec.closed || len(rec.results) == 0 {
		t.Fatalf("closed %v, %d windows", rec.closed, len(rec.results))
	}
	var fresh int
	for _, r := range rec.results {
		fresh += r.Fresh.Tweets
		if r.End.Year() != 2030 {
			t.Fatalf("window at %v: wall clock not used", r.End)
		}
	}
	if fresh != 5 {
		t.Fatalf("windows account for %d of 5 tweets", fresh)
	}
}

func TestEventClockLateTweets(t *testing.T) {
	lines := []string{
		`{"id":"1","created_at":"2026-01-01T00:00:05Z","lon":1,"lat":2,"text":"x"}`,
		`{"id":"2","created_at":"2026-01-01T00:00:35Z","lon":1,"lat":2,"text":"x"}`,
		`{"id":"3","created_at":"2026-01-01T00:00:02Z","lon":1,"lat":2,"text":"late"}`, // 33 s late
		`{"id":"4","created_at":"2026-01-01T00:00:33Z","lon":1,"lat":2,"text":"in time"}`,
	}
	rec := &recorder{}
	p := New(Options{Source: fileSource(t, strings.NewReader(strings.Join(lines, "\n")), nil), Clock: ClockEvent, Lateness: 5 * time.Second,
		Window: window.Config{Batch: 10 * time.Second, Window: 60 * time.Second, Slide: 20 * time.Second}}, nil, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if st.Counts.Late != 1 || st.Counts.Tweets != 4 {
		t.Fatalf("stats %+v: want 1 late of 4", st.Counts)
	}
	var fresh int
	for _, r := range rec.results {
		fresh += r.Fresh.Tweets
	}
	if fresh != 4 {
		t.Fatalf("windows account for %d of 4", fresh)
	}
}

func TestValidate(t *testing.T) {
	good := Options{Clock: ClockEvent, Window: window.Config{Batch: time.Second, Window: 2 * time.Second, Slide: time.Second}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Clock = "sundial"
	if bad.Validate() == nil {
		t.Error("bad clock accepted")
	}
	bad = good
	bad.Lateness = -time.Second
	if bad.Validate() == nil {
		t.Error("negative lateness accepted")
	}
}

// countingSource counts the lines asked of a Source and sees it closed.
type countingSource struct {
	input.Source
	reads  int
	closed bool
}

func (s *countingSource) Next(ctx context.Context) (input.Line, error) {
	s.reads++
	return s.Source.Next(ctx)
}

func (s *countingSource) Close() error { s.closed = true; return s.Source.Close() }

// TestRunValidates: Run refuses bad options, naming the field, before it
// reads the source, and closes the outputs it was given.
func TestRunValidates(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		edit        func(*Options)
	}{
		{"clock", "Clock", func(o *Options) { o.Clock = "sundial" }},
		{"window", "Slide", func(o *Options) { o.Window.Slide = 3 * time.Second }},
		{"no source", "Source", func(o *Options) { o.Source = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &countingSource{Source: fileSource(t, strings.NewReader(lines(3)), nil)}
			o := Options{Source: src, Clock: ClockEvent, Window: testWindow}
			if tc.field == "Source" {
				src.Source.Close()
			}
			tc.edit(&o)
			out := &recorder{}
			err := New(o, nil, out).Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("Run: %v, want an error naming %s", err, tc.field)
			}
			if src.reads != 0 {
				t.Errorf("the source was read %d times", src.reads)
			}
			if tc.field != "Source" && !src.closed {
				t.Error("the source was not closed")
			}
			if !out.closed {
				t.Error("the output was not closed")
			}
		})
	}
}

// TestLocateByProfile: with a Locate policy, tweets without coordinates are
// placed by their authors' profile locations, counted by method, and
// carry how they were located; without one they stay unlocated.
func TestLocateByProfile(t *testing.T) {
	lines := strings.Join([]string{
		`{"id":"1","created_at":"2026-01-01T00:00:05Z","lon":-0.12,"lat":51.5,"text":"a point"}`,
		`{"id":"2","created_at":"2026-01-01T00:00:06Z","text":"no place","user_location":"Austin, TX"}`,
		`{"id":"3","created_at":"2026-01-01T00:00:07Z","text":"nowhere","user_location":"in your heart"}`,
		`{"id":"4","created_at":"2026-01-01T00:00:08Z","text":"a state","user_location":"Texas"}`,
	}, "\n")
	run := func(pol *geocode.Policy) (*recorder, Stats) {
		rec := &recorder{}
		p := New(Options{Source: fileSource(t, strings.NewReader(lines), nil), Clock: ClockEvent, Locate: pol,
			Window: window.Config{Batch: 10 * time.Second, Window: 20 * time.Second, Slide: 10 * time.Second}}, nil, rec)
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return rec, p.Stats()
	}
	rec, st := run(&geocode.DefaultPolicy)
	if c := st.Counts; c.Located != 2 || c.ByPoint != 1 || c.ByProfile != 1 || c.Unlocated != 2 {
		t.Fatalf("counts %+v: want the point and Austin located, junk and a bare state not", c)
	}
	byID := map[string]*model.Point{}
	for _, r := range rec.results {
		for _, p := range r.Points {
			byID[p.ID()] = p
		}
	}
	if p := byID["2"]; p == nil || p.Located != tweet.GeoProfile || p.Level != tweet.GeoCity || p.Lon > -97 || p.Lon < -98.5 {
		t.Fatalf("Austin: %+v", p)
	}
	if p := byID["1"]; p == nil || p.Located != tweet.GeoPoint || p.Level != tweet.GeoCity {
		t.Fatalf("the point: %+v", p)
	}
	region := geocode.DefaultPolicy
	region.Level = tweet.GeoRegion
	if _, st := run(&region); st.Counts.ByProfile != 2 {
		t.Fatalf("at region level: counts %+v, want Texas placed too", st.Counts)
	}
	if _, st := run(nil); st.Counts.Located != 1 {
		t.Fatalf("without a policy: counts %+v, want the point only", st.Counts)
	}
}

// textModel records the texts and places it sees at Assign.
type textModel struct{ texts, places []string }

func (m *textModel) Prepare(p *model.Point)          { p.SetTokens(strings.Fields(p.Text())) }
func (m *textModel) Train([]*model.Point, time.Time) {}
func (m *textModel) Forget([]*model.Point)           {}
func (m *textModel) Decay(int64)                     {}
func (m *textModel) Assign(pts []*model.Point, _ time.Time) []model.ClusterSummary {
	for _, p := range pts {
		m.texts, m.places = append(m.texts, p.Text()), append(m.places, p.Place())
	}
	return nil
}

// TestKeepText: a model's points lose their text after Prepare unless
// KeepText asks for it and for the place's name.
func TestKeepText(t *testing.T) {
	in := `{"id":"1","created_at":"2026-01-01T00:00:05Z","lon":1,"lat":2,"text":"hello there","place":"Lyon, France"}`
	for _, keep := range []bool{false, true} {
		m := &textModel{}
		p := New(Options{Source: fileSource(t, strings.NewReader(in), nil), Clock: ClockEvent, KeepText: keep,
			Window: window.Config{Batch: 10 * time.Second, Window: 10 * time.Second, Slide: 10 * time.Second}}, m)
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		want, place := "", ""
		if keep {
			want, place = "hello there", "Lyon, France"
		}
		if len(m.texts) != 1 || m.texts[0] != want || m.places[0] != place {
			t.Fatalf("KeepText %v: texts %q places %q, want %q %q", keep, m.texts, m.places, want, place)
		}
	}
}

// wordModel tokenizes in the reader, as cluster.Model does, and records
// the points of every window and the batches it trains on and forgets.
type wordModel struct {
	windows         [][]*model.Point
	trained, forgot []int // batch sizes
}

func (m *wordModel) Tokenize(dst []string, tw *tweet.Tweet) []string {
	return append(dst, strings.Fields(tw.Text)...)
}
func (m *wordModel) Prepare(*model.Point) {}
func (m *wordModel) Train(b []*model.Point, _ time.Time) {
	m.trained = append(m.trained, len(b))
}
func (m *wordModel) Forget(b []*model.Point) { m.forgot = append(m.forgot, len(b)) }
func (m *wordModel) Decay(int64)             {}
func (m *wordModel) Assign(pts []*model.Point, _ time.Time) []model.ClusterSummary {
	m.windows = append(m.windows, pts)
	return nil
}

// TestPostsWithoutAPlaceAreClustered: a post with no place but words is a
// point of its window, without a place; one with neither is counted as
// wordless and left out.
func TestPostsWithoutAPlaceAreClustered(t *testing.T) {
	in := `{"id":"1","created_at":"2026-01-01T00:00:01Z","lon":1,"lat":2,"text":"placed words"}
{"id":"2","created_at":"2026-01-01T00:00:02Z","text":"only words here"}
{"id":"3","created_at":"2026-01-01T00:00:03Z","text":""}
`
	m := &wordModel{}
	p := New(Options{Source: fileSource(t, strings.NewReader(in), nil), Clock: ClockEvent, Window: testWindow}, m)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := p.Stats().Counts
	if c.Tweets != 3 || c.Located != 1 || c.Unlocated != 2 || c.Wordless != 1 {
		t.Fatalf("counts %+v", c)
	}
	if len(m.windows) == 0 {
		t.Fatal("no window")
	}
	got := map[string]*model.Point{}
	for _, pt := range m.windows[0] {
		got[pt.ID()] = pt
	}
	if len(got) != 2 || got["1"] == nil || got["2"] == nil {
		t.Fatalf("window points %v, want posts 1 and 2", got)
	}
	if pt := got["2"]; pt.Located != tweet.GeoNone || pt.Level != tweet.GeoLevelNone || strings.Join(pt.AppendTokens(nil), " ") != "only words here" {
		t.Fatalf("the post without a place: %+v", pt)
	}
	if pt := got["1"]; pt.Located != tweet.GeoPoint || pt.Level != tweet.GeoCity {
		t.Fatalf("the placed post: %+v", pt)
	}
}

// TestModelForgetsBatchesThatLeaveTheWindow: every batch trained on is
// forgotten once it has left the window, and before the next is trained.
func TestModelForgetsBatchesThatLeaveTheWindow(t *testing.T) {
	m := &wordModel{}
	p := New(Options{Source: fileSource(t, strings.NewReader(lines(60)), nil), Clock: ClockEvent, Window: testWindow}, m)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	per := int(testWindow.Window / testWindow.Batch)
	if len(m.trained) <= per || len(m.forgot) != len(m.trained)-per {
		t.Fatalf("trained %d batches, forgot %d; the window holds %d", len(m.trained), len(m.forgot), per)
	}
	for i, n := range m.forgot {
		if n != m.trained[i] {
			t.Fatalf("forgot a batch of %d posts as batch %d, which had %d", n, i, m.trained[i])
		}
	}
}

// TestBlueskyPostsGoByJetstreamsTime: a post whose author's clock is seven
// minutes ahead is counted as clock_skew and batched by when Jetstream
// received it, with the posts around it, not in a window of its own.
func TestBlueskyPostsGoByJetstreamsTime(t *testing.T) {
	post := func(rkey string, timeUS int64, createdAt, text string) string {
		return fmt.Sprintf(`{"did":"did:plc:geostreamtest0000000001","time_us":%d,"kind":"commit","commit":{"rev":"3lfgeo2aaaa2a","operation":"create","collection":"app.bsky.feed.post","rkey":"%s","record":{"$type":"app.bsky.feed.post","createdAt":"%s","langs":["en"],"text":"%s"},"cid":"bafyreigeostreamtestcid"}}`,
			timeUS, rkey, createdAt, text)
	}
	const t0 = 1767225600000000 // 2026-01-01T00:00:00Z in µs
	in := strings.Join([]string{
		post("3lfgeo2aaab2a", t0+1_000_000, "2026-01-01T00:00:01Z", "snow in chicago"),
		post("3lfgeo2aaac2a", t0+2_000_000, "2026-01-01T00:07:02Z", "clock ahead snow"),
		post("3lfgeo2aaad2a", t0+3_000_000, "2026-01-01T00:00:03Z", "more snow here"),
	}, "\n") + "\n"
	m := &wordModel{}
	p := New(Options{Source: fileSource(t, strings.NewReader(in), nil), Clock: ClockEvent, Window: testWindow}, m)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c := p.Stats().Counts; c.Tweets != 3 || c.ClockSkew != 1 || c.Late != 0 {
		t.Fatalf("counts %+v", c)
	}
	if len(m.windows) == 0 || len(m.windows[0]) != 3 {
		t.Fatalf("windows %v: want the three posts in the first", m.windows)
	}
	for _, pt := range m.windows[0] {
		if pt.Time().After(time.Unix(0, (t0+3_000_000)*1000)) {
			t.Fatalf("post %s batched at %v, not Jetstream's time", pt.ID(), pt.Time())
		}
	}
}

// detectorFunc is a Detector that records the windows it is shown.
type detectorFunc func(r *model.Result) []model.Event

func (f detectorFunc) Observe(r *model.Result) []model.Event { return f(r) }

// TestEventsRunAfterTheModelAndBeforeTheOutputs: the detector sees every
// window after the model has assigned it, and the outputs see its events.
func TestEventsRunAfterTheModelAndBeforeTheOutputs(t *testing.T) {
	m := &wordModel{}
	seen := 0
	det := detectorFunc(func(r *model.Result) []model.Event {
		seen++
		if len(m.windows) != seen {
			t.Errorf("window %d reached the detector after %d windows assigned", seen, len(m.windows))
		}
		return []model.Event{{ID: seen, FirstSeen: r.End}}
	})
	rec := &recorder{}
	p := New(Options{Source: fileSource(t, strings.NewReader(lines(60)), nil), Clock: ClockEvent, Window: testWindow,
		Events: det}, m, rec)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen == 0 || len(rec.results) != seen {
		t.Fatalf("the detector saw %d windows, the output %d", seen, len(rec.results))
	}
	for i, r := range rec.results {
		if len(r.Events) != 1 || r.Events[0].ID != i+1 || !r.Events[0].FirstSeen.Equal(r.End) {
			t.Fatalf("window %d written with events %+v", i, r.Events)
		}
	}
}

// TestSpentByStage: the time each stage takes is added up by stage, and
// the stats line says it. A watch that ticks a millisecond of CPU a
// reading, on one thread, makes each stage take one tick each time it
// runs; on a goroutine that changes threads at every reading, the wall
// clock's two milliseconds count instead.
func TestSpentByStage(t *testing.T) {
	for _, moving := range []bool{false, true} {
		m := &wordModel{}
		observed := 0
		det := detectorFunc(func(*model.Result) []model.Event { observed++; return nil })
		var log strings.Builder
		p := New(Options{Source: fileSource(t, strings.NewReader(lines(60)), nil), Clock: ClockEvent, Window: testWindow,
			Events: det, Logger: slog.New(slog.NewTextHandler(&log, nil))}, m, &recorder{})
		var ticks mark
		tick := time.Millisecond
		if moving {
			tick = 2 * time.Millisecond
		}
		p.watch = func() mark {
			ticks.wall, ticks.cpu, ticks.tid = ticks.wall.Add(2*time.Millisecond), ticks.cpu+time.Millisecond, 1
			if moving {
				ticks.tid = int(ticks.cpu / time.Millisecond)
			}
			return ticks
		}
		if err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		st := p.Stats()
		want := Spent{Model: time.Duration(st.Windows+len(m.trained)+len(m.forgot)) * tick,
			Events: time.Duration(observed) * tick, Outputs: time.Duration(st.Windows) * tick}
		if observed == 0 || observed != st.Windows || st.Spent != want {
			t.Fatalf("moving %v: spent %+v in %d windows (%d observed), want %+v", moving, st.Spent, st.Windows, observed, want)
		}
		ms := time.Millisecond
		line := fmt.Sprintf("ms_model=%d ms_events=%d ms_outputs=%d ms_checkpoints=0", want.Model/ms, want.Events/ms,
			want.Outputs/ms)
		if !strings.Contains(log.String(), line) {
			t.Fatalf("moving %v: the stats lines do not say %q:\n%s", moving, line, log.String())
		}
	}
}

// prepModel tokenizes in the reader, but for posts that say "skip", and
// records the text each point has at Prepare and at Assign.
type prepModel struct{ prepared, assigned []string }

func (m *prepModel) Tokenize(dst []string, tw *tweet.Tweet) []string {
	if strings.Contains(tw.Text, "skip") {
		return dst
	}
	return append(dst, strings.Fields(tw.Text)...)
}
func (m *prepModel) Prepare(p *model.Point)          { m.prepared = append(m.prepared, p.Text()) }
func (m *prepModel) Train([]*model.Point, time.Time) {}
func (m *prepModel) Forget([]*model.Point)           {}
func (m *prepModel) Decay(int64)                     {}
func (m *prepModel) Assign(pts []*model.Point, _ time.Time) []model.ClusterSummary {
	for _, p := range pts {
		m.assigned = append(m.assigned, p.Text())
	}
	return nil
}

// TestPrepareHasTextWithoutTokens: a Tokenizer's Prepare finds the text of
// a post the reader found no words in, to tokenize it itself, and none of
// a post it has the words of; no point keeps its text after Prepare.
func TestPrepareHasTextWithoutTokens(t *testing.T) {
	in := `{"id":"1","created_at":"2026-01-01T00:00:05Z","lon":1,"lat":2,"text":"hello there"}
{"id":"2","created_at":"2026-01-01T00:00:06Z","lon":1,"lat":2,"text":"skip me"}`
	m := &prepModel{}
	p := New(Options{Source: fileSource(t, strings.NewReader(in), nil), Clock: ClockEvent,
		Window: window.Config{Batch: 10 * time.Second, Window: 10 * time.Second, Slide: 10 * time.Second}}, m)
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.prepared, []string{"", "skip me"}) || !slices.Equal(m.assigned, []string{"", ""}) {
		t.Fatalf("texts at Prepare %q, at Assign %q", m.prepared, m.assigned)
	}
}
