package output

import (
	"bytes"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"

	"github.com/geostream/geostream/analyzer/internal/geo"
	"github.com/geostream/geostream/analyzer/internal/render"
	"github.com/geostream/geostream/shared/tweet"
)

func testWindow(end time.Time, clusters ...int) *model.Result {
	r := &model.Result{Start: end.Add(-time.Minute), End: end}
	for i, id := range clusters {
		for k := range 20 - i {
			r.Points = append(r.Points, &model.Point{Lon: float64(10*id - 100), Lat: float64(k % 5), Cluster: id, Located: tweet.GeoPoint})
		}
		r.Clusters = append(r.Clusters, model.ClusterSummary{ID: id, Size: 20 - i, Keywords: []string{"word"}})
	}
	r.Counts.Tweets, r.Counts.Located = len(r.Points), len(r.Points)
	return r
}

func TestMapsOutput(t *testing.T) {
	dir := t.TempDir()
	m, err := NewMaps(MapsOptions{Dir: dir, Region: "world", Box: geo.Regions["world"], Width: 800, Height: 450, Keep: 2, Lossless: true})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- m.Run(t.Context()) }()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 4 {
		if err := m.Write(testWindow(t0.Add(time.Duration(i)*20*time.Second), 0, 1)); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	frames, _ := Frames(dir)
	if len(frames) != 2 || filepath.Base(frames[1]) != MapName(t0.Add(60*time.Second)) {
		t.Fatalf("kept %v, want the newest two", frames)
	}
	latest, err := os.ReadFile(filepath.Join(dir, "latest.png"))
	newest, _ := os.ReadFile(frames[1])
	if err != nil || !bytes.Equal(latest, newest) {
		t.Fatal("latest.png is not the newest map")
	}
	if img, err := png.Decode(bytes.NewReader(latest)); err != nil || img.Bounds().Dx() != 800 {
		t.Fatalf("latest.png: %v", err)
	}
	if m.Stats().Rendered != 4 || m.Stats().Skipped != 0 || m.Stats().Failed != 0 {
		t.Fatalf("rendered %d skipped %d failed %d", m.Stats().Rendered, m.Stats().Skipped, m.Stats().Failed)
	}
}

// With Follow, a map's extent is where its window's posts are: a window
// of posts in the US gets a map of the US, not of the world, and the
// next, alike, the same extent; without Follow, it is Box.
func TestMapsFollowPosts(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	us := func(end time.Time) *model.Result {
		r := &model.Result{Start: end.Add(-time.Minute), End: end}
		for k := range 200 {
			r.Points = append(r.Points, &model.Point{Lon: -120 + float64(k%50), Lat: 30 + float64(k%17), Cluster: k % 3, Located: tweet.GeoPoint})
		}
		r.Points = append(r.Points, &model.Point{Lon: 2.35, Lat: 48.85, Located: tweet.GeoProfile}) // one post in Paris
		r.Counts.Tweets, r.Counts.Located = len(r.Points), len(r.Points)
		return r
	}
	for _, follow := range []bool{true, false} {
		m, err := NewMaps(MapsOptions{Dir: t.TempDir(), Box: geo.World, Follow: follow, Width: 800, Height: 450, Lossless: true})
		if err != nil {
			t.Fatal(err)
		}
		var boxes []geo.BBox
		for i := range 3 {
			go m.Write(us(t0.Add(time.Duration(i) * 20 * time.Second)))
			boxes = append(boxes, (<-m.frames).Box)
		}
		if !follow {
			if boxes[0] != geo.World {
				t.Errorf("without Follow: %v, want the world", boxes[0])
			}
			continue
		}
		b := boxes[0]
		if !b.Contains(-100, 38) || b.W < -135 || b.E > -60 || b.Contains(2.35, 48.85) {
			t.Errorf("US posts with one in Paris: extent %v", b)
		}
		if boxes[1] != b || boxes[2] != b {
			t.Errorf("the extent moved from slide to slide: %v", boxes)
		}
	}
	// Follow alone needs no Box.
	if _, err := NewMaps(MapsOptions{Dir: t.TempDir(), Follow: true, Width: 800, Height: 450}); err != nil {
		t.Errorf("Follow without Box: %v", err)
	}
}

