package render

import (
	"bytes"
	"fmt"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/geo"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
)

func testFrame(region string) *Frame {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := &Frame{Start: t0, End: t0.Add(time.Minute), Box: geo.Regions[region], Width: 1600, Height: 900}
	cities := []struct{ lon, lat float32 }{{-74, 40.7}, {2.35, 48.85}, {139.7, 35.7}, {-90.07, 29.95}, {18.4, -33.9}}
	for i := range 2000 {
		c := cities[i%len(cities)]
		f.Points = append(f.Points, Point{Lon: c.lon + float32(i%13)*0.05, Lat: c.lat + float32(i%7)*0.05, Cluster: int32(i % len(cities))})
	}
	for i := range cities {
		f.Clusters = append(f.Clusters, pipeline.ClusterSummary{ID: i, Size: 400, Keywords: []string{"game", "bowl", "super"}})
	}
	f.Tweets, f.Located = 2100, 2000
	return f
}

func TestRenderWritesPNGs(t *testing.T) {
	var r Renderer
	dir := t.TempDir()
	for _, region := range geo.RegionNames() {
		t.Run(region, func(t *testing.T) {
			var buf bytes.Buffer
			f := testFrame(region)
			st, err := r.Render(&buf, f)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != 1600 || b.Dy() != 900 {
				t.Fatalf("size %v", b)
			}
			if st.Drawn+st.Outside != len(f.Points) {
				t.Fatalf("drawn %d + outside %d != %d points", st.Drawn, st.Outside, len(f.Points))
			}
			if region == "world" && st.Outside != 0 {
				t.Fatalf("%d points off the world map", st.Outside)
			}
			if region == "usa" && (st.Drawn == 0 || st.Outside == 0) {
				t.Fatalf("usa: drawn %d outside %d", st.Drawn, st.Outside)
			}
			os.WriteFile(filepath.Join(dir, region+".png"), buf.Bytes(), 0o644)
		})
	}
	if out := os.Getenv("GEOSTREAM_RENDER_OUT"); out != "" {
		for _, region := range geo.RegionNames() {
			b, _ := os.ReadFile(filepath.Join(dir, region+".png"))
			os.WriteFile(filepath.Join(out, region+".png"), b, 0o644)
		}
	}
}

func TestPixels(t *testing.T) {
	var r Renderer
	f := testFrame("world")
	f.Points = []Point{{Lon: -150, Lat: 20, Cluster: 0}} // one point in the Pacific
	img, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	proj := geo.Projection{Box: f.Box, W: float64(st.Data.Dx()), H: float64(st.Data.Dy())}
	at := func(lon, lat float64) (int, int) {
		x, y := proj.Point(lon, lat)
		return st.Data.Min.X + int(x+0.5), st.Data.Min.Y + int(y+0.5)
	}
	// The point's pixel is tinted towards its cluster's blue.
	x, y := at(-150, 20)
	c := img.RGBAAt(x, y)
	if !(c.B > c.R+40) {
		t.Fatalf("pixel at the point is %v, want cluster blue blended over the ocean", c)
	}
	if c := img.RGBAAt(at(-150, 0)); c != oceanColor {
		t.Fatalf("mid-Pacific pixel %v, want ocean %v", c, oceanColor)
	}
	if c := img.RGBAAt(at(22, 3)); c != landColor {
		t.Fatalf("central Africa pixel %v, want land %v", c, landColor)
	}
	if c := img.RGBAAt(at(-20, -30)); c != oceanColor {
		t.Fatalf("South Atlantic pixel %v, want ocean", c)
	}
}

func TestRegionsKeepAspect(t *testing.T) {
	var r Renderer
	for _, region := range geo.RegionNames() {
		f := testFrame(region)
		_, st, err := r.Image(f)
		if err != nil {
			t.Fatal(err)
		}
		got := float64(st.Data.Dx()) / float64(st.Data.Dy())
		if want := f.Box.Aspect(); got < want*0.98 || got > want*1.02 {
			t.Errorf("%s: map is %dx%d (aspect %.3f), want aspect %.3f", region, st.Data.Dx(), st.Data.Dy(), got, want)
		}
	}
}

func TestLegendRows(t *testing.T) {
	cl := []pipeline.ClusterSummary{{ID: 3, Size: 412, Keywords: []string{"game", "bowl", "super"}}, {ID: 7, Size: 5, Keywords: nil}}
	rows := legendRows(cl, 100)
	if len(rows) != 2 || rows[0] != "C3 (412): game, bowl, super" || rows[1] != "C7 (5): " {
		t.Fatalf("rows %q", rows)
	}
	if long := legendRows(cl, 12); len([]rune(long[0])) != 12 {
		t.Fatalf("row not cut to width: %q", long[0])
	}
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
		end := t0.Add(time.Duration(i) * 20 * time.Second)
		m.Write(&pipeline.Result{Start: end.Add(-time.Minute), End: end, Points: []*pipeline.Point{{Lon: 1, Lat: 2, Cluster: 0}}})
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
	if m.Rendered.Load() != 4 || m.Skipped.Load() != 0 {
		t.Fatalf("rendered %d skipped %d", m.Rendered.Load(), m.Skipped.Load())
	}
	if _, err := NewMaps(MapsOptions{Dir: dir, Box: geo.Regions["world"], Width: 10, Height: 10}); err == nil {
		t.Fatal("a 10x10 map was accepted")
	}
}

