package render

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// sizes are the canvases the layout tests draw on: the default, the
// smallest and largest the issue names, and a few that are not 16:9.
var sizes = [][2]int{{1600, 900}, {800, 450}, {3200, 1800}, {1000, 1000}, {1200, 1600}, {2400, 800}, {800, 600}}

// regionCases are every --region and a --bbox.
func regionCases() map[string]geo.BBox {
	out := map[string]geo.BBox{"bbox": {W: 5, S: 43, E: 17, N: 55}}
	for name, b := range geo.Regions {
		out[name] = b
	}
	return out
}

func TestRenderWritesPNGs(t *testing.T) {
	var r Renderer
	for _, region := range geo.RegionNames() {
		t.Run(region, func(t *testing.T) {
			var buf bytes.Buffer
			f := makeFrame(frameSpec{region: region, width: 1600, height: 900, clusters: 10, tweets: 2000, spread: 0.3, seed: 9})
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
		})
	}
}

// isPaper reports whether a pixel is the canvas's white background.
func isPaper(c color.RGBA) bool { return c.R == 0xff && c.G == 0xff && c.B == 0xff }

// blankShare is the share of the canvas's rows and of its columns that
// are background from edge to edge, in bands of more than a few pixels
// (the gaps between lines of text are not bands).
func blankShare(img *image.RGBA) (rows, cols float64) {
	b := img.Bounds()
	blankRow := func(y int) bool {
		for x := b.Min.X; x < b.Max.X; x++ {
			if !isPaper(img.RGBAAt(x, y)) {
				return false
			}
		}
		return true
	}
	blankCol := func(x int) bool {
		for y := b.Min.Y; y < b.Max.Y; y++ {
			if !isPaper(img.RGBAAt(x, y)) {
				return false
			}
		}
		return true
	}
	bands := func(n int, blank func(int) bool) int {
		const minBand = 6
		total, run := 0, 0
		for i := range n + 1 {
			if i < n && blank(i) {
				run++
				continue
			}
			if run >= minBand {
				total += run
			}
			run = 0
		}
		return total
	}
	nr := bands(b.Dy(), func(i int) bool { return blankRow(b.Min.Y + i) })
	nc := bands(b.Dx(), func(i int) bool { return blankCol(b.Min.X + i) })
	return float64(nr) / float64(b.Dy()), float64(nc) / float64(b.Dx())
}

// At every region and size, the map and legend fill the canvas: few rows
// or columns are bare paper, the map keeps its region's shape, shows all
// of the region, stays clear of the legend, and every line of text lies
// inside the canvas. A world map on a square or tall canvas cannot fill
// it (the globe ends), and may leave more.
func TestLayoutFillsCanvas(t *testing.T) {
	var r Renderer
	for name, box := range regionCases() {
		for _, sz := range sizes {
			if sz[0] > 2400 && name != "world" && name != "europe" {
				continue // the largest canvas is slow to draw: two regions show it scales
			}
			t.Run(fmt.Sprintf("%s/%dx%d", name, sz[0], sz[1]), func(t *testing.T) {
				f := makeFrame(frameSpec{box: box, width: sz[0], height: sz[1], clusters: 15, tweets: 4000, spread: 0.3, seed: 11})
				img, st, err := r.Image(f)
				if err != nil {
					t.Fatal(err)
				}
				canvas := img.Bounds()
				rows, cols := blankShare(img)
				limit := 0.12
				switch aspect := float64(sz[0]) / float64(sz[1]); {
				case name == "world" && aspect < 1:
					limit = 0.3
				case name == "world" && aspect < 1.5:
					limit = 0.2
				}
				if rows > limit || cols > limit {
					t.Errorf("%.0f%% of rows and %.0f%% of columns are blank (at most %.0f%%)", 100*rows, 100*cols, 100*limit)
				}
				if !st.Data.In(canvas) || !st.Legend.In(canvas) || st.Data.Overlaps(st.Legend) {
					t.Errorf("map %v and legend %v on a %v canvas", st.Data, st.Legend, canvas)
				}
				if st.Extent.W > box.W || st.Extent.E < box.E || st.Extent.S > box.S || st.Extent.N < box.N {
					t.Errorf("the map shows %v, not all of %v", st.Extent, box)
				}
				if got, want := float64(st.Data.Dx())/float64(st.Data.Dy()), st.Extent.Aspect(); math.Abs(got/want-1) > 0.02 {
					t.Errorf("map %v has aspect %.3f, its extent %.3f", st.Data, got, want)
				}
				for _, tb := range append(st.Text, st.Labels...) {
					if !tb.Box.In(canvas) {
						t.Errorf("text %q at %v leaves the canvas", tb.Text, tb.Box)
					}
					if l := strings.ToLower(tb.Text); l == "latitude" || l == "longitude" {
						t.Errorf("an axis title %q", tb.Text)
					}
				}
				for _, tb := range st.Labels {
					if !tb.Box.In(st.Data) {
						t.Errorf("label %q at %v leaves the map %v", tb.Text, tb.Box, st.Data)
					}
				}
			})
		}
	}
}

