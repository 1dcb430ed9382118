package render

import (
	"image/color"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// Reference pairs from Sharma, Wu and Dalal, "The CIEDE2000 color-difference
// formula: implementation notes" (2005), table 1.
func TestDeltaE(t *testing.T) {
	tests := []struct {
		a, b [3]float64
		want float64
	}{
		{[3]float64{50, 2.6772, -79.7751}, [3]float64{50, 0, -82.7485}, 2.0425},
		{[3]float64{50, -1.3802, -84.2814}, [3]float64{50, 0, -82.7485}, 1.0000},
		{[3]float64{50, 2.5, 0}, [3]float64{73, 25, -18}, 27.1492},
		{[3]float64{50, 2.5, 0}, [3]float64{50, 3.2592, 0.3350}, 1.0000},
		{[3]float64{60.2574, -34.0099, 36.2677}, [3]float64{60.4626, -34.1751, 39.4387}, 1.2644},
		{[3]float64{22.7233, 20.0904, -46.6940}, [3]float64{23.0331, 14.9730, -42.5619}, 2.0373},
		{[3]float64{90.9257, -0.5406, -0.9208}, [3]float64{88.6381, -0.8985, -0.7239}, 1.5381},
	}
	for _, tt := range tests {
		if got := DeltaE(tt.a, tt.b); math.Abs(got-tt.want) > 1e-4 {
			t.Errorf("DeltaE(%v, %v) = %.4f, want %.4f", tt.a, tt.b, got, tt.want)
		}
		if got := DeltaE(tt.b, tt.a); math.Abs(got-tt.want) > 1e-4 {
			t.Errorf("DeltaE is not symmetric for %v, %v", tt.a, tt.b)
		}
	}
	if l := Lab(color.RGBA{0xff, 0xff, 0xff, 0xff}); math.Abs(l[0]-100) > 0.01 || math.Abs(l[1]) > 0.01 || math.Abs(l[2]) > 0.01 {
		t.Errorf("white is %v in Lab", l)
	}
}

// cvd simulates colour-vision deficiency (Machado, Oliveira and Fernandes
// 2009, severity 1) on a colour, in linear RGB.
func cvd(c color.RGBA, m [9]float64) color.RGBA {
	lin := func(v uint8) float64 {
		x := float64(v) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	enc := func(v float64) uint8 {
		v = math.Max(0, math.Min(1, v))
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		return uint8(math.Round(v * 255))
	}
	r, g, b := lin(c.R), lin(c.G), lin(c.B)
	return color.RGBA{enc(m[0]*r + m[1]*g + m[2]*b), enc(m[3]*r + m[4]*g + m[5]*b), enc(m[6]*r + m[7]*g + m[8]*b), 0xff}
}

var (
	protan = [9]float64{0.152286, 1.052583, -0.204868, 0.114503, 0.786281, 0.099216, -0.003882, -0.048116, 1.051998}
	deutan = [9]float64{0.367322, 0.860646, -0.227968, 0.280085, 0.672501, 0.047413, -0.011820, 0.042940, 0.968881}
)

// The palette keeps its promise: all pairs apart for normal sight and
// under protanopia and deuteranopia, none lost on land or sea, none near
// the grey of the smaller clusters.
func TestPalette(t *testing.T) {
	if len(Palette) < 15 {
		t.Fatalf("%d colours: the default --k of 15 needs 15", len(Palette))
	}
	for i, a := range Palette {
		for j := i + 1; j < len(Palette); j++ {
			b := Palette[j]
			if d := DeltaE(Lab(a), Lab(b)); d < 17 {
				t.Errorf("colours %d and %d differ by %.1f", i, j, d)
			}
			for name, m := range map[string][9]float64{"protanopia": protan, "deuteranopia": deutan} {
				if d := DeltaE(Lab(cvd(a, m)), Lab(cvd(b, m))); d < 8 {
					t.Errorf("colours %d and %d differ by %.1f under %s", i, j, d, name)
				}
			}
		}
		for name, bg := range map[string]color.RGBA{"land": landColor, "sea": oceanColor, "paper": {0xff, 0xff, 0xff, 0xff}} {
			if d := DeltaE(Lab(a), Lab(bg)); d < 20 {
				t.Errorf("colour %d differs from the %s by %.1f", i, name, d)
			}
		}
		if d := DeltaE(Lab(a), Lab(Grey)); d < 12 {
			t.Errorf("colour %d differs from grey by %.1f", i, d)
		}
	}
}

// Colors: a cluster keeps its colour while it lives; clusters drawn at
// once get different colours; a new cluster does not take the colour of
// one that just left; the first colours go to the first clusters.
func TestColorsKeepAndSpread(t *testing.T) {
	var c Colors
	frame := func(ids ...int) *Frame {
		f := &Frame{Box: worldBox}
		for k, id := range ids {
			for range 100 - k { // earlier ids are larger
				f.Points = append(f.Points, Point{Lon: float32(id), Lat: 0, Cluster: int32(id)})
			}
		}
		c.Assign(f)
		return f
	}
	f1 := frame(1, 2, 3)
	if f1.Colors[1] != 0 {
		t.Fatalf("the largest cluster got colour %d, want the first", f1.Colors[1])
	}
	if len(f1.Colors) != 3 || f1.Colors[1] == f1.Colors[2] || f1.Colors[2] == f1.Colors[3] || f1.Colors[1] == f1.Colors[3] {
		t.Fatalf("colours %v", f1.Colors)
	}
	f2 := frame(3, 1, 4) // 2 died, 4 is new, 3 is now the largest
	if f2.Colors[1] != f1.Colors[1] || f2.Colors[3] != f1.Colors[3] {
		t.Fatalf("live clusters changed colour: %v then %v", f1.Colors, f2.Colors)
	}
	if f2.Colors[4] == f1.Colors[2] {
		t.Fatalf("new cluster 4 took the colour of 2, which just left: %v", f2.Colors)
	}
	// The first colours of the palette go first, as long as they stand
	// apart: ten new clusters wear ten colours at least goodDelta apart,
	// none of the palette's last four.
	var fresh Colors
	f5 := &Frame{Box: worldBox}
	for id := range 10 {
		for range 20 - id {
			f5.Points = append(f5.Points, Point{Cluster: int32(id)})
		}
	}
	fresh.Assign(f5)
	for id, s := range f5.Colors {
		if s >= len(Palette)-4 {
			t.Fatalf("cluster %d of ten got colour %d: %v", id, s, f5.Colors)
		}
		for id2, s2 := range f5.Colors {
			if id != id2 && paletteDist[s][s2] < goodDelta {
				t.Fatalf("clusters %d and %d got colours %d and %d, %.1f apart", id, id2, s, s2, paletteDist[s][s2])
			}
		}
	}
	// Fifteen at once: fifteen different colours.
	ids := make([]int, 15)
	for i := range ids {
		ids[i] = 100 + i
	}
	f3 := frame(ids...)
	seen := map[int]bool{}
	for _, s := range f3.Colors {
		seen[s] = true
	}
	if len(seen) != 15 {
		t.Fatalf("15 clusters got %d colours: %v", len(seen), f3.Colors)
	}
	// More than --k: only the largest k are coloured.
	var k Colors
	f := &Frame{Box: worldBox, MaxColored: 2}
	for id := range 5 {
		for range 10 - id {
			f.Points = append(f.Points, Point{Cluster: int32(id)})
		}
	}
	k.Assign(f)
	if len(f.Colors) != 2 || f.Colors[0] == f.Colors[1] {
		t.Fatalf("MaxColored 2: %v", f.Colors)
	}
	if _, ok := f.Colors[2]; ok {
		t.Fatalf("cluster 2 coloured beyond MaxColored: %v", f.Colors)
	}
	// The renderer keeps a frame's colours and fills in missing ones.
	got := colorsFor(&Frame{Colors: map[int]int{7: 4, 8: 4}}, []int{7, 8, 9})
	if got[7] != Palette[4] || got[8] == Palette[4] || got[9] == got[8] {
		t.Fatalf("colorsFor: %v", got)
	}
}

var worldBox = geo.BBox{W: -180, S: -90, E: 180, N: 90}

// wrap never loses or reorders a word, and keeps each line within the
// width unless it is a piece of a single word too long for any line.
func FuzzWrap(f *testing.F) {
	f.Add("C3 (412): game, bowl, super", 120.0)
	f.Add("#internationalcricketcouncilworldcup", 40.0)
	f.Add("", 10.0)
	f.Add("a  b\tc", 1.0)
	fc := face{size: 12}
	f.Fuzz(func(t *testing.T, s string, w float64) {
		if !utf8.ValidString(s) || len(s) > 400 || !(w >= 1 && w <= 2000) {
			return
		}
		lines := wrap(fc, s, w)
		joined := strings.Join(lines, " ")
		if strings.ReplaceAll(strings.Join(strings.Fields(joined), ""), "-", "") != strings.ReplaceAll(strings.Join(strings.Fields(s), ""), "-", "") {
			t.Fatalf("wrap(%q, %v) = %q lost text", s, w, lines)
		}
		for _, l := range lines {
			if fc.width(l) > w+0.5 && utf8.RuneCountInString(strings.TrimSuffix(l, "-")) > 1 {
				t.Fatalf("wrap(%q, %v): line %q is %.1f wide", s, w, l, fc.width(l))
			}
		}
	})
}

// Digits and commas are drawn unkerned, and measured so: "110" is as wide
// as its digits apart, "y," as its letters, while "AV" keeps its kerning.
func TestKerning(t *testing.T) {
	f := face{size: 10}
	for s, parts := range map[string][]string{"110": {"1", "1", "0"}, "day,": {"day", ","}} {
		sum := 0.0
		for _, p := range parts {
			sum += f.width(p)
		}
		if got := f.width(s); math.Abs(got-sum) > 1e-9 {
			t.Errorf("width(%q) = %v, want %v", s, got, sum)
		}
	}
	if f.width("AV") >= f.width("A")+f.width("V") {
		t.Errorf("AV is not kerned: %v >= %v", f.width("AV"), f.width("A")+f.width("V"))
	}
	if got := kernFree("C110, x"); strings.Join(got, "|") != "C1|1|0|, x" {
		t.Errorf("kernFree: %q", got)
	}
}
