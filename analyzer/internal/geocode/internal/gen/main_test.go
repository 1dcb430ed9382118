package main

import (
	"math"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/geocode"
	"github.com/geostream/geostream/shared/tweet"
)

// tinyGaz is a gazetteer of our own: one country, one province, two
// cities, one of them also known by a name in another script and the other
// a stop word of English.
func tinyGaz() *gaz {
	g := &gaz{
		countries: []*country{{cc: "XA", alpha3: "XAA", name: "Testland", pop: 900000, lon: 1000000, lat: 2000000}},
		regions: []*region{{cc: "XA", code: "XA.01", name: "North Province", level: 1, parent: -1, group: -1,
			pop: 900000, lon: 1000000, lat: 2000000}},
		cities: []*city{
			{name: "Testville", cc: "XA", region1: 0, region2: -1, pop: 600000, lon: 1000000, lat: 2000000},
			{name: "Otherton", cc: "XA", region1: 0, region2: -1, pop: 300000, lon: 1500000, lat: 2500000},
		},
		keys: map[string][]uint64{},
	}
	ref := func(id, kind, flags int) uint64 { return uint64(id)<<4 | uint64(kind)<<2 | uint64(flags) }
	g.keys[geocode.Normalize("Testville")] = []uint64{ref(0, kindCity, 0)}
	g.keys[geocode.Normalize("東試")] = []uint64{ref(0, kindCity, flagAlt)}
	g.keys[geocode.Normalize("Otherton")] = []uint64{ref(1, kindCity, 0)}
	g.keys[geocode.Normalize("Testland")] = []uint64{ref(0, kindCountry, 0)}
	g.keys[geocode.Normalize("XA")] = []uint64{ref(0, kindCountry, flagQual)}
	g.keys[geocode.Normalize("North Province")] = []uint64{ref(0, kindRegion, 0)}
	g.stopwords(map[string][]string{"en": {"the", "Otherton"}, "de": {"der"}})
	return g
}

// TestWriterMatchesReader writes a gazetteer with the generator's writer
// and reads it back with the geocoder's reader.
func TestWriterMatchesReader(t *testing.T) {
	data, err := tinyGaz().encode()
	if err != nil {
		t.Fatal(err)
	}
	gc, err := geocode.NewWithGazetteer(data, geocode.Options{})
	if err != nil {
		t.Fatalf("the reader refuses the writer's file: %v", err)
	}
	r, ok := gc.Locate("Testville, Testland")
	if !ok || r.Name != "Testville, North Province, Testland" || r.Country != "XA" || r.Level != tweet.GeoCity ||
		math.Abs(r.Lon-10) > 1e-4 || math.Abs(r.Lat-20) > 1e-4 || r.Population != 600000 {
		t.Errorf("Locate(Testville, Testland) = %+v, %v", r, ok)
	}
	if r, ok := gc.Locate("Otherton, XA"); !ok || !strings.HasPrefix(r.Name, "Otherton") ||
		math.Abs(r.Lon-15) > 1e-4 || math.Abs(r.Lat-25) > 1e-4 {
		t.Errorf("Locate(Otherton, XA) = %+v, %v: the second place's delta-coded point", r, ok)
	}
	if r, ok := gc.Locate("North Province"); !ok || r.Level != tweet.GeoRegion || r.Population != 900000 {
		t.Errorf("Locate(North Province) = %+v, %v", r, ok)
	}
	if r, ok := gc.LocateTextLang("東試で会いましょう", "ja"); !ok || !strings.HasPrefix(r.Name, "Testville") {
		t.Errorf("a name in another script = %+v, %v", r, ok)
	}
	// The stop word section: Otherton is one in English only.
	if _, ok := gc.LocateTextLang("we saw Otherton there", "en"); ok {
		t.Error("an English stop word was placed in an English post")
	}
	if r, ok := gc.LocateTextLang("we saw Otherton there", "de"); !ok || !strings.HasPrefix(r.Name, "Otherton") {
		t.Errorf("Otherton in a German post = %+v, %v", r, ok)
	}
	// A truncated file is refused, never half read.
	if _, err := geocode.NewWithGazetteer(data[:len(data)-8], geocode.Options{}); err == nil {
		t.Error("a truncated gazetteer was accepted")
	}
}

func TestReadStopwords(t *testing.T) {
	if _, err := readStopwords(t.TempDir() + "/missing.json"); err == nil {
		t.Error("a missing stop word file was accepted")
	}
	g := tinyGaz()
	if len(g.langs) != 2 || g.langs[0] != "de" || g.langs[1] != "en" {
		t.Errorf("languages %q, want [de en]", g.langs)
	}
	if g.stop["otherton"] != 1<<1 || g.stop["the"] != 0 {
		t.Errorf("stop bits %v: only keys of the gazetteer are kept, with their languages", g.stop)
	}
}
