package geo

import (
	"errors"
	"math"
	"os"
	"testing"
)

const tiny = `{"type":"Topology","transform":{"scale":[1,1],"translate":[0,0]},
"arcs":[[[0,0],[10,0],[0,10]],[[10,10],[-10,0],[0,-10]]],
"objects":{"sq":{"type":"GeometryCollection","geometries":[{"type":"Polygon","arcs":[[0,1]]},{"type":"MultiPolygon","arcs":[[[-2,-1]]]},{"type":"Point","coordinates":[1,1]}]}}}`

func TestDecodeTopoJSON(t *testing.T) {
	polys, err := DecodeTopoJSON([]byte(tiny), "sq")
	if err != nil {
		t.Fatal(err)
	}
	want := Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}
	if len(polys) != 2 || len(polys[0]) != 1 {
		t.Fatalf("got %v", polys)
	}
	for i, p := range want {
		if polys[0][0][i] != p {
			t.Fatalf("ring %v, want %v (delta decoding, shared joints)", polys[0][0], want)
		}
	}
	if len(polys[1][0]) != 5 || polys[1][0][0] != [2]float64{0, 0} || polys[1][0][1] != [2]float64{0, 10} {
		t.Fatalf("reversed arcs gave %v", polys[1][0])
	}
}

func TestDecodeBad(t *testing.T) {
	for name, in := range map[string]string{
		"not json":     "nope",
		"not topology": `{"type":"Feature"}`,
		"no object":    `{"type":"Topology","arcs":[],"objects":{}}`,
		"arc too far":  `{"type":"Topology","arcs":[],"objects":{"x":{"type":"Polygon","arcs":[[5]]}}}`,
		"short point":  `{"type":"Topology","arcs":[[[1]]],"objects":{"x":{"type":"Polygon","arcs":[[0]]}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeTopoJSON([]byte(in), "x"); !errors.Is(err, ErrTopoJSON) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

func FuzzDecodeTopoJSON(f *testing.F) {
	f.Add([]byte(tiny), "sq")
	f.Fuzz(func(t *testing.T, data []byte, obj string) {
		polys, err := DecodeTopoJSON(data, obj)
		if err != nil {
			return
		}
		for _, p := range polys {
			for _, r := range p {
				if len(r) < 3 {
					t.Fatal("degenerate ring returned")
				}
			}
		}
	})
}

func TestEmbeddedWorld(t *testing.T) {
	data, err := os.ReadFile("../render/worldatlas/countries-50m.json")
	if err != nil {
		t.Fatal(err)
	}
	land, err := DecodeTopoJSON(data, "land")
	if err != nil {
		t.Fatal(err)
	}
	countries, err := DecodeTopoJSON(data, "countries")
	if err != nil || len(countries) < 200 || len(land) < 100 {
		t.Fatalf("%d land polygons, %d country polygons, %v", len(land), len(countries), err)
	}
	for _, p := range land {
		for _, r := range p {
			for _, pt := range r {
				if !(BBox{W: -180, S: -90, E: 180, N: 90}).Contains(pt[0], pt[1]) {
					t.Fatalf("point %v off the globe", pt)
				}
			}
		}
	}
}

// TestRegions: every named region is a valid box (parsing and the box
// rules are tested in shared/bbox).
func TestRegions(t *testing.T) {
	for name, b := range Regions {
		if err := b.Validate(); err != nil {
			t.Errorf("region %s: %v", name, err)
		}
	}
	p := Projection{Box: BBox{W: -180, S: -90, E: 180, N: 90}, W: 360, H: 180}
	if x, y := p.Point(0, 0); x != 180 || y != 90 {
		t.Fatalf("centre at %v,%v", x, y)
	}
}

func TestFit(t *testing.T) {
	tests := []struct {
		name   string
		box    BBox
		aspect float64
		// full is set when the limits stop the box before the aspect.
		full bool
	}{
		{"usa on 16:9 grows east and west", Regions["usa"], 16.0 / 9, false},
		{"usa on a square grows north and south", Regions["usa"], 1, false},
		{"europe on 16:9", Regions["europe"], 16.0 / 9, false},
		{"oceania slides west off the antimeridian", Regions["oceania"], 3, false},
		{"world on 16:9 stops at the poles' limits", Regions["world"], 16.0 / 9, true},
		{"world on 3:1 grows in longitude only to the full circle", Regions["world"], 3, true},
		{"a point-like box", BBox{W: 10, S: 10, E: 10.001, N: 10.001}, 1.5, false},
		{"a box at the north limit", BBox{W: 0, S: 80, E: 10, N: 85}, 0.5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fit(tt.box, tt.aspect, MapLimits)
			if got.W > tt.box.W || got.E < tt.box.E || got.S > tt.box.S || got.N < tt.box.N {
				t.Fatalf("Fit(%v) = %v does not hold the box", tt.box, got)
			}
			if got.W < MapLimits.W || got.E > MapLimits.E || got.S < MapLimits.S || got.N > MapLimits.N {
				t.Fatalf("Fit(%v) = %v leaves the limits", tt.box, got)
			}
			a := got.Aspect()
			full := got.W == MapLimits.W && got.E == MapLimits.E || got.S == MapLimits.S && got.N == MapLimits.N
			if full != tt.full {
				t.Fatalf("Fit(%v) = %v: at the limits %v, want %v", tt.box, got, full, tt.full)
			}
			if !full && math.Abs(a-tt.aspect) > 1e-6*tt.aspect {
				t.Fatalf("Fit(%v) = %v has aspect %v, want %v", tt.box, got, a, tt.aspect)
			}
			// A box already of the aspect is kept as it is.
			if again := Fit(got, a, MapLimits); math.Abs(again.W-got.W)+math.Abs(again.E-got.E)+math.Abs(again.S-got.S)+math.Abs(again.N-got.N) > 1e-9 {
				t.Fatalf("Fit is not idempotent: %v then %v", got, again)
			}
		})
	}
	if got := Fit(Regions["usa"], math.NaN(), MapLimits); got != Regions["usa"] {
		t.Fatalf("a NaN aspect changed the box to %v", got)
	}
}

func FuzzFit(f *testing.F) {
	f.Add(-126.0, 23.0, -65.0, 50.0, 1.7)
	f.Fuzz(func(t *testing.T, w, s, e, n, aspect float64) {
		b := BBox{W: w, S: s, E: e, N: n}
		if !MapLimits.Contains(w, s) || !MapLimits.Contains(e, n) || w >= e || s >= n || !(aspect > 1e-3 && aspect < 1e3) {
			return
		}
		got := Fit(b, aspect, MapLimits)
		if got.W > w || got.E < e || got.S > s || got.N < n || !MapLimits.Contains(got.W, got.S) || !MapLimits.Contains(got.E, got.N) {
			t.Fatalf("Fit(%v, %v) = %v", b, aspect, got)
		}
	})
}
