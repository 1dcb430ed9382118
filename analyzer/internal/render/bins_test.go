package render

import (
	"fmt"
	"image"
	"slices"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// Tweets of one cluster, located one way, within a quarter of a pixel sum
// into one point at their mean; any other cluster, way or cell is a point
// of its own, in the order first added.
func TestBins(t *testing.T) {
	var b Bins
	// 360° over 1600 pixels: a pixel is 0.225°, a cell 0.05625° wide (from
	// 10.0125° to 10.06875° here); 180° over 900: a cell is 0.05° high.
	b.Reset(geo.BBox{W: -180, S: -90, E: 180, N: 90}, 1600, 900)
	b.Add(10.02, 20.01, 3, MethodPoint)
	b.Add(10.04, 20.02, 3, MethodPoint)
	b.Add(10.02, 20.02, 4, MethodPoint)   // another cluster
	b.Add(10.02, 20.02, 3, MethodProfile) // another way
	b.Add(10.30, 20.02, 3, MethodPoint)   // a pixel east
	b.Add(10.06, 20.04, 3, MethodPoint)
	want := []Point{
		{Lon: 10.04, Lat: 20.023333, Cluster: 3, N: 3},
		{Lon: 10.02, Lat: 20.02, Cluster: 4, N: 1},
		{Lon: 10.02, Lat: 20.02, Cluster: 3, N: 1, Method: MethodProfile},
		{Lon: 10.30, Lat: 20.02, Cluster: 3, N: 1},
	}
	got := b.Points()
	if len(got) != len(want) {
		t.Fatalf("%d points, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !near32(g.Lon, w.Lon) || !near32(g.Lat, w.Lat) || g.Cluster != w.Cluster || g.N != w.N || g.Method != w.Method {
			t.Errorf("point %d: %+v, want %+v", i, g, w)
		}
	}
	got[0].N = 99
	if b.Points()[0].N != 3 {
		t.Fatal("Points shares its slice with the bins")
	}

	// Reset empties them; a region that is not one is the world.
	b.Reset(geo.BBox{}, 1600, 900)
	if p := b.Points(); len(p) != 0 {
		t.Fatalf("after Reset: %+v", p)
	}
	b.Add(-179.99, -57.99, 1, MethodText)
	b.Add(179.99, 83.99, 1, MethodText)
	if p := b.Points(); len(p) != 2 || p[0].N != 1 || p[1].N != 1 {
		t.Fatalf("opposite corners of the world: %+v", p)
	}

	// On a map of a few metres, the other side of the world is cells
	// beyond counting: those tweets share an edge cell, far off the map.
	b.Reset(geo.BBox{W: 2.3, S: 48.85, E: 2.30001, N: 48.85001}, 1600, 900)
	b.Add(-170, -50, 1, MethodPoint)
	b.Add(-160, -40, 1, MethodPoint)
	if p := b.Points(); len(p) != 1 || p[0].N != 2 || p[0].Lon != -165 || p[0].Lat != -45 {
		t.Fatalf("far off a tiny map: %+v", p)
	}

	// On a map of one city, tweets 0.01° apart are pixels apart.
	b.Reset(geo.BBox{W: 2.2, S: 48.8, E: 2.5, N: 48.95}, 1600, 900)
	b.Add(2.30, 48.85, 1, MethodPoint)
	b.Add(2.31, 48.85, 1, MethodPoint)
	if p := b.Points(); len(p) != 2 {
		t.Fatalf("a city's map: %+v", p)
	}
}

func near32(a, b float32) bool { return a-b < 1e-4 && b-a < 1e-4 }

// binned returns f with its points summed by Bins, as the map output
// hands them to the renderer.
func binned(f *Frame) *Frame {
	var b Bins
	b.Reset(f.Box, f.Width, f.Height)
	for _, p := range f.Points {
		for range p.weight() {
			b.Add(float64(p.Lon), float64(p.Lat), p.Cluster, p.Method)
		}
	}
	g := *f
	g.Points = b.Points()
	return &g
}

// A frame of summed points draws the map its tweets draw one by one: the
// same counts, text, labels and discs. Only a disc whose tweets' mean
// moved by a fraction of a pixel may shade a few pixels differently.
func TestBinnedFrameDrawsAsItsTweets(t *testing.T) {
	var r Renderer
	for _, c := range []struct {
		region string
		sizeBy string
	}{{"world", SizeByCount}, {"world", SizeByNone}, {"europe", SizeByCount}, {"usa", SizeByNone}} {
		t.Run(c.region+"-"+c.sizeBy, func(t *testing.T) {
			f := makeFrame(frameSpec{region: c.region, width: 1600, height: 900, clusters: 12, tweets: 30000,
				spread: 0.1, inferred: 0.3, seed: 5, sizeBy: c.sizeBy})
			g := binned(f)
			if len(g.Points) > len(f.Points)*9/10 {
				t.Fatalf("%d tweets summed into %d points: too few sums to test", len(f.Points), len(g.Points))
			}
			a, sa, b, sb := drawBoth(t, &r, f, g)
			if sa.Drawn != sb.Drawn || sa.Outside != sb.Outside {
				t.Fatalf("drawn %d, outside %d; summed: %d, %d", sa.Drawn, sa.Outside, sb.Drawn, sb.Outside)
			}
			if !slices.Equal(texts(sa.Text), texts(sb.Text)) || !slices.Equal(texts(sa.Labels), texts(sb.Labels)) {
				t.Fatalf("text differs:\n%q\n%q\nsummed:\n%q\n%q", texts(sa.Text), texts(sa.Labels), texts(sb.Text), texts(sb.Labels))
			}
			n, _ := diffImages(a, b)
			total := a.Bounds().Dx() * a.Bounds().Dy()
			t.Logf("%d tweets in %d points; %d of %d pixels differ", len(f.Points), len(g.Points), n, total)
			if n > total/1000 {
				t.Fatalf("%d of %d pixels differ", n, total)
			}
		})
	}
}

// Tweets at the same place draw exactly as one point that stands for
// them all.
func TestBinnedFrameIsExactAtOnePlace(t *testing.T) {
	var r Renderer
	for _, sizeBy := range []string{SizeByCount, SizeByNone} {
		t.Run(sizeBy, func(t *testing.T) {
			f := makeFrame(frameSpec{region: "world", width: 1600, height: 900, clusters: 6, tweets: 3000, seed: 2, sizeBy: sizeBy})
			g := binned(f)
			if len(g.Points) > 36 {
				t.Fatalf("%d points for tweets in 6 topics' 18 cities, given or tagged", len(g.Points))
			}
			a, sa, b, sb := drawBoth(t, &r, f, g)
			if !slices.Equal(a.Pix, b.Pix) {
				n, _ := diffImages(a, b)
				t.Fatalf("%d pixels differ; text %q, summed %q", n, texts(sa.Text), texts(sb.Text))
			}
		})
	}
}

// drawBoth draws f and g.
func drawBoth(t *testing.T, r *Renderer, f, g *Frame) (a *image.RGBA, sa Stats, b *image.RGBA, sb Stats) {
	t.Helper()
	a, sa, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	b, sb, err = r.Image(g)
	if err != nil {
		t.Fatal(err)
	}
	return a, sa, b, sb
}

func texts(boxes []TextBox) []string {
	var out []string
	for _, b := range boxes {
		out = append(out, fmt.Sprintf("%s@%v", b.Text, b.Box))
	}
	return out
}