// legendText joins the legend's lines back into entries' text.
func legendText(st Stats) string {
	var b strings.Builder
	for _, tb := range st.Text {
		b.WriteString(tb.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Long keywords are wrapped or left out whole: every keyword shown is
// complete and none is cut with an ellipsis.
func TestLegendKeepsWholeWords(t *testing.T) {
	var r Renderer
	long := []string{"#internationalcricketcouncilworldcup", "extraordinarily", "#happynewyeareveryonearoundtheworld", "championship", "celebrations", "fireworks"}
	for _, sz := range sizes {
		f := makeFrame(frameSpec{region: "world", width: sz[0], height: sz[1], clusters: 15, tweets: 3000, spread: 0.3, seed: 5,
			keywords: func(int) []string { return long }})
		_, st, err := r.Image(f)
		if err != nil {
			t.Fatal(err)
		}
		text := legendText(st)
		if strings.Contains(text, "…") {
			t.Errorf("%v: an ellipsis in the legend:\n%s", sz, text)
		}
		for _, e := range entries(st) {
			_, kws, ok := strings.Cut(e, "): ")
			if !ok {
				t.Errorf("%v: entry %q has no keywords", sz, e)
				continue
			}
			for _, w := range strings.Split(kws, ", ") {
				if !contains(long, w) {
					t.Errorf("%v: %q is not a whole keyword (entry %q)", sz, w, e)
				}
			}
		}
		if n := len(entries(st)); n != 15 {
			t.Errorf("%v: %d entries for 15 clusters:\n%s", sz, n, text)
		}
	}
}

// entries are the legend's cluster entries, their wrapped lines joined.
func entries(st Stats) []string {
	var out []string
	in := false
	for _, tb := range st.Text {
		line := tb.Text
		switch {
		case entryStart(line):
			out = append(out, line)
			in = true
		case in && tb.Box.In(st.Legend) && !strings.Contains(line, " with GPS ") && !strings.HasPrefix(line, "+"):
			out[len(out)-1] += " " + line
		default:
			in = false
		}
	}
	return out
}

func entryStart(line string) bool {
	var id, n int
	_, err := fmt.Sscanf(strings.ReplaceAll(line, ",", ""), "C%d (%d)", &id, &n)
	return err == nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Legend markers are at least 12 px across at every size: the first
// entry's colour covers a disc of that diameter inside the legend.
func TestLegendMarkersReadable(t *testing.T) {
	var r Renderer
	for _, sz := range append(sizes, [2]int{MinWidth, MinHeight}) {
		f := makeFrame(frameSpec{region: "world", width: sz[0], height: sz[1], clusters: 4, tweets: 500, spread: 0.3, seed: 3})
		img, st, err := r.Image(f)
		if err != nil {
			t.Fatal(err)
		}
		want := colorsFor(f, []int{0})[0]
		minX, maxX := math.MaxInt, math.MinInt
		for y := st.Legend.Min.Y; y < st.Legend.Max.Y; y++ {
			for x := st.Legend.Min.X - 2; x < st.Legend.Max.X; x++ {
				if img.RGBAAt(x, y) == want {
					minX, maxX = min(minX, x), max(maxX, x)
				}
			}
		}
		if d := maxX - minX + 1; d < 12 {
			t.Errorf("%v: the legend marker is %d px across", sz, d)
		}
	}
}

// Clusters beyond MaxColored are grey and summed up in one legend line.
func TestMaxColoredGreysTheRest(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 1600, height: 900, clusters: 24, tweets: 4000, spread: 0.3, seed: 4, maxColored: 8})
	img, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	text := legendText(st)
	ranked := rankInView(f, st.Extent)
	rest := 0
	for _, c := range ranked[8:] {
		rest += c.n
	}
	if want := fmt.Sprintf("+16 smaller clusters (%s posts)", thousands(rest)); !strings.Contains(text, want) {
		t.Fatalf("no %q in the legend:\n%s", want, text)
	}
	if n := len(entries(st)); n != 8 {
		t.Fatalf("%d cluster entries, want 8:\n%s", n, text)
	}
	grey := 0
	near := func(a, b uint8) bool { return a-b < 4 || b-a < 4 }
	for y := st.Data.Min.Y; y < st.Data.Max.Y; y++ {
		for x := st.Data.Min.X; x < st.Data.Max.X; x++ {
			if c := img.RGBAAt(x, y); near(c.R, c.G) && near(c.G, c.B) && c.R >= 0x95 && c.R <= 0xb5 {
				grey++
			}
		}
	}
	if grey == 0 {
		t.Fatal("no grey discs on the map")
	}
}

// A cluster of one or two posts on the map stays grey and unlabelled
// beside larger ones, even when --k leaves colours free: a stream model
// opens many.
func TestFewPostsStayGrey(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 800, height: 450, clusters: 3, tweets: 600, spread: 0.3, seed: 4})
	for i, n := range []int{1, 2, 3} {
		id := 100 + i
		for range n {
			f.Points = append(f.Points, Point{Lon: 20 + float32(30*i), Lat: -20, Cluster: int32(id)})
		}
		f.Clusters = append(f.Clusters, Cluster{ID: id, Size: n})
	}
	new(Colors).Assign(f)
	_, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, l := range st.Labels {
		labels = append(labels, l.Text)
	}
	if slices.Contains(labels, "C100") || slices.Contains(labels, "C101") || !slices.Contains(labels, "C102") {
		t.Fatalf("labels %v: want C102 (3 posts), not C100 (1) or C101 (2)", labels)
	}
	if text := legendText(st); !strings.Contains(text, "+2 smaller clusters (3 posts)") {
		t.Fatalf("the two smallest are not summed up:\n%s", text)
	}
	if _, ok := f.Colors[100]; ok {
		t.Fatalf("colours %v give one to a cluster of one post", f.Colors)
	}
	// A quiet window with nothing larger colours its clusters of one post.
	quiet := &Frame{Box: geo.World, Width: 800, Height: 450}
	for id := range 4 {
		quiet.Points = append(quiet.Points, Point{Lon: float32(30 * id), Lat: 10, Cluster: int32(id)})
		quiet.Clusters = append(quiet.Clusters, Cluster{ID: id, Size: 1, Keywords: []string{"word"}})
	}
	if _, st, err := r.Image(quiet); err != nil || len(st.Labels) != 4 {
		t.Fatalf("a window of four posts in four clusters: labels %v (%v), want 4", st.Labels, err)
	}
}