func BenchmarkRender(b *testing.B) {
	var r Renderer
	for _, n := range []int{10000, 100000} {
		f := testFrame("world")
		f.Points = f.Points[:0]
		for i := range n {
			f.Points = append(f.Points, Point{Lon: float32(i%360) - 180 + 0.5, Lat: float32(i%120) - 55, Cluster: int32(i % 15)})
		}
		r.Image(f) // warm the base-map cache, as in a run
		for _, lvl := range []struct {
			name string
			l    png.CompressionLevel
		}{{"png-default", png.DefaultCompression}, {"png-fast", png.BestSpeed}} {
			b.Run(fmt.Sprintf("points=%d/%s", n, lvl.name), func(b *testing.B) {
				f.CompressionLevel = lvl.l
				b.ReportAllocs()
				var buf bytes.Buffer
				for b.Loop() {
					buf.Reset()
					if _, err := r.Render(&buf, f); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(buf.Len())/1024, "KiB/frame")
			})
		}
		for _, sizeBy := range []string{SizeByNone, SizeByCount} {
			b.Run(fmt.Sprintf("points=%d/draw-only/size-by=%s", n, sizeBy), func(b *testing.B) {
				f.SizeBy = sizeBy
				for b.Loop() {
					if _, _, err := r.Image(f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		f.SizeBy = SizeByNone
	}
}

func TestTimelapse(t *testing.T) {
	dir := t.TempDir()
	var r Renderer
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		f := testFrame("europe")
		f.Width, f.Height, f.End = 600, 400, t0.Add(time.Duration(i)*20*time.Second)
		var buf bytes.Buffer
		if _, err := r.Render(&buf, f); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, MapName(f.End)), buf.Bytes(), 0o644)
	}
	frames, _ := Frames(dir)
	var out bytes.Buffer
	if err := Timelapse(&out, frames, TimelapseOptions{Scale: 0.5, Delay: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.Image[0].Bounds().Dx() != 300 || g.Delay[0] != 50 {
		t.Fatalf("%d frames of %v, delay %v", len(g.Image), g.Image[0].Bounds(), g.Delay)
	}
	if err := Timelapse(&out, nil, TimelapseOptions{Scale: 0.5}); err == nil {
		t.Fatal("no frames accepted")
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
	f := testFrame("world")
	res := &pipeline.Result{Clusters: f.Clusters}
	for _, p := range f.Points {
		res.Points = append(res.Points, &pipeline.Point{Lon: float64(p.Lon), Lat: float64(p.Lat), Cluster: int(p.Cluster)})
	}
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
	if frames, _ := Frames(dir); len(frames) != 3 || m.Rendered.Load() != 1000 {
		t.Fatalf("%d maps kept, %d rendered", len(frames), m.Rendered.Load())
	}
	t.Logf("1000 frames: heap %d -> %d bytes after GC", h100, heap())
}

// With --size-by count, 60 tweets in one place draw a disc far larger
// than one tweet does, every tweet is still counted as drawn, and the
// legend panel shows the size key.
func TestSizeByCount(t *testing.T) {
	var r Renderer
	f := testFrame("world")
	f.Points = f.Points[:0]
	for range 60 {
		f.Points = append(f.Points, Point{Lon: -150, Lat: 20, Cluster: 0})
	}
	f.Points = append(f.Points, Point{Lon: -120, Lat: -40, Cluster: 0}, Point{Lon: 200, Lat: 0, Cluster: 1})
	tinted := func(f *Frame) (big, small int, st Stats, keyPixels int) {
		img, st, err := r.Image(f)
		if err != nil {
			t.Fatal(err)
		}
		proj := geo.Projection{Box: f.Box, W: float64(st.Data.Dx()), H: float64(st.Data.Dy())}
		count := func(lon, lat float64) int {
			x, y := proj.Point(lon, lat)
			cx, cy := st.Data.Min.X+int(x+0.5), st.Data.Min.Y+int(y+0.5)
			n := 0
			for dy := -30; dy <= 30; dy++ {
				for dx := -30; dx <= 30; dx++ {
					if img.RGBAAt(cx+dx, cy+dy) != oceanColor {
						n++
					}
				}
			}
			return n
		}
		// Grey key discs in the legend panel, below the rows.
		for y := st.Data.Max.Y - 70; y < st.Data.Max.Y; y++ {
			for x := st.Data.Max.X + 20; x < img.Bounds().Dx(); x++ {
				if c := img.RGBAAt(x, y); c.R == c.G && c.G == c.B && c.R > 0xa0 && c.R < 0xe0 {
					keyPixels++
				}
			}
		}
		return count(-150, 20), count(-120, -40), st, keyPixels
	}
	big0, small0, st0, key0 := tinted(f)
	f.SizeBy = SizeByCount
	big, small, st, key := tinted(f)
	if st.Drawn != st0.Drawn || st.Drawn != 61 || st.Outside != 1 {
		t.Fatalf("drawn %d, outside %d (a disc per tweet: %d)", st.Drawn, st.Outside, st0.Drawn)
	}
	if big0 > 3*small0 {
		t.Fatalf("a disc per tweet: 60 tweets in one place cover %d pixels, one tweet %d", big0, small0)
	}
	if big < 20*small || small == 0 {
		t.Fatalf("by count: 60 tweets cover %d pixels, one tweet %d", big, small)
	}
	if key0 != 0 || key < 100 {
		t.Fatalf("size key pixels: %d without --size-by count, %d with", key0, key)
	}
}
