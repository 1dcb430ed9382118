package geocode

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

// TestRealData measures the geocoder on real captures, which are never
// committed: set GEOSTREAM_REALDATA to one or more capture files (.jsonl or
// .gz, separated by commas; files joined by "+" are measured as one set). It
// reports, per set:
//   - the share of tweets located by point or place;
//   - of the unlocated tweets with a profile location, the share that
//     resolves, by level;
//   - of the tweets with an exact point and a profile location, with the
//     point removed: the share placed at city level, and of those the share
//     within 25 km of the point, and the median distance;
//   - the mapped share: point or place, or a city-level profile;
//   - LocateText on unlocated tweets whose profile did not resolve, and, as a
//     check of its precision, on tweets with a point: the share within 50 km.
//
// GEOSTREAM_REALDATA_SAMPLE=N also logs N random text matches to check by hand.
func TestRealData(t *testing.T) {
	paths := os.Getenv("GEOSTREAM_REALDATA")
	if paths == "" {
		t.Skip("set GEOSTREAM_REALDATA to capture files (comma-separated) to measure the geocoder on real tweets")
	}
	sample, _ := strconv.Atoi(os.Getenv("GEOSTREAM_REALDATA_SAMPLE"))
	for _, set := range strings.Split(paths, ",") {
		files := strings.Split(set, "+")
		name := filepath.Base(files[0])
		if len(files) > 1 {
			name += fmt.Sprintf("+%d", len(files)-1)
		}
		t.Run(name, func(t *testing.T) {
			gc := newTest(t)
			s := &realStats{profileMisses: map[string]int{}, sample: sample}
			for _, f := range files {
				measure(t, gc, s, f, sample)
			}
			s.report(t)
		})
	}
}

type realStats struct {
	tweets, point, place          int
	unlocatedWithProfile          int
	profileByLevel                [4]int
	pointWithProfile, pointPlaced int
	pointCity, pointCityNear      int
	distances                     []float64
	textTried, textFound          [2]int // [capitalised only, any case]
	textPointTried                int
	textPointFound, textPointNear [2]int
	textSamples                   []string
	sample                        int
	profileMisses                 map[string]int
	placedLevels                  [4]int
}

func measure(t *testing.T, gc *Geocoder, s *realStats, path string, sample int) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	var d tweet.Decoder
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		tw, err := d.Decode(sc.Bytes())
		if err != nil || tw.Kind != tweet.KindTweet {
			continue
		}
		s.tweets++
		switch tw.Geo {
		case tweet.GeoPoint:
			s.point++
		case tweet.GeoPlace:
			s.place++
		}
		if tw.Geo == tweet.GeoPoint && tw.UserLocation != "" {
			s.pointWithProfile++
			res, ok := gc.Locate(tw.UserLocation)
			if os.Getenv("GEOSTREAM_REALDATA_COARSE") != "" && (!ok || res.Level != tweet.GeoCity) {
				t.Logf("coarse %v %q -> %s", res.Level, tw.UserLocation, res.Name)
			}
			if ok {
				s.pointPlaced++
				s.placedLevels[res.Level]++
				if res.Level == tweet.GeoCity {
					s.pointCity++
					dist := km(res.Lon, res.Lat, tw.Lon, tw.Lat)
					s.distances = append(s.distances, dist)
					if dist <= 25 {
						s.pointCityNear++
					} else if os.Getenv("GEOSTREAM_REALDATA_FAR") != "" {
						t.Logf("far %6.0f km %q -> %s", dist, tw.UserLocation, res.Name)
					}
				}
			}
		}
		if tw.Geo == tweet.GeoPoint {
			s.textPointTried++
			for i, needCap := range []bool{true, false} {
				if res, ok := gc.locateText(tw.Text, tw.Lang, needCap); ok {
					s.textPointFound[i]++
					if km(res.Lon, res.Lat, tw.Lon, tw.Lat) <= 50 {
						s.textPointNear[i]++
					}
				}
			}
		}
		if tw.Located() {
			continue
		}
		if tw.UserLocation != "" {
			s.unlocatedWithProfile++
			if res, ok := gc.Locate(tw.UserLocation); ok {
				s.profileByLevel[res.Level]++
				continue
			}
			s.profileMisses[tw.UserLocation]++
		}
		for i, needCap := range []bool{true, false} {
			s.textTried[i]++
			if res, ok := gc.locateText(tw.Text, tw.Lang, needCap); ok {
				s.textFound[i]++
				if i == 0 && sample > 0 {
					s.textSamples = append(s.textSamples, res.Name+"\t<- "+strings.ReplaceAll(tw.Text, "\n", " "))
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func (s *realStats) report(t *testing.T) {
	t.Logf("tweets %d: point %.1f%%, place %.1f%% (located %.1f%%)", s.tweets,
		pct(s.point, s.tweets), pct(s.place, s.tweets), pct(s.point+s.place, s.tweets))
	resolved := s.profileByLevel[tweet.GeoCity] + s.profileByLevel[tweet.GeoRegion] + s.profileByLevel[tweet.GeoCountry]
	t.Logf("unlocated with a profile location %d: resolve %.1f%% (city %.1f%%, region %.1f%%, country %.1f%%)",
		s.unlocatedWithProfile, pct(resolved, s.unlocatedWithProfile),
		pct(s.profileByLevel[tweet.GeoCity], s.unlocatedWithProfile),
		pct(s.profileByLevel[tweet.GeoRegion], s.unlocatedWithProfile),
		pct(s.profileByLevel[tweet.GeoCountry], s.unlocatedWithProfile))
	sort.Float64s(s.distances)
	median := 0.0
	if n := len(s.distances); n > 0 {
		median = s.distances[n/2]
	}
	t.Logf("point + profile %d, point removed: placed %.1f%% (city %.1f%%, region %.1f%%, country %.1f%%); "+
		"city-level within 25 km %.1f%%, median %.1f km",
		s.pointWithProfile, pct(s.pointPlaced, s.pointWithProfile), pct(s.pointCity, s.pointWithProfile),
		pct(s.placedLevels[tweet.GeoRegion], s.pointWithProfile), pct(s.placedLevels[tweet.GeoCountry], s.pointWithProfile),
		pct(s.pointCityNear, s.pointCity), median)
	t.Logf("mapped (point, place or city-level profile): %.1f%% (from %.1f%%)",
		pct(s.point+s.place+s.profileByLevel[tweet.GeoCity], s.tweets), pct(s.point+s.place, s.tweets))
	for i, rule := range []string{"capitalised", "any case"} {
		t.Logf("text (%s): found in %.1f%% of %d still unlocated; on %d tweets with a point: found %.1f%%, within 50 km %.1f%% of those",
			rule, pct(s.textFound[i], s.textTried[i]), s.textTried[i], s.textPointTried,
			pct(s.textPointFound[i], s.textPointTried), pct(s.textPointNear[i], s.textPointFound[i]))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(s.textSamples), func(i, j int) { s.textSamples[i], s.textSamples[j] = s.textSamples[j], s.textSamples[i] })
	for _, x := range s.textSamples[:min(len(s.textSamples), s.sample)] {
		t.Logf("text sample: %s", x)
	}
	if os.Getenv("GEOSTREAM_REALDATA_MISSES") != "" {
		type kv struct {
			k string
			n int
		}
		var misses []kv
		for k, n := range s.profileMisses {
			misses = append(misses, kv{k, n})
		}
		sort.Slice(misses, func(i, j int) bool { return misses[i].n > misses[j].n })
		for _, m := range misses[:min(len(misses), 80)] {
			t.Logf("miss %4d %q", m.n, m.k)
		}
	}
}
