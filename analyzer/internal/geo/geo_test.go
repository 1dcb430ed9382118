package geo

import (
	"errors"
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
