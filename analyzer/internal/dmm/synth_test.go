package dmm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/eval"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/shared/tweet"
)

// synthStream makes up posts: each topic has a few words of its own, every
// post also takes everyday words from one vocabulary that all topics
// share (Zipf-distributed, so a few are everywhere), and each topic is
// talked about in its own cities.
type synthStream struct {
	rng    *rand.Rand
	shared []string
	topics [][]string // each topic's own words
	cities [][]int    // each topic's cities
	places [][2]float64
	zipf   *rand.Zipf
	own    int // a post's words of its topic: own to own+1
	common int // a post's everyday words: common to common+3
}

// madeUpWord returns a pronounceable word of 2 to 4 syllables.
func madeUpWord(rng *rand.Rand) string {
	const cons, vows = "bdfghklmnprstvz", "aeiou"
	n := 2 + rng.IntN(3)
	b := make([]byte, 0, 2*n)
	for range n {
		b = append(b, cons[rng.IntN(len(cons))], vows[rng.IntN(len(vows))])
	}
	return string(b)
}

// newSynthStream makes topics topics of ownWords words each; a post takes
// own or own+1 of its topic's words and common to common+3 everyday words.
func newSynthStream(seed uint64, topics, ownWords, own, common int, cities [][]int, places [][2]float64) *synthStream {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	seen := map[string]bool{}
	word := func() string {
		for {
			if w := madeUpWord(rng); !seen[w] {
				seen[w] = true
				return w
			}
		}
	}
	s := &synthStream{rng: rng, cities: cities, places: places, own: own, common: common}
	for range 400 {
		s.shared = append(s.shared, word())
	}
	for range topics {
		var own []string
		for range ownWords {
			own = append(own, word())
		}
		s.topics = append(s.topics, own)
	}
	s.zipf = rand.NewZipf(rng, 1.1, 2, uint64(len(s.shared)-1))
	return s
}

// next returns a post of a random topic, and the topic.
func (s *synthStream) next() (tokens []string, lon, lat float64, topic int) {
	topic = s.rng.IntN(len(s.topics))
	own := s.topics[topic]
	for range s.own + s.rng.IntN(2) {
		// The topic's first words are its most used.
		tokens = append(tokens, own[min(s.rng.IntN(len(own)), s.rng.IntN(len(own)))])
	}
	if s.rng.IntN(4) == 0 {
		tokens = append(tokens, "#"+own[0])
	}
	for range s.common + s.rng.IntN(4) {
		tokens = append(tokens, s.shared[s.zipf.Uint64()])
	}
	s.rng.Shuffle(len(tokens), func(i, j int) { tokens[i], tokens[j] = tokens[j], tokens[i] })
	cs := s.cities[topic]
	c := s.places[cs[s.rng.IntN(len(cs))]]
	return tokens, c[0] + s.rng.NormFloat64()*0.03, c[1] + s.rng.NormFloat64()*0.03, topic
}

// TestTopicsInOneCity: three topics share a city, and each topic is in
// three cities. The words must keep the topics apart where the place
// cannot; a place that outweighs the words would not (the control row,
// which shows the test can tell).
func TestTopicsInOneCity(t *testing.T) {
	control := DefaultOptions()
	control.GeoWeight = 10
	for _, tc := range []struct {
		name string
		opts Options
		ok   bool
	}{
		{"defaults", DefaultOptions(), true},
		{"a place of ten words", control, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, mixed, clusters := topicsInOneCity(t, tc.opts)
			t.Logf("homogeneity %.3f; posts of two topics in the shared city together %.4f of the time; %d clusters",
				h, mixed, clusters)
			if ok := h >= 0.95 && mixed <= 0.01; ok != tc.ok {
				t.Errorf("homogeneity %.3f, mixed %.4f: want at least 0.95 and at most 0.01: %v", h, mixed, tc.ok)
			}
		})
	}
}

// topicsInOneCity streams 18 batches of 100 posts and returns the mean
// homogeneity over the full windows of six batches, and how often two
// posts of different topics in the shared city share a cluster.
func topicsInOneCity(t *testing.T, o Options) (h, mixed float64, clusters int) {
	places := [][2]float64{{2.35, 48.86}, {4.84, 45.76}, {-3.70, 40.42}, {13.40, 52.52}}
	cities := [][]int{{0, 1, 2}, {0, 2, 3}, {0, 1, 3}}
	s := newSynthStream(1, 3, 15, 2, 3, cities, places)
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	const perBatch, windowBatches = 100, 6
	var held [][]*model.Point
	topics := map[*model.Point]int{}
	var sumH float64
	windows := 0
	sameCityMixed, sameCityPairs := 0, 0
	for range 18 {
		var batch []*model.Point
		for range perBatch {
			toks, lon, lat, topic := s.next()
			p := modeltest.WithTokens(&model.Point{Lon: lon, Lat: lat, Located: tweet.GeoPoint, Cluster: -1}, toks)
			m.Featurize(p)
			topics[p] = topic
			batch = append(batch, p)
		}
		if len(held) == windowBatches {
			m.Forget(held[0])
			held = held[1:]
		}
		m.Train(batch)
		held = append(held, batch)
		if len(held) < windowBatches {
			continue
		}
		var points []*model.Point
		for _, h := range held {
			points = append(points, h...)
		}
		m.Assign(points, nil)
		truth := make([]string, len(points))
		pred := make([]int, len(points))
		var inCity []*model.Point
		for i, p := range points {
			truth[i] = string(rune('a' + topics[p]))
			pred[i] = p.Cluster
			if math.Abs(p.Lon-places[0][0]) < 0.5 && math.Abs(p.Lat-places[0][1]) < 0.5 {
				inCity = append(inCity, p)
			}
		}
		sumH += eval.Score(truth, pred).Homogeneity
		windows++
		for i, p := range inCity {
			for _, q := range inCity[i+1:] {
				if topics[p] != topics[q] {
					sameCityPairs++
					if p.Cluster == q.Cluster {
						sameCityMixed++
					}
				}
			}
		}
	}
	return sumH / float64(windows), float64(sameCityMixed) / float64(sameCityPairs), m.Len()
}
