package features

import (
	"math"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/embed"
)

func TestSparseVector(t *testing.T) {
	s := Sparse{Buckets: 1 << 10, Hashtag: 2}
	terms, f := s.Vector(-74, 40.7, []string{"storm", "#flood", "storm", "rain"})
	if len(f) != 3 {
		t.Fatalf("without word vectors the feature is the place alone, got %d floats", len(f))
	}
	var n2 float64
	w := map[uint32]float64{}
	for i, x := range terms {
		if i > 0 && terms[i-1].ID >= x.ID {
			t.Fatalf("terms not sorted and merged: %+v", terms)
		}
		n2 += float64(x.W) * float64(x.W)
		w[x.ID] = math.Abs(float64(x.W))
	}
	if math.Abs(n2-1) > 1e-6 {
		t.Fatalf("terms have squared norm %v", n2)
	}
	id := func(word string) uint32 { h := fnv32(word); return (h ^ h>>15) & (1<<10 - 1) }
	// storm twice, the hashtag at twice a word's weight, rain once.
	if r := w[id("storm")] / w[id("rain")]; math.Abs(r-2) > 1e-5 {
		t.Fatalf("storm/rain weight %v, want 2", r)
	}
	if r := w[id("#flood")] / w[id("rain")]; math.Abs(r-2) > 1e-5 {
		t.Fatalf("#flood/rain weight %v, want 2", r)
	}
	if g := float64(f[0]*f[0] + f[1]*f[1] + f[2]*f[2]); math.Abs(g-1) > 1e-6 {
		t.Fatalf("place is not a unit vector: %v", f)
	}
	if terms, _ := s.Vector(0, 0, nil); terms != nil {
		t.Fatalf("no words gave terms %+v", terms)
	}
}

func TestSparseIDFObservesOnce(t *testing.T) {
	idf := NewIDF(1 << 10)
	s := Sparse{Buckets: 1 << 10, IDF: idf, Embed: embed.DefaultHashed}
	_, f := s.Vector(0, 0, []string{"a1", "b2"})
	if idf.docs != 1 {
		t.Fatalf("one tweet counted as %v documents", idf.docs)
	}
	if len(f) != embed.DefaultHashed.Dim()+3 {
		t.Fatalf("feature has %d floats", len(f))
	}
	var n2 float64
	for _, x := range f[:len(f)-3] {
		n2 += float64(x * x)
	}
	if math.Abs(n2-1) > 1e-5 {
		t.Fatalf("word-vector block has squared norm %v", n2)
	}
	// A word every tweet uses weighs less than a rare one.
	for range 50 {
		s.Vector(0, 0, []string{"common"})
	}
	terms, _ := s.Vector(0, 0, []string{"common", "rare"})
	var wc, wr float64
	for _, x := range terms {
		switch x.ID {
		case (fnv32("common") ^ fnv32("common")>>15) & (1<<10 - 1):
			wc = math.Abs(float64(x.W))
		case (fnv32("rare") ^ fnv32("rare")>>15) & (1<<10 - 1):
			wr = math.Abs(float64(x.W))
		}
	}
	if !(wr > wc && wc > 0) {
		t.Fatalf("common %v, rare %v", wc, wr)
	}
}
