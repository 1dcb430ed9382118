package geo

import (
	"math/rand/v2"
	"testing"
)

// cloud is n points around (lon, lat), spread sd degrees.
func cloud(rng *rand.Rand, n int, lon, lat, sd float64) (lons, lats []float64) {
	for range n {
		lons = append(lons, lon+rng.NormFloat64()*sd)
		lats = append(lats, lat+rng.NormFloat64()*sd)
	}
	return lons, lats
}

func TestDataBox(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	usLon, usLat := cloud(rng, 2000, -95, 38, 7)
	// A few posts far away (1%) do not stretch the box.
	outLon, outLat := append([]float64{}, usLon...), append([]float64{}, usLat...)
	for i := range 20 {
		outLon = append(outLon, 100+float64(i))
		outLat = append(outLat, -30)
	}
	everyLon, everyLat := cloud(rng, 500, 0, 10, 60)
	one := func(lon, lat float64) ([]float64, []float64) { return []float64{lon}, []float64{lat} }
	oneLon, oneLat := one(13.4, 52.5)
	// A quiet window: twenty posts in Japan and one placed in Borneo.
	jaLon, jaLat := cloud(rng, 20, 137, 35.5, 2)
	jaLon, jaLat = append(jaLon, 114), append(jaLat, 4.4)
	nineLon, nineLat := append([]float64{}, jaLon[12:]...), append([]float64{}, jaLat[12:]...) // DataBox sorts
	for _, tc := range []struct {
		name       string
		lons, lats []float64
		check      func(BBox) bool
	}{
		{"one country", usLon, usLat, func(b BBox) bool {
			return b.W >= -130 && b.E <= -60 && b.S >= 10 && b.N <= 65 && b.Contains(-95, 38) && b != World
		}},
		{"a few outliers", outLon, outLat, func(b BBox) bool { return b.E <= -60 && b.S >= 10 }},
		{"everywhere", everyLon, everyLat, func(b BBox) bool { return b == World }},
		{"one outlier in a quiet window", jaLon, jaLat, func(b BBox) bool { return b.W >= 120 && b.S >= 20 && b.Contains(137, 35.5) }},
		{"nine posts, all shown", nineLon, nineLat, func(b BBox) bool { return b.Contains(114, 4.4) }},
		{"one post", oneLon, oneLat, func(b BBox) bool {
			return b.Contains(13.4, 52.5) && b.E-b.W >= minLon && b.N-b.S >= minLat && b.E-b.W <= 25
		}},
		{"at the edge of the world", []float64{179, 178}, []float64{-57, -56}, func(b BBox) bool {
			return b.E <= 180 && b.S >= World.S && b.E-b.W >= minLon && b.Contains(179, -57)
		}},
	} {
		b, ok := DataBox(tc.lons, tc.lats)
		if !ok || b.Validate() != nil || !tc.check(b) {
			t.Errorf("%s: %v %v (valid: %v)", tc.name, b, ok, b.Validate())
		}
		for _, v := range []float64{b.W, b.E, b.S, b.N} {
			onEdge := b.W == World.W || b.E == World.E || b.S == World.S || b.N == World.N
			if v != float64(int(v/snapDeg))*snapDeg && !onEdge {
				t.Errorf("%s: %v is not on the %v° grid", tc.name, b, snapDeg)
			}
		}
	}
	if _, ok := DataBox(nil, nil); ok {
		t.Error("no points gave a box")
	}
}

// Follow keeps its extent while the posts stay in it, moves at once when
// they leave it, and shrinks only after several slides of posts filling
// little of it.
func TestFollow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var f Follow
	if got := f.Next(nil, nil); got != World {
		t.Fatalf("no posts: %v, want the world", got)
	}
	us := f.Next(cloud(rng, 1000, -95, 38, 7))
	if us == World || !us.Contains(-95, 38) {
		t.Fatalf("US posts: %v", us)
	}
	// The next slides, with the same kind of posts: the same extent.
	for i := range 10 {
		if got := f.Next(cloud(rng, 1000, -95, 38, 7)); got != us {
			t.Fatalf("slide %d: %v, then %v", i, us, got)
		}
	}
	// No posts in a window: the extent stays.
	if got := f.Next(nil, nil); got != us {
		t.Fatalf("empty window: %v, want %v", got, us)
	}
	// Posts in one corner of it: kept for shrinkAfter-1 slides, then the
	// map closes in.
	var got BBox
	for i := range shrinkAfter {
		got = f.Next(cloud(rng, 500, -100, 40, 0.5))
		if i < shrinkAfter-1 && got != us {
			t.Fatalf("slide %d of few posts in a corner: %v, want %v kept", i, got, us)
		}
	}
	if got == us || !within(got, us) || !got.Contains(-100, 40) {
		t.Fatalf("after %d slides in a corner: %v (was %v)", shrinkAfter, got, us)
	}
	// Posts elsewhere: it moves at once.
	eu := f.Next(cloud(rng, 500, 10, 50, 5))
	if !eu.Contains(10, 50) || eu.Contains(-100, 40) {
		t.Fatalf("posts moved to Europe: %v", eu)
	}
}

func FuzzDataBox(f *testing.F) {
	f.Add(0.0, 0.0, 10.0, 5.0, uint8(3))
	f.Add(-180.0, -90.0, 180.0, 90.0, uint8(200))
	f.Fuzz(func(t *testing.T, lon0, lat0, dlon, dlat float64, n uint8) {
		if !(lon0 >= -180 && lon0 <= 180 && lat0 >= -90 && lat0 <= 90 && dlon >= 0 && dlon <= 360 && dlat >= 0 && dlat <= 180) {
			return
		}
		var lons, lats []float64
		for i := range int(n) + 1 {
			k := float64(i) / float64(int(n)+1)
			lons = append(lons, min(180, lon0+k*dlon))
			lats = append(lats, min(90, lat0+k*dlat))
		}
		b, ok := DataBox(lons, lats)
		if !ok {
			t.Fatal("no box")
		}
		if err := b.Validate(); err != nil {
			t.Fatalf("%v: %v", b, err)
		}
		if b.W < World.W || b.E > World.E || b.S < World.S || b.N > World.N {
			t.Fatalf("%v leaves the world", b)
		}
	})
}