// Count discs: sixty tweets in one place make a disc with far more area
// than one tweet does (about the square-root law), every tweet is counted
// as drawn, and the size key appears.
func TestCountDiscs(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 1600, height: 900})
	for range 60 {
		f.Points = append(f.Points, Point{Lon: -150, Lat: 20, Cluster: 0})
	}
	f.Points = append(f.Points, Point{Lon: -120, Lat: -40, Cluster: 0}, Point{Lon: 20, Lat: 89, Cluster: 1})
	f.Clusters = []Cluster{{ID: 0, Size: 61, Keywords: []string{"surf"}}, {ID: 1, Size: 1}}
	empty := *f
	empty.Points = nil
	coverage := func(f *Frame) (big, small int, st Stats) {
		img, st, err := r.Image(f)
		if err != nil {
			t.Fatal(err)
		}
		base, _, err := r.Image(&empty)
		if err != nil {
			t.Fatal(err)
		}
		proj := geo.Projection{Box: st.Extent, W: float64(st.Data.Dx()), H: float64(st.Data.Dy())}
		count := func(lon, lat float64) int {
			x, y := proj.Point(lon, lat)
			cx, cy := st.Data.Min.X+int(x+0.5), st.Data.Min.Y+int(y+0.5)
			n := 0
			for dy := -40; dy <= 40; dy++ {
				for dx := -40; dx <= 40; dx++ {
					p := image.Pt(cx+dx, cy+dy)
					if img.RGBAAt(p.X, p.Y) != base.RGBAAt(p.X, p.Y) && !inAny(p, st.Labels) {
						n++
					}
				}
			}
			return n
		}
		return count(-150, 20), count(-120, -40), st
	}
	big, small, st := coverage(f)
	if st.Drawn != 61 || st.Outside != 1 {
		t.Fatalf("drawn %d, outside %d", st.Drawn, st.Outside)
	}
	if small == 0 || big < 20*small {
		t.Fatalf("60 tweets cover %d pixels, one tweet %d", big, small)
	}
	if !strings.Contains(legendText(st), "Posts per disc") {
		t.Fatal("no size key")
	}
	f.SizeBy = SizeByNone
	big, small, st = coverage(f)
	if big > 3*small || strings.Contains(legendText(st), "Posts per disc") {
		t.Fatalf("a dot per tweet: 60 tweets in one place cover %d pixels, one tweet %d", big, small)
	}
}

