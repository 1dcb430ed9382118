package web

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/tweet"
)

func TestDiscsGatherPostsByClusterCellAndKind(t *testing.T) {
	pts := []*model.Point{
		{Lon: 2.351, Lat: 48.857, Cluster: 1, Located: tweet.GeoPoint},
		{Lon: 2.359, Lat: 48.851, Cluster: 1, Located: tweet.GeoPlace},   // same cell, exact
		{Lon: 2.352, Lat: 48.852, Cluster: 1, Located: tweet.GeoProfile}, // same cell, inferred: a ring
		{Lon: 2.352, Lat: 48.852, Cluster: 2, Located: tweet.GeoText},
		{Lon: -73.99, Lat: 40.75, Cluster: 1, Located: tweet.GeoPoint},
		{Lon: 180, Lat: -90, Cluster: 1, Located: tweet.GeoPoint}, // the edge: the last cell
		{Lon: 5, Lat: 5, Cluster: 1, Located: tweet.GeoNone},      // not on the map
		{Lon: math.NaN(), Lat: 5, Cluster: 1, Located: tweet.GeoPoint},
	}
	got := string(discsJSON(discsOf(placedOf(pts))))
	want := `{"all":[[1,-73.99,40.75,0,1],[1,2.35,48.85,0,2],[1,2.35,48.85,1,1],[1,179.99,-89.99,0,1],[2,2.35,48.85,1,1]]}`
	if got != want {
		t.Fatalf("discs\n got %s\nwant %s", got, want)
	}
}

func TestAppendCentre(t *testing.T) {
	for i, want := range map[int32]string{0: "0.01", -1: "-0.01", 4: "0.09", 5: "0.11", -50: "-0.99", 117: "2.35", -3700: "-73.99"} {
		if got := string(appendCentre(nil, i)); got != want {
			t.Errorf("cell %d: %s, want %s", i, got, want)
		}
	}
}

// TestDeltaTurnsOneWindowsDiscsIntoTheNext applies the change, as the page
// does, to random windows' discs.
func TestDeltaTurnsOneWindowsDiscsIntoTheNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func() []*model.Point {
		var pts []*model.Point
		for range rng.IntN(300) {
			pts = append(pts, &model.Point{Lon: rng.Float64() * 0.2, Lat: rng.Float64() * 0.2, Cluster: rng.IntN(4),
				Located: tweet.GeoSource(1 + rng.IntN(4))})
		}
		return pts
	}
	type entry = []json.Number
	key := func(e entry) string { return fmt.Sprint(e[:4]) }
	decode := func(b []byte, v any) {
		t.Helper()
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
	}
	prev := discsOf(nil)
	for round := range 50 {
		cur := discsOf(placedOf(random()))
		var d struct {
			From     string
			Set, Del []entry
		}
		decode(deltaJSON("x", prev, cur), &d)
		var all struct{ All []entry }
		decode(discsJSON(prev), &all)
		have := map[string]string{}
		for _, e := range all.All {
			have[key(e)] = fmt.Sprint(e)
		}
		for _, e := range d.Del {
			if _, ok := have[key(e)]; !ok || len(e) != 4 {
				t.Fatalf("round %d: deletes %v, which it did not have", round, e)
			}
			delete(have, key(e))
		}
		for _, e := range d.Set {
			if have[key(e)] == fmt.Sprint(e) {
				t.Fatalf("round %d: sends %v, unchanged", round, e)
			}
			have[key(e)] = fmt.Sprint(e)
		}
		decode(discsJSON(cur), &all)
		if len(have) != len(all.All) {
			t.Fatalf("round %d: %d discs after the change, want %d", round, len(have), len(all.All))
		}
		for _, e := range all.All {
			if have[key(e)] != fmt.Sprint(e) {
				t.Fatalf("round %d: %v is %s after the change", round, e, have[key(e)])
			}
		}
		prev = cur
	}
}

func BenchmarkDiscs(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]*model.Point, 100_000)
	for i := range pts {
		pts[i] = &model.Point{Lon: rng.NormFloat64()*40 - 30, Lat: rng.NormFloat64()*20 + 35, Cluster: rng.IntN(40), Located: tweet.GeoPoint}
	}
	prev := discsOf(placedOf(pts[:60_000]))
	b.ReportAllocs()
	for b.Loop() {
		cur := discsOf(placedOf(pts[30_000:]))
		discsJSON(cur)
		deltaJSON("x", prev, cur)
	}
}

// BenchmarkPlacedOf is what the discs cost the pipeline's goroutine (Write):
// a copy of a window's located posts; Run gathers them.
func BenchmarkPlacedOf(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]*model.Point, 100_000)
	for i := range pts {
		pts[i] = &model.Point{Lon: rng.NormFloat64()*40 - 30, Lat: rng.NormFloat64()*20 + 35, Cluster: rng.IntN(40), Located: tweet.GeoPoint}
	}
	b.ReportAllocs()
	for b.Loop() {
		placedOf(pts)
	}
}
