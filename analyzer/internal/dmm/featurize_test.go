package dmm

import (
	"math"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/shared/tweet"
)

func TestFeaturize(t *testing.T) {
	o := DefaultOptions()
	o.GeoWeight, o.HashtagWeight, o.Cell = 1.5, 2, 0.5
	cell := cellID(1, 2.35, 48.85, 0.5)
	tests := []struct {
		name     string
		edit     func(*Options)
		tokens   []string
		located  tweet.GeoSource
		lon, lat float64
		want     map[uint32]float32
	}{
		{
			name:   "words counted",
			tokens: []string{"rain", "storm", "rain"},
			want:   map[uint32]float32{wordID("rain"): 2, wordID("storm"): 1},
		},
		{
			name:   "a hashtag weighs hashtag-weight words, as its word",
			tokens: []string{"#storm", "storm", "@bob"},
			want:   map[uint32]float32{wordID("storm"): 3, wordID("@bob"): 1},
		},
		{
			name:    "a located post gets its cell",
			tokens:  []string{"rain"},
			located: tweet.GeoPoint, lon: 2.35, lat: 48.85,
			want: map[uint32]float32{wordID("rain"): 1, cell: 1.5},
		},
		{
			name:    "two cells share the place's weight",
			edit:    func(o *Options) { o.CoarseCell = 2 },
			tokens:  []string{"rain"},
			located: tweet.GeoProfile, lon: 2.35, lat: 48.85,
			want: map[uint32]float32{wordID("rain"): 1, cell: 0.75, cellID(2, 2.35, 48.85, 2): 0.75},
		},
		{
			name:   "no place without a source",
			tokens: []string{"rain"}, lon: 2.35, lat: 48.85,
			want: map[uint32]float32{wordID("rain"): 1},
		},
		{
			name:    "no place with geo-weight 0",
			edit:    func(o *Options) { o.GeoWeight = 0 },
			tokens:  []string{"rain"},
			located: tweet.GeoPoint, lon: 2.35, lat: 48.85,
			want: map[uint32]float32{wordID("rain"): 1},
		},
		{
			name:    "a place alone is no post",
			tokens:  []string{},
			located: tweet.GeoPoint, lon: 2.35, lat: 48.85,
		},
		{
			name:    "a bare # is a word, empty tokens are not",
			tokens:  []string{"", "#"},
			located: tweet.GeoPoint, lon: 2.35, lat: 48.85,
			want: map[uint32]float32{wordID("#"): 1, cell: 1.5},
		},
		{
			name:    "a place off the globe is left out",
			tokens:  []string{"rain"},
			located: tweet.GeoPoint, lon: 2.35, lat: 91,
			want: map[uint32]float32{wordID("rain"): 1},
		},
		{
			name:    "a place that is not a number is left out",
			tokens:  []string{"rain"},
			located: tweet.GeoPoint, lon: math.NaN(), lat: 10,
			want: map[uint32]float32{wordID("rain"): 1},
		},
		{
			name:    "longitudes wrap",
			tokens:  []string{"rain"},
			located: tweet.GeoPoint, lon: 2.35 + 360, lat: 48.85,
			want: map[uint32]float32{wordID("rain"): 1, cell: 1.5},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := o
			if tc.edit != nil {
				tc.edit(&o)
			}
			m, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			p := modeltest.WithTokens(&model.Point{Located: tc.located, Lon: tc.lon, Lat: tc.lat}, tc.tokens)
			m.Featurize(p)
			if len(tc.want) == 0 {
				if p.Terms() != nil {
					t.Fatalf("terms %v, want none", p.Terms())
				}
				return
			}
			got := map[uint32]float32{}
			for i, term := range p.Terms() {
				if i > 0 && p.Terms()[i-1].ID >= term.ID {
					t.Fatalf("terms not sorted and merged: %v", p.Terms())
				}
				got[term.ID] = term.W
			}
			if len(got) != len(tc.want) {
				t.Fatalf("terms %v, want %v", got, tc.want)
			}
			for id, w := range tc.want {
				if got[id] != w {
					t.Fatalf("terms %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestCellsApart(t *testing.T) {
	// Neighbouring cells and levels differ; words never look like cells.
	a, b := cellID(1, 0.1, 0.1, 0.5), cellID(1, 0.6, 0.1, 0.5)
	c := cellID(2, 0.1, 0.1, 0.5)
	if a == b || a == c || a&placeBit == 0 || wordID("x")&placeBit != 0 {
		t.Fatalf("cells %x %x %x, word %x", a, b, c, wordID("x"))
	}
	if cellID(1, 0.1, 0.1, 0.5) != cellID(1, 0.2, 0.3, 0.5) {
		t.Fatal("one cell, two ids")
	}
}

func FuzzFeaturize(f *testing.F) {
	f.Add("rain storm #storm @bob", 2.35, 48.85, uint8(1), 1.0, 0.0)
	f.Add("", 0.0, 0.0, uint8(0), 1.0, 0.0)
	f.Add("# ## #a \x00 \xff é 東京", 540.0, -90.0, uint8(3), 0.5, 2.0)
	f.Add("x", math.Inf(1), math.NaN(), uint8(2), 64.0, 90.0)
	f.Fuzz(func(t *testing.T, s string, lon, lat float64, src uint8, geo, coarse float64) {
		o := DefaultOptions()
		o.GeoWeight = geo
		o.CoarseCell = coarse
		if o.Validate() != nil {
			o.GeoWeight, o.CoarseCell = DefaultGeoWeight, DefaultCoarseCell
		}
		m, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		tokens := strings.Split(s, " ")
		p := modeltest.WithTokens(&model.Point{Located: tweet.GeoSource(src % 5), Lon: lon, Lat: lat}, tokens)
		m.Featurize(p)
		words := 0
		for _, tok := range tokens {
			if tok != "" {
				words++
			}
		}
		if words == 0 {
			if p.Terms() != nil {
				t.Fatalf("no words, terms %v", p.Terms())
			}
			return
		}
		if len(p.Terms()) == 0 {
			t.Fatalf("%d words, no terms", words)
		}
		places := 0
		var wordWeight float64
		for i, term := range p.Terms() {
			if i > 0 && p.Terms()[i-1].ID >= term.ID {
				t.Fatalf("terms not sorted and merged: %v", p.Terms())
			}
			if !(term.W > 0) || math.IsInf(float64(term.W), 0) {
				t.Fatalf("weight %v", term.W)
			}
			if term.ID&placeBit != 0 {
				places++
			} else {
				wordWeight += float64(term.W)
			}
		}
		if places > 2 || places > 0 && p.Located == tweet.GeoNone {
			t.Fatalf("%d place terms for source %v", places, p.Located)
		}
		if wordWeight < float64(words)-1e-3 {
			t.Fatalf("words weigh %v, want at least %d", wordWeight, words)
		}
		// The model takes any terms it featurized.
		m.Train([]*model.Point{p})
		m.Assign([]*model.Point{p}, make([]float64, 1))
		if p.Cluster < 0 {
			t.Fatal("a post with words in no cluster")
		}
		m.Forget([]*model.Point{p})
		if m.Len() != 0 || len(m.terms) != 0 {
			t.Fatal("forgetting left counts")
		}
	})
}
