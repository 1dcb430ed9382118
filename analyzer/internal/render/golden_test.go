package render

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// update rewrites the golden images: go test ./analyzer/internal/render -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/ from the current renderer")

// Tolerance for tiny raster differences (another CPU's float rounding in
// antialiasing, a font rasterizer's update): a pixel differs when its
// colour difference in YIQ exceeds pixelDelta (0..1 of the largest), and
// an image matches when at most maxDiffShare of its pixels differ.
const (
	pixelDelta   = 0.08
	maxDiffShare = 0.002
)

// checkGolden compares got with testdata/name, as gonum/plot's cmpimg does
// but with a share of pixels allowed to differ. On a mismatch it writes
// the image and a difference map to the test's artifact directory.
func checkGolden(t *testing.T, name string, got *image.RGBA) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, got); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden image (run with -update to make it): %v", err)
	}
	want, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	n, diff := diffImages(got, want)
	total := got.Bounds().Dx() * got.Bounds().Dy()
	if n == 0 {
		return
	}
	if n >= 0 && float64(n) <= maxDiffShare*float64(total) {
		t.Logf("%s: %d of %d pixels differ slightly (allowed %.1f%%)", name, n, total, 100*maxDiffShare)
		return
	}
	dir := t.ArtifactDir()
	os.WriteFile(filepath.Join(dir, "got-"+name), buf.Bytes(), 0o644)
	if diff != nil {
		var db bytes.Buffer
		png.Encode(&db, diff)
		os.WriteFile(filepath.Join(dir, "diff-"+name), db.Bytes(), 0o644)
	}
	if n < 0 {
		t.Fatalf("%s: size %v, golden %v (got and diff in %s; -update rewrites)", name, got.Bounds(), want.Bounds(), dir)
	}
	t.Fatalf("%s: %d of %d pixels differ (allowed %.1f%%; got and diff in %s; -update rewrites)",
		name, n, total, 100*maxDiffShare, dir)
}

// diffImages counts the pixels of a and b that differ by more than
// pixelDelta and returns an image with those pixels in red over a faded
// copy of a. n is -1 if the sizes differ.
func diffImages(a *image.RGBA, b image.Image) (n int, diff *image.RGBA) {
	if a.Bounds() != b.Bounds() {
		return -1, nil
	}
	diff = image.NewRGBA(a.Bounds())
	const maxYIQ = 35215.0 // the difference of black and white
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			c1 := a.RGBAAt(x, y)
			c2 := color.RGBAModel.Convert(b.At(x, y)).(color.RGBA)
			if yiq(c1, c2) > pixelDelta*pixelDelta*maxYIQ {
				n++
				diff.SetRGBA(x, y, color.RGBA{0xff, 0, 0, 0xff})
				continue
			}
			g := uint8(0xc0 + uint16(c1.R)/4)
			diff.SetRGBA(x, y, color.RGBA{g, g, g, 0xff})
		}
	}
	return n, diff
}

// yiq is the squared perceived difference of two colours in NTSC YIQ
// (Kotsarenko and Ramos), as cmpimg measures it.
func yiq(c1, c2 color.RGBA) float64 {
	r1, g1, b1 := float64(c1.R), float64(c1.G), float64(c1.B)
	r2, g2, b2 := float64(c2.R), float64(c2.G), float64(c2.B)
	y := (r1-r2)*0.29889531 + (g1-g2)*0.58662247 + (b1-b2)*0.11448223
	i := (r1-r2)*0.59597799 - (g1-g2)*0.27417610 - (b1-b2)*0.32180189
	q := (r1-r2)*0.21147017 - (g1-g2)*0.52261711 + (b1-b2)*0.31114694
	return 0.5053*y*y + 0.299*i*i + 0.1957*q*q
}