// Tweets the gazetteer placed are rings: hollow, where a GPS disc is
// filled; the legend counts each kind, and the credits name GeoNames only
// when such tweets are on the map.
func TestInferredRings(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 1600, height: 900})
	f.Clusters = []Cluster{{ID: 0, Size: 40}}
	for range 20 {
		f.Points = append(f.Points, Point{Lon: -150, Lat: 20, Method: MethodPoint}, Point{Lon: -100, Lat: -40, Method: MethodProfile})
	}
	f.Points = append(f.Points, Point{Lon: 60, Lat: -50, Method: MethodText})
	img, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	c := colorsFor(f, []int{0})[0]
	proj := geo.Projection{Box: st.Extent, W: float64(st.Data.Dx()), H: float64(st.Data.Dy())}
	at := func(lon, lat float64) color.RGBA {
		x, y := proj.Point(lon, lat)
		return img.RGBAAt(st.Data.Min.X+int(math.Round(x)), st.Data.Min.Y+int(math.Round(y)))
	}
	if got := at(-150, 20); DeltaE(Lab(got), Lab(c)) > 8 {
		t.Errorf("the GPS disc's centre is %v, want about %v", got, c)
	}
	if got := at(-100, -40); DeltaE(Lab(got), Lab(oceanColor)) > 3 {
		t.Errorf("the ring's centre is %v, want the sea %v showing through", got, oceanColor)
	}
	text := legendText(st)
	for _, want := range []string{"disc: 20 with GPS or a place tag", "ring: 20 placed from the author's profile", "ring: 1 placed from a place named in the text", creditGeoNames} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "discs in discs") {
		t.Errorf("no disc lies in another, yet the legend says so:\n%s", text)
	}
	for i := range f.Points {
		f.Points[i].Method = MethodPlace
	}
	if _, st, _ = r.Image(f); strings.Contains(legendText(st), "GeoNames") || strings.Contains(legendText(st), "profile") {
		t.Errorf("GeoNames credited with no inferred tweets:\n%s", legendText(st))
	}
}

// A small cluster's disc drawn on a larger one's looks like a disc with a
// ring around it: the legend says what it is.
func TestStackedDiscsExplained(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 1600, height: 900})
	f.Clusters = []Cluster{{ID: 0, Size: 200}, {ID: 1, Size: 5}}
	for i := range 205 {
		f.Points = append(f.Points, Point{Lon: 10, Lat: 50, Cluster: int32(min(1, i/200))})
	}
	_, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	if text := legendText(st); !strings.Contains(text, "discs in discs: clusters at one place") {
		t.Errorf("a disc on another, and the legend does not say so:\n%s", text)
	}
	groups := []group{{x: 0, y: 0, n: 200, cluster: 0}, {x: 1, y: 1, n: 5, cluster: 1}, {x: 300, y: 0, n: 5, cluster: 2}}
	radius := func(n int) float64 { return math.Sqrt(float64(n)) }
	if !stacks(groups, radius) {
		t.Error("stacks: a small disc inside a large one not found")
	}
	if stacks([]group{groups[0], groups[2]}, radius) || stacks([]group{groups[0], {x: 1, y: 1, n: 5, cluster: 0}}, radius) {
		t.Error("stacks: apart, or of one cluster, yet stacked")
	}
}