// Without Lossless, a window that comes while the renderer is busy is
// skipped and counted, and Write never blocks.
func TestMapsSkipWhenBusy(t *testing.T) {
	m, err := NewMaps(MapsOptions{Dir: t.TempDir(), Box: geo.Regions["world"], Width: 800, Height: 450})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Nobody runs the renderer: the queue holds one frame, the rest skip.
	for i := range 5 {
		m.Write(testWindow(t0.Add(time.Duration(i)*time.Second), 0))
	}
	if got := m.Stats().Skipped; got != 4 {
		t.Fatalf("skipped %d of 5 with a queue of one, want 4", got)
	}
	m.Close()
	if err := m.Run(t.Context()); err != nil || m.Stats().Rendered != 1 {
		t.Fatalf("run: %v, rendered %d", err, m.Stats().Rendered)
	}
}

func TestMapsOptionsValidate(t *testing.T) {
	ok := MapsOptions{Box: geo.Regions["usa"], Width: 800, Height: 450}
	for name, o := range map[string]MapsOptions{
		"too small":   {Box: ok.Box, Width: 10, Height: 10},
		"bad box":     {Box: geo.BBox{W: 5, S: 0, E: 1, N: 1}, Width: 800, Height: 450},
		"keep":        {Box: ok.Box, Width: 800, Height: 450, Keep: -1},
		"bad size-by": {Box: ok.Box, Width: 800, Height: 450, SizeBy: "volume"},
	} {
		if _, err := NewMaps(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewMaps(ok); err != nil {
		t.Fatal(err)
	}
}

// Write hands the renderer a window's posts summed by cluster and place,
// not one point a post, and the next window's sums do not mix with them.
func TestMapsWriteSumsThePosts(t *testing.T) {
	m, err := NewMaps(MapsOptions{Dir: t.TempDir(), Box: geo.Regions["world"], Follow: true, Width: 800, Height: 450})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sums := func(r *model.Result) map[render.Point]bool {
		m.Write(r)
		f := <-m.frames
		out := map[render.Point]bool{}
		for _, p := range f.Points {
			out[p] = true
		}
		return out
	}
	// Each cluster's posts are in five places: 20, 19 and 18 of them.
	got := sums(testWindow(t0, 5, 6, 7))
	want := map[render.Point]bool{}
	for i, id := range []int{5, 6, 7} {
		for place := range 5 {
			n := (20 - i) / 5
			if place < (20-i)%5 {
				n++
			}
			want[render.Point{Lon: float32(10*id - 100), Lat: float32(place), Cluster: int32(id), N: int32(n)}] = true
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("frame points %v, want %v", got, want)
	}
	got = sums(testWindow(t0.Add(20*time.Second), 8))
	if len(got) != 5 || !got[render.Point{Lon: -20, Lat: 0, Cluster: 8, N: 4}] {
		t.Fatalf("the next window's points: %v", got)
	}
}

// Write gives clusters colours that last from window to window: a cluster
// keeps its colour when others come and go.
func TestMapsColorsLast(t *testing.T) {
	m, err := NewMaps(MapsOptions{Dir: t.TempDir(), Box: geo.Regions["world"], Width: 800, Height: 450})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m.Write(testWindow(t0, 5, 6, 7))
	f1 := <-m.frames
	m.Write(testWindow(t0.Add(20*time.Second), 7, 8, 5))
	f2 := <-m.frames
	if f1.Colors[5] != f2.Colors[5] || f1.Colors[7] != f2.Colors[7] {
		t.Fatalf("colours changed: %v then %v", f1.Colors, f2.Colors)
	}
	if f2.Colors[8] == f1.Colors[6] {
		t.Fatalf("cluster 8 took the colour cluster 6 left a window ago: %v then %v", f1.Colors, f2.Colors)
	}
}

// NewFrame copies a window: the points on the map with how they were
// located (not the posts clustered by their words alone), clusters with
// their keywords, and the counts.
func TestNewFrame(t *testing.T) {
	r := &model.Result{
		Points: []*model.Point{
			{Lon: 1, Lat: 2, Cluster: 3, Located: tweet.GeoPoint},
			{Cluster: 4}, // no place
			{Lon: 4, Lat: 5, Cluster: 6, Located: tweet.GeoPoint},
			{Lon: 7, Lat: 8, Cluster: 9, Located: tweet.GeoPlace},
			{Located: tweet.GeoProfile},
			{Located: tweet.GeoText},
		},
		Clusters: []model.ClusterSummary{{ID: 3, Size: 1, Lon: 1, Lat: 2, Keywords: []string{"a", "b"}}},
	}
	r.Counts.Tweets, r.Counts.Located, r.Partial = 7, 5, true
	f := NewFrame(r, geo.World, 1600, 900)
	want := []render.Point{{Lon: 1, Lat: 2, Cluster: 3, N: 1}, {Lon: 4, Lat: 5, Cluster: 6, N: 1}, {Lon: 7, Lat: 8, Cluster: 9, N: 1, Method: render.MethodPlace},
		{N: 1, Method: render.MethodProfile}, {N: 1, Method: render.MethodText}}
	if len(f.Points) != len(want) {
		t.Fatalf("%d points on the map, want %d: %+v", len(f.Points), len(want), f.Points)
	}
	for i, p := range f.Points {
		if p != want[i] {
			t.Errorf("point %d: %+v, want %+v", i, p, want[i])
		}
	}
	if f.Tweets != 7 || f.Located != 5 || !f.Partial || len(f.Clusters) != 1 || f.Clusters[0].Keywords[1] != "b" ||
		f.Box != geo.World || f.Width != 1600 || f.Height != 900 {
		t.Fatalf("frame %+v", f)
	}
	r.Clusters[0].Keywords[1] = "changed"
	if f.Clusters[0].Keywords[1] != "b" {
		t.Fatal("the frame shares keywords with the window")
	}
	if f.Events != nil {
		t.Fatalf("events %+v in a window without any", f.Events)
	}
}

// An event is new on the map of the window whose end is its FirstSeen, and
// an event after.
func TestNewFrameEvents(t *testing.T) {
	end := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	r := &model.Result{Start: end.Add(-time.Minute), End: end, Events: []model.Event{
		{ID: 7, Cluster: 3, Lon: -74, Lat: 40.7, RadiusKm: 12, Keywords: []string{"blackout", "subway"}, FirstSeen: end, Posts: 40},
		{ID: 5, Cluster: 1, Lon: 2.35, Lat: 48.85, RadiusKm: 3, Keywords: []string{"strike"}, FirstSeen: end.Add(-20 * time.Second), Posts: 90},
	}}
	f := NewFrame(r, geo.World, 1600, 900)
	want := []render.Event{
		{ID: 7, Lon: -74, Lat: 40.7, RadiusKm: 12, Keywords: []string{"blackout", "subway"}, Posts: 40, New: true},
		{ID: 5, Lon: 2.35, Lat: 48.85, RadiusKm: 3, Keywords: []string{"strike"}, Posts: 90},
	}
	if !reflect.DeepEqual(f.Events, want) {
		t.Fatalf("events %+v, want %+v", f.Events, want)
	}
	r.Events[0].Keywords[0] = "changed"
	if f.Events[0].Keywords[0] != "blackout" {
		t.Fatal("the frame shares keywords with the window")
	}
}

// TestLongNoLeakOver1000Frames renders 1,000 frames through the map output
// and checks goroutines, open files and the heap come back. It takes about
// a minute, so it runs in make bench (GEOSTREAM_LONG_TESTS=1).
func TestLongNoLeakOver1000Frames(t *testing.T) {
	if os.Getenv("GEOSTREAM_LONG_TESTS") == "" {
		t.Skip("set GEOSTREAM_LONG_TESTS=1 (make bench runs it)")
	}
	fds := func() int {
		e, _ := os.ReadDir("/proc/self/fd")
		return len(e)
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	dir := t.TempDir()
	m, err := NewMaps(MapsOptions{Dir: dir, Region: "world", Box: geo.Regions["world"], Width: 800, Height: 450, Keep: 3, Lossless: true})
	if err != nil {
		t.Fatal(err)
	}
	res := testWindow(time.Time{}, 0, 1, 2, 3, 4)
	g0, f0 := runtime.NumGoroutine(), fds()
	done := make(chan error)
	go func() { done <- m.Run(t.Context()) }()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var h100 uint64
	for i := 0; i < 1000; i++ {
		res.End = t0.Add(time.Duration(i) * 20 * time.Second)
		res.Start = res.End.Add(-time.Minute)
		m.Write(res)
		if i == 100 {
			h100 = heap()
		}
	}
	m.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if g, f := runtime.NumGoroutine(), fds(); g > g0 || f > f0 {
		t.Fatalf("after 1000 frames: %d goroutines (was %d), %d open files (was %d)", g, g0, f, f0)
	}
	if h := heap(); h > h100+16<<20 {
		t.Fatalf("heap grew from %d to %d bytes over 900 frames", h100, h)
	}
	if frames, _ := Frames(dir); len(frames) != 3 || m.Stats().Rendered != 1000 {
		t.Fatalf("%d maps kept, %d rendered", len(frames), m.Stats().Rendered)
	}
	t.Logf("1000 frames: heap %d -> %d bytes after GC", h100, heap())
}

// TestTableIsALineAWindow: at info level a window is one log line naming
// its largest clusters; the clusters' own lines are debug.
func TestTableIsALineAWindow(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
		r := testWindow(time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC), 5, 6, 7, 8, 9)
		if err := (Table{Log: log}).Write(r); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		want := 1
		if level == slog.LevelDebug {
			want = 1 + len(r.Clusters)
		}
		if len(lines) != want || !strings.Contains(lines[0], `largest="C5 (20): word; C6 (19): word; C7 (18): word"`) {
			t.Fatalf("at %v: %d lines, want %d:\n%s", level, len(lines), want, buf.String())
		}
	}
}

// Follow's extent reads extentSample located posts or more, however few of
// the window's posts are located (most real posts are not).
func TestMapsExtentSamplesTheLocated(t *testing.T) {
	points := make([]*model.Point, 400_000)
	located := 0
	for i := range points {
		points[i] = &model.Point{Lon: float64(i%70) - 125, Lat: float64(i%25) + 25, Cluster: i % 9}
		if i%40 == 0 {
			points[i].Located = tweet.GeoProfile
			located++
		}
	}
	m := &Maps{}
	m.extent(points, located)
	if len(m.lons) < extentSample || len(m.lons) != len(m.lats) {
		t.Fatalf("the extent read %d of %d located posts, want at least %d", len(m.lons), located, extentSample)
	}
}

// BenchmarkMapsExtent is what Follow adds to Write, on the pipeline's
// goroutine, for a window of a million located posts.
func BenchmarkMapsExtent(b *testing.B) {
	m := &Maps{}
	b.ReportAllocs()
	for b.Loop() {
		m.extent(millionPosts, len(millionPosts))
	}
}

// millionPosts are a window of a million located posts in 70×25 places.
var millionPosts = func() []*model.Point {
	points := make([]*model.Point, 1_000_000)
	for i := range points {
		points[i] = &model.Point{Lon: float64(i%70) - 125, Lat: float64(i%25) + 25, Cluster: i % 9, Located: tweet.GeoPoint}
	}
	return points
}()

// BenchmarkMapsFrame is what Write costs the pipeline's goroutine to hand
// a window of a million located posts to the renderer: its frame, summed.
func BenchmarkMapsFrame(b *testing.B) {
	m := &Maps{opts: DefaultMapsOptions()}
	r := &model.Result{Points: millionPosts}
	r.Counts.Located = len(millionPosts)
	b.ReportAllocs()
	for b.Loop() {
		m.frame(r, geo.World)
	}
}
