package render

import (
	"math/rand/v2"
	"time"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// Test frames are made up here: cities, topics and words of our own, drawn
// from a seeded generator, so every run draws the same map.

var testCities = []struct {
	name     string
	lon, lat float32
}{
	{"new york", -74.0, 40.7}, {"los angeles", -118.2, 34.1}, {"chicago", -87.6, 41.9}, {"houston", -95.4, 29.8},
	{"seattle", -122.3, 47.6}, {"miami", -80.2, 25.8}, {"mexico city", -99.1, 19.4}, {"sao paulo", -46.6, -23.5},
	{"buenos aires", -58.4, -34.6}, {"london", -0.1, 51.5}, {"paris", 2.35, 48.85}, {"berlin", 13.4, 52.5},
	{"madrid", -3.7, 40.4}, {"rome", 12.5, 41.9}, {"lagos", 3.4, 6.5}, {"nairobi", 36.8, -1.3},
	{"cairo", 31.2, 30.0}, {"johannesburg", 28.0, -26.2}, {"mumbai", 72.9, 19.1}, {"delhi", 77.2, 28.6},
	{"tokyo", 139.7, 35.7}, {"seoul", 127.0, 37.6}, {"jakarta", 106.8, -6.2}, {"sydney", 151.2, -33.9},
	{"melbourne", 145.0, -37.8}, {"auckland", 174.8, -36.8}, {"moscow", 37.6, 55.8}, {"istanbul", 29.0, 41.0},
}

var testWords = [][]string{
	{"kickoff", "#finals", "goal", "stadium", "referee"},
	{"storm", "#rainwatch", "flooding", "wind", "shelter"},
	{"premiere", "#filmnight", "trailer", "cinema", "actor"},
	{"marathon", "#runday", "pace", "finish", "medal"},
	{"launch", "#devday", "keynote", "phone", "battery"},
	{"cricket", "#wickets", "innings", "bowler", "century"},
	{"carnival", "#parade", "samba", "costume", "drums"},
	{"anime", "#manga", "episode", "studio", "season"},
	{"election", "#vote", "ballot", "turnout", "polls"},
	{"festival", "#livemusic", "stage", "lineup", "encore"},
	{"market", "#stocks", "rally", "shares", "index"},
	{"recipe", "#foodie", "dinner", "spicy", "bakery"},
}

// frameSpec describes a made-up window.
type frameSpec struct {
	region        string
	box           geo.BBox // instead of region, if set
	width, height int
	clusters      int
	tweets        int     // located tweets
	spread        float32 // degrees of jitter around a city
	inferred      float64 // share of points placed from profiles or text
	seed          uint64
	maxColored    int
	sizeBy        string
	keywords      func(i int) []string
	// cities, if set, are the indices in testCities the topics live in.
	cities []int
	events []Event
}

func makeFrame(s frameSpec) *Frame {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	box := s.box
	if s.region != "" {
		box = geo.Regions[s.region]
	}
	f := &Frame{Start: t0, End: t0.Add(time.Minute), Box: box, Width: s.width, Height: s.height,
		MaxColored: s.maxColored, SizeBy: s.sizeBy, Events: s.events}
	rng := rand.New(rand.NewPCG(s.seed, 7))
	sizes := make([]int, s.clusters)
	// Zipf-like cluster sizes: a few large topics and a long tail.
	var total float64
	for i := range sizes {
		total += 1 / float64(i+1)
	}
	for i := range sizes {
		sizes[i] = max(1, int(float64(s.tweets)/(float64(i+1)*total)))
	}
	for c, n := range sizes {
		// Each topic lives in three cities, one of them its centre.
		cities, m := s.cities, len(s.cities)
		if m == 0 {
			cities, m = nil, len(testCities)
			for i := range testCities {
				cities = append(cities, i)
			}
		}
		home := []int{cities[(c*7)%m], cities[(c*11+3)%m], cities[(c*5+9)%m]}
		for range n {
			city := testCities[home[min(2, int(rng.ExpFloat64()))]]
			p := Point{
				Lon: city.lon + float32(rng.NormFloat64())*s.spread, Lat: city.lat + float32(rng.NormFloat64())*s.spread,
				Cluster: int32(c),
			}
			if rng.Float64() < 0.3 {
				p.Method = MethodPlace
			}
			if rng.Float64() < s.inferred {
				p.Method = MethodProfile
				if rng.Float64() < 0.2 {
					p.Method = MethodText
				}
			}
			f.Points = append(f.Points, p)
		}
		kw := testWords[c%len(testWords)]
		if s.keywords != nil {
			kw = s.keywords(c)
		}
		city := testCities[home[0]]
		f.Clusters = append(f.Clusters, Cluster{ID: c, Size: n, Lon: float64(city.lon), Lat: float64(city.lat), Keywords: kw})
	}
	f.Located = len(f.Points)
	f.Tweets = f.Located + f.Located/9
	return f
}
