package features

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/geostream/geostream/analyzer/internal/embed"
)

func TestDefaultLayout(t *testing.T) {
	e := &Extractor{Embed: embed.DefaultHashed, Profile: Default, TextWeight: 2, GeoWeight: 3}
	v, known := e.Vector(10, 20, []string{"storm", "rain"})
	d := embed.DefaultHashed.D
	if len(v) != d+3 || known != 2 {
		t.Fatalf("len %d known %d", len(v), known)
	}
	if n := floats.Norm(v[:d], 2); math.Abs(n-2) > 1e-12 {
		t.Fatalf("text part has norm %v, want the text weight 2", n)
	}
	if n := floats.Norm(v[d:], 2); math.Abs(n-3) > 1e-12 {
		t.Fatalf("geo part has norm %v, want the geo weight 3", n)
	}
}

func TestNoSeamAtDateLine(t *testing.T) {
	e := &Extractor{Embed: embed.DefaultHashed, Profile: Default, TextWeight: 1, GeoWeight: 1}
	a, _ := e.Vector(179.9, 0, nil)
	b, _ := e.Vector(-179.9, 0, nil)
	c, _ := e.Vector(170, 0, nil)
	if floats.Distance(a, b, 2) > floats.Distance(a, c, 2) {
		t.Fatal("points either side of the date line are further apart than points 10° apart")
	}
}

func TestNoKnownWordsIsNotNaN(t *testing.T) {
	tb, _ := embed.Read(stringsReader("a 1 2\n"))
	e := &Extractor{Embed: tb, Profile: Default, TextWeight: 1, GeoWeight: 1}
	v, known := e.Vector(1, 2, []string{"zzz"})
	if known != 0 {
		t.Fatal("unknown word counted")
	}
	for _, x := range v {
		if math.IsNaN(x) {
			t.Fatalf("NaN in %v", v)
		}
	}
}

func TestSeedLayout(t *testing.T) {
	tb, _ := embed.Read(stringsReader("a 1 2\nb 3 4\n"))
	e := &Extractor{Embed: tb, Profile: Seed}
	v, _ := e.Vector(-74, 40.7, []string{"a", "b"})
	want := []float64{-74, 40.7, 2, 3}
	if !floats.Equal(v, want) {
		t.Fatalf("got %v, want %v", v, want)
	}
}

// A word counts once per document however often it appears, in short
// documents (scanned) and long ones (hashed) alike.
func TestIDFCountsDistinctWords(t *testing.T) {
	for _, n := range []int{3, 64, 65, 300} {
		f := NewIDF(DefaultIDFBuckets)
		var doc []string
		for i := range n {
			doc = append(doc, fmt.Sprintf("w%d", i%(n/3+1)))
		}
		f.Observe(doc)
		f.Observe([]string{"other"})
		// w0 is in one document of two: ln(3/2) + 1.
		if got, want := f.Weight("w0"), math.Log(3.0/2)+1; math.Abs(got-want) > 1e-12 {
			t.Fatalf("%d words: weight %v, want %v", n, got, want)
		}
	}
}