// goldenCases are the maps pinned by golden images: small canvases keep
// the files small.
var goldenCases = []struct {
	name string
	spec frameSpec
}{
	{"world-count-800x450.png", frameSpec{region: "world", width: 800, height: 450, clusters: 9, tweets: 3000, spread: 0.4, seed: 1}},
	{"usa-dots-560x420.png", frameSpec{region: "usa", width: 560, height: 420, clusters: 6, tweets: 2500, spread: 0.8, seed: 2, sizeBy: SizeByNone}},
	{"europe-square-480x480.png", frameSpec{region: "europe", width: 480, height: 480, clusters: 5, tweets: 1500, spread: 0.6, seed: 3,
		cities: []int{9, 10, 11, 12, 13, 27, 26}}},
	{"many-clusters-k8-720x405.png", frameSpec{region: "world", width: 720, height: 405, clusters: 24, tweets: 4000, spread: 0.3, seed: 4, maxColored: 8}},
	{"long-keywords-africa-560x420.png", frameSpec{region: "africa", width: 560, height: 420, clusters: 6, tweets: 1200, spread: 0.3, seed: 5,
		keywords: func(i int) []string {
			return []string{"#internationalcricketcouncilworldcup", "extraordinarily", "#happynewyeareveryonearoundtheworld", "championship", "celebrations", "fireworks"}
		}}},
	{"inferred-bbox-400x560.png", frameSpec{box: geo.BBox{W: -10, S: 35, E: 30, N: 60}, width: 400, height: 560, clusters: 4, tweets: 1200, spread: 0.5, seed: 6, inferred: 0.5,
		cities: []int{9, 10, 11, 12, 13, 27, 26}}},
	{"empty-asia-480x320.png", frameSpec{region: "asia", width: 480, height: 320}},
	{"events-usa-640x400.png", frameSpec{region: "usa", width: 640, height: 400, clusters: 8, tweets: 2500, spread: 0.6, seed: 8,
		cities: []int{0, 1, 2, 3, 4, 5}, events: testEvents}},
	{"scripts-world-800x450.png", frameSpec{region: "world", width: 800, height: 450, clusters: 10, tweets: 3000, spread: 0.4, seed: 7,
		keywords: func(i int) []string { return scriptWords[i%len(scriptWords)] }}},
}

// testEvents are a new event, one that lasts, one in a script the fonts
// lack and one far wider than a city, in the United States: New York's
// sits on its largest disc, Chicago's beside another.
var testEvents = []Event{
	{ID: 1, Lon: -74.0, Lat: 40.7, RadiusKm: 8, Keywords: []string{"blackout", "subway", "#nyc", "power"}, Posts: 212, New: true},
	{ID: 2, Lon: -87.6, Lat: 41.9, RadiusKm: 40, Keywords: []string{"tornado", "warning", "siren"}, Posts: 1340},
	{ID: 3, Lon: -95.4, Lat: 29.8, RadiusKm: 15, Keywords: []string{"भूकंप", "houston"}, Posts: 48, New: true},
	{ID: 4, Lon: -118.2, Lat: 34.1, RadiusKm: 300, Keywords: []string{"earthquake", "shaking"}, Posts: 5120},
}

// scriptWords are keywords in the scripts of the networks' posts: one
// cluster each.
var scriptWords = [][]string{
	{"東京", "地震", "ニュース"},
	{"서울", "날씨", "뉴스"},
	{"北京", "天气", "新闻"},
	{"москва", "погода", "новости"},
	{"مرحبا", "سلام", "القاهرة"},
	{"שלום", "ירושלים", "2024"},
	{"กรุงเทพ", "ภาษาไทย"},
	{"नमस्ते", "भारत"},
	{"αθήνα", "καιρός"},
	{"münchen", "não", "i̇stanbul"},
}

func TestGolden(t *testing.T) {
	var r Renderer
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			img, _, err := r.Image(makeFrame(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, img)
		})
	}
}

// The comparison itself: the same image matches, a changed corner of more
// than the allowed share does not, and a few changed pixels pass.
func TestGoldenCompare(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 100, 100))
	for i := range a.Pix {
		a.Pix[i] = 0xff
	}
	b := image.NewRGBA(a.Bounds())
	copy(b.Pix, a.Pix)
	if n, _ := diffImages(a, b); n != 0 {
		t.Fatalf("identical images differ in %d pixels", n)
	}
	b.SetRGBA(3, 4, color.RGBA{0, 0, 0, 0xff})
	b.SetRGBA(5, 6, color.RGBA{0xfe, 0xff, 0xff, 0xff}) // too small to count
	if n, _ := diffImages(a, b); n != 1 {
		t.Fatalf("%d pixels differ, want 1", n)
	}
	if n, _ := diffImages(a, image.NewRGBA(image.Rect(0, 0, 10, 10))); n != -1 {
		t.Fatalf("sizes differ, got %d", n)
	}
}