// Cluster ids are drawn on the map beside each coloured cluster's largest
// disc, without overlapping one another.
func TestLabels(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 1600, height: 900, clusters: 12, tweets: 3000, spread: 0.3, seed: 8})
	_, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Labels) < 6 {
		t.Fatalf("%d labels for 12 clusters: %v", len(st.Labels), st.Labels)
	}
	for i, a := range st.Labels {
		for _, b := range st.Labels[i+1:] {
			if a.Box.Overlaps(b.Box) {
				t.Errorf("labels %q %v and %q %v overlap", a.Text, a.Box, b.Text, b.Box)
			}
		}
	}
	// C0 is the largest cluster; its label is near its home city, New York.
	proj := geo.Projection{Box: st.Extent, W: float64(st.Data.Dx()), H: float64(st.Data.Dy())}
	x, y := proj.Point(-74, 40.7)
	home := image.Pt(st.Data.Min.X+int(x), st.Data.Min.Y+int(y))
	for _, l := range st.Labels {
		if l.Text != "C0" {
			continue
		}
		c := l.Box.Min.Add(l.Box.Max).Div(2)
		if d := math.Hypot(float64(c.X-home.X), float64(c.Y-home.Y)); d > 60 {
			t.Errorf("C0's label is %.0f px from New York", d)
		}
		return
	}
	t.Errorf("no C0 label in %v", st.Labels)
}

func inAny(p image.Point, boxes []TextBox) bool {
	for _, b := range boxes {
		if p.In(b.Box.Inset(-2)) {
			return true
		}
	}
	return false
}

func TestPixels(t *testing.T) {
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 1600, height: 900})
	img, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	proj := geo.Projection{Box: st.Extent, W: float64(st.Data.Dx()), H: float64(st.Data.Dy())}
	at := func(lon, lat float64) (int, int) {
		x, y := proj.Point(lon, lat)
		return st.Data.Min.X + int(x+0.5), st.Data.Min.Y + int(y+0.5)
	}
	if c := img.RGBAAt(at(-145, 5)); c != oceanColor {
		t.Fatalf("mid-Pacific pixel %v, want ocean %v", c, oceanColor)
	}
	if c := img.RGBAAt(at(22, 3)); c != landColor {
		t.Fatalf("central Africa pixel %v, want land %v", c, landColor)
	}
	if c := img.RGBAAt(at(-20, -33)); c != oceanColor {
		t.Fatalf("South Atlantic pixel %v, want ocean", c)
	}
}

func TestBadFrames(t *testing.T) {
	var r Renderer
	for name, f := range map[string]*Frame{
		"too small":   {Box: geo.Regions["world"], Width: 10, Height: 10},
		"bad box":     {Box: geo.BBox{W: 10, S: 0, E: 5, N: 5}, Width: 800, Height: 450},
		"bad size-by": {Box: geo.Regions["world"], Width: 800, Height: 450, SizeBy: "volume"},
	} {
		if _, _, err := r.Image(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	var r Renderer
	for _, n := range []int{10000, 100000} {
		f := makeFrame(frameSpec{region: "world", width: 1600, height: 900, clusters: 15})
		f.Points = f.Points[:0]
		for i := range n {
			f.Points = append(f.Points, Point{Lon: float32(i%360) - 180 + 0.5, Lat: float32(i%120) - 55, Cluster: int32(i % 15)})
		}
		for i := range 15 {
			f.Clusters = append(f.Clusters, Cluster{ID: i, Size: n / 15, Keywords: []string{"game", "bowl", "super"}})
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
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := r.Image(f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		f.SizeBy = ""
	}
}

// BenchmarkRenderScripts draws a map whose legend has keywords in every
// script, against the same map with Latin keywords: the cost of the
// fallback fonts, Arabic shaping and reordering.
func BenchmarkRenderScripts(b *testing.B) {
	var r Renderer
	for _, kw := range []string{"latin", "scripts"} {
		f := makeFrame(frameSpec{region: "world", width: 1600, height: 900, clusters: 15, tweets: 10000, spread: 0.4, seed: 7,
			keywords: func(i int) []string {
				if kw == "latin" {
					return testWords[i%len(testWords)]
				}
				return scriptWords[i%len(scriptWords)]
			}})
		r.Image(f) // warm the base-map cache and the fonts, as in a run
		b.Run("keywords="+kw, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := r.Image(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
