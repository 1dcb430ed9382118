package events

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/shared/tweet"
)

const (
	slide  = 20 * time.Second
	window = time.Minute
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// place is a city the test streams post from.
type place struct {
	name     string
	lon, lat float64
}

var places = []place{
	{"Denver", -104.98, 39.74}, {"Boston", -71.06, 42.36}, {"Lyon", 4.84, 45.76}, {"Osaka", 135.5, 34.69},
	{"Lima", -77.04, -12.05}, {"Perth", 115.86, -31.95}, {"Cairo", 31.24, 30.04}, {"Oslo", 10.75, 59.91},
	{"Quito", -78.47, -0.18}, {"Dakar", -17.45, 14.69}, {"Hanoi", 105.83, 21.03}, {"Kyiv", 30.52, 50.45},
	{"Seattle", -122.33, 47.61}, {"Madrid", -3.7, 40.42}, {"Accra", -0.19, 5.6}, {"Fiji", 178.44, -18.14},
}

// stream is a made-up stream of posts: the test adds posts, and window
// returns the window ending at a time, as the pipeline hands it over.
type stream struct {
	rng    *rand.Rand
	points []*model.Point
	n      int
	vocab  []string
}

func newStream(seed uint64) *stream {
	s := &stream{rng: rand.New(rand.NewPCG(seed, 7))}
	for i := range 400 {
		s.vocab = append(s.vocab, fmt.Sprintf("w%03d", i))
	}
	return s
}

// post adds a post at t in cluster c; mapped posts are near pl.
func (s *stream) post(t time.Time, c int, pl *place, words ...string) *model.Point {
	s.n++
	p := modeltest.WithTokens(modeltest.WithID(&model.Point{Cluster: c}, fmt.Sprintf("p%d", s.n)), words)
	p.SetTime(t)
	p.SetText(strings.Join(words, " "))
	if pl != nil {
		p.Located, p.Level = tweet.GeoProfile, tweet.GeoCity
		p.Lon = pl.lon + s.rng.NormFloat64()*0.03
		p.Lat = pl.lat + s.rng.NormFloat64()*0.03
	}
	s.points = append(s.points, p)
	return p
}

// background adds rate posts a second between from and to: a third of
// them on the map in one of the places, of random words, in clusters
// 0 to 9.
func (s *stream) background(from, to time.Time, rate float64) {
	for t := from; t.Before(to); t = t.Add(time.Duration(s.rng.ExpFloat64() / rate * float64(time.Second))) {
		var pl *place
		if s.rng.IntN(3) == 0 {
			pl = &places[s.rng.IntN(len(places))]
		}
		words := make([]string, 3+s.rng.IntN(4))
		for i := range words {
			words[i] = s.vocab[int(float64(len(s.vocab))*math.Pow(s.rng.Float64(), 1.5))]
		}
		s.post(t, s.rng.IntN(10), pl, words...)
	}
}

// burst adds n posts on topic words in cluster c between from and from+over,
// a share of them mapped at pl.
func (s *stream) burst(from time.Time, over time.Duration, n, c int, pl *place, mapped float64, words ...string) {
	for range n {
		t := from.Add(time.Duration(s.rng.Float64() * float64(over)))
		var at *place
		if s.rng.Float64() < mapped {
			at = pl
		}
		ws := slices.Clone(words)
		ws = append(ws, s.vocab[s.rng.IntN(len(s.vocab))])
		s.post(t, c, at, ws...)
	}
}

func (s *stream) window(end time.Time) *model.Result {
	r := &model.Result{Start: end.Add(-window), End: end}
	for _, p := range s.points {
		if !p.Time().Before(r.Start) && p.Time().Before(end) {
			r.Points = append(r.Points, p)
		}
	}
	return r
}

// run feeds the detector every window from t0+slide to until, and returns
// the events of each window by its end.
func run(t *testing.T, d *Detector, s *stream, until time.Time) map[time.Time][]model.Event {
	t.Helper()
	out := map[time.Time][]model.Event{}
	for end := t0.Add(slide); !end.After(until); end = end.Add(slide) {
		evs := d.Observe(s.window(end))
		if evs == nil {
			t.Fatalf("window %s: nil events, want a list", end.Format("15:04:05"))
		}
		out[end] = evs
	}
	return out
}

func detector(t *testing.T, mod func(*Options)) *Detector {
	t.Helper()
	o := DefaultOptions(slide, window)
	if mod != nil {
		mod(&o)
	}
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBurstIsFlaggedInItsFirstOrSecondWindow(t *testing.T) {
	s := newStream(1)
	s.background(t0, t0.Add(20*time.Minute), 20)
	start := t0.Add(10*time.Minute + 3*time.Second)
	denver := &places[0]
	s.burst(start, time.Minute, 40, 4, denver, 0.5, "flood", "river")
	d := detector(t, nil)
	got := run(t, d, s, t0.Add(20*time.Minute))

	var first time.Time
	var ev model.Event
	ids := map[int]bool{}
	for end := t0.Add(slide); !end.After(t0.Add(20 * time.Minute)); end = end.Add(slide) {
		for _, e := range got[end] {
			ids[e.ID] = true
			if first.IsZero() {
				first, ev = end, e
			}
		}
	}
	if len(ids) != 1 {
		t.Fatalf("events %v, want the burst's alone", ids)
	}
	// The first full batch ends at 10:20, its window one slide later.
	if first.Before(start) || first.After(t0.Add(10*time.Minute+40*time.Second)) {
		t.Errorf("first flagged in the window ending %s, want by 12:10:40", first.Format("15:04:05"))
	}
	if ev.FirstSeen != first {
		t.Errorf("first_seen %s, want the end of its first window %s", ev.FirstSeen, first)
	}
	if km := distKm(ev.Lon, ev.Lat, denver.lon, denver.lat); km > 10 || ev.RadiusKm > 10 {
		t.Errorf("placed at %.2f,%.2f radius %.1f km: %.1f km from Denver", ev.Lon, ev.Lat, ev.RadiusKm, km)
	}
	if !slices.Contains(ev.Keywords, "flood") || !slices.Contains(ev.Keywords, "river") {
		t.Errorf("keywords %v, want flood and river", ev.Keywords)
	}
	if ev.Posts < DefaultMinPosts || ev.Posts > 40 || len(ev.FirstPosts) == 0 || ev.Cluster != 4 {
		t.Errorf("posts %d, first posts %v, cluster %d", ev.Posts, ev.FirstPosts, ev.Cluster)
	}
	if len(ev.Examples) == 0 || !strings.Contains(ev.Examples[0].Text, "flood") {
		t.Errorf("examples %v, want the first posts' text", ev.Examples)
	}
	// It lives while the burst goes on, counts its posts, and ends after.
	var last model.Event
	var lastEnd time.Time
	for end := first; !end.After(t0.Add(20 * time.Minute)); end = end.Add(slide) {
		if len(got[end]) > 0 {
			last, lastEnd = got[end][0], end
		}
	}
	if lastEnd.After(start.Add(time.Minute + 2*window)) {
		t.Errorf("still active at %s, the burst ended at %s", lastEnd.Format("15:04:05"), start.Add(time.Minute).Format("15:04:05"))
	}
	if last.Posts < 30 || last.Posts > 45 {
		t.Errorf("counted %d posts over its life, the burst had 40 (and background posts share no word)", last.Posts)
	}
	if st := d.Stats(); st.Flagged != 1 || st.Ended != 1 || st.Active != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestNoEventInBackground(t *testing.T) {
	for seed := range uint64(4) {
		s := newStream(seed)
		s.background(t0, t0.Add(30*time.Minute), 30)
		d := detector(t, nil)
		got := run(t, d, s, t0.Add(30*time.Minute))
		for end, evs := range got {
			if len(evs) > 0 {
				t.Errorf("seed %d: window %s flags %+v in random posts", seed, end.Format("15:04:05"), evs[0])
			}
		}
	}
}

func TestSteadyTopicIsNoEvent(t *testing.T) {
	s := newStream(2)
	s.background(t0, t0.Add(30*time.Minute), 20)
	// One post a few seconds on fishing from Seattle, all along.
	seattle := &places[12]
	for at := t0; at.Before(t0.Add(30 * time.Minute)); at = at.Add(4 * time.Second) {
		s.burst(at, 4*time.Second, 1, 6, seattle, 0.6, "fishing", "salmon")
	}
	d := detector(t, nil)
	for end, evs := range run(t, d, s, t0.Add(30*time.Minute)) {
		if len(evs) > 0 {
			t.Errorf("window %s flags the steady topic: %+v", end.Format("15:04:05"), evs[0])
		}
	}
}

func TestSurgeAcrossTheWorldIsNoEvent(t *testing.T) {
	s := newStream(3)
	s.background(t0, t0.Add(20*time.Minute), 20)
	start := t0.Add(10 * time.Minute)
	for i := range 80 {
		at := start.Add(time.Duration(i) * 750 * time.Millisecond)
		s.post(at, 3, &places[i%len(places)], "eclipse", "sky", s.vocab[i])
	}
	d := detector(t, nil)
	for end, evs := range run(t, d, s, t0.Add(20*time.Minute)) {
		if len(evs) > 0 {
			t.Errorf("window %s flags a surge spread over %d cities: %+v", end.Format("15:04:05"), len(places), evs[0])
		}
	}
	if d.Stats().Wide == 0 {
		t.Error("the surge was not noted as one in no one place")
	}
}

func TestBurstWithoutPlacesIsNotFlagged(t *testing.T) {
	s := newStream(4)
	s.background(t0, t0.Add(20*time.Minute), 20)
	s.burst(t0.Add(10*time.Minute), time.Minute, 60, 4, nil, 0, "outage", "power")
	d := detector(t, nil)
	for end, evs := range run(t, d, s, t0.Add(20*time.Minute)) {
		if len(evs) > 0 {
			t.Errorf("window %s flags a burst with no post on the map: %+v", end.Format("15:04:05"), evs[0])
		}
	}
}

func TestEventKeepsItsIDWhenTheModelMovesItsPosts(t *testing.T) {
	s := newStream(5)
	s.background(t0, t0.Add(20*time.Minute), 20)
	start := t0.Add(10 * time.Minute)
	s.burst(start, 2*time.Minute, 90, 4, &places[2], 0.5, "strike", "metro")
	d := detector(t, nil)
	ids := map[int]bool{}
	clusters := map[int]bool{}
	for end := t0.Add(slide); !end.After(t0.Add(20 * time.Minute)); end = end.Add(slide) {
		r := s.window(end)
		if end.After(start.Add(time.Minute)) {
			// The model splits the burst off: its posts are now cluster 12.
			for _, p := range r.Points {
				if p.Cluster == 4 && p.HasToken("strike") {
					p.Cluster = 12
				}
			}
		}
		for _, e := range d.Observe(r) {
			ids[e.ID] = true
			clusters[e.Cluster] = true
		}
	}
	if len(ids) != 1 || !clusters[4] || !clusters[12] {
		t.Errorf("events %v in clusters %v, want one event, in cluster 4 then 12", ids, clusters)
	}
}

func TestBurstSplitOverClustersIsOneEvent(t *testing.T) {
	s := newStream(6)
	s.background(t0, t0.Add(20*time.Minute), 20)
	start := t0.Add(10 * time.Minute)
	s.burst(start, time.Minute, 20, 4, &places[3], 0.5, "earthquake", "shaking")
	s.burst(start, time.Minute, 20, 8, &places[3], 0.5, "earthquake", "shaking")
	d := detector(t, nil)
	ids := map[int]bool{}
	for _, evs := range run(t, d, s, t0.Add(20*time.Minute)) {
		for _, e := range evs {
			ids[e.ID] = true
		}
	}
	if len(ids) != 1 {
		t.Errorf("events %v, want one for the burst the model split in two clusters", ids)
	}
}

// TestBurstInTwoWordingsIsOneEvent: a burst whose posts name one thing in
// two ways, in two clusters, is one event: the second word's posts share
// no keyword with the first's, but more than a quarter of them hold its
// word.
func TestBurstInTwoWordingsIsOneEvent(t *testing.T) {
	s := newStream(7)
	s.background(t0, t0.Add(20*time.Minute), 20)
	start := t0.Add(10*time.Minute + time.Second) // all in one slide
	s.burst(start, 15*time.Second, 30, 4, &places[5], 1, "printed", "skull", "implant")
	s.burst(start, 15*time.Second, 12, 8, &places[5], 1, "printer", "moon")
	s.burst(start, 15*time.Second, 5, 8, &places[5], 1, "printer", "printed")
	d := detector(t, nil)
	ids := map[int]bool{}
	for _, evs := range run(t, d, s, t0.Add(20*time.Minute)) {
		for _, e := range evs {
			ids[e.ID] = true
		}
	}
	if len(ids) != 1 {
		t.Errorf("events %v, want one for the burst in two wordings", ids)
	}
}

// TestOneTextRepeatedIsNoEvent: one text posted again and again from one
// place (an account replying to many with the same words) is no event;
// the same number of posts that say something of their own is.
func TestOneTextRepeatedIsNoEvent(t *testing.T) {
	for _, own := range []bool{false, true} {
		s := newStream(8)
		s.background(t0, t0.Add(20*time.Minute), 20)
		start := t0.Add(10 * time.Minute)
		for i := range 20 {
			words := []string{"@senator" + fmt.Sprint(i), "taxes", "immigration", "borders", "wall"}
			if own {
				words = append(words, s.vocab[i])
			}
			s.post(start.Add(time.Duration(i)*2*time.Second), 5, &places[2], words...)
		}
		d := detector(t, nil)
		run(t, d, s, t0.Add(20*time.Minute))
		if got := d.Stats().Flagged; own != (got == 1) || got > 1 {
			t.Errorf("texts of their own %v: flagged %d events", own, got)
		}
	}
}

func TestSensitivityAndMinPosts(t *testing.T) {
	mk := func() *stream {
		s := newStream(7)
		s.background(t0, t0.Add(15*time.Minute), 20)
		s.burst(t0.Add(10*time.Minute), time.Minute, 40, 4, &places[1], 0.5, "parade", "victory")
		return s
	}
	count := func(mod func(*Options)) int {
		d := detector(t, mod)
		run(t, d, mk(), t0.Add(15*time.Minute))
		return d.Stats().Flagged
	}
	if n := count(nil); n != 1 {
		t.Fatalf("flagged %d with the defaults, want 1", n)
	}
	if n := count(func(o *Options) { o.MinPosts = 500 }); n != 0 {
		t.Errorf("flagged %d with --event-min-posts 500 for a burst of 40", n)
	}
	if n := count(func(o *Options) { o.Sensitivity = 1e-300 }); n != 0 {
		t.Errorf("flagged %d at a sensitivity of 1e-300", n)
	}
}

func TestGapEndsEvents(t *testing.T) {
	s := newStream(8)
	s.background(t0, t0.Add(12*time.Minute), 20)
	s.burst(t0.Add(10*time.Minute), 2*time.Minute, 80, 4, &places[0], 0.5, "tornado", "warning")
	d := detector(t, nil)
	run(t, d, s, t0.Add(11*time.Minute))
	if d.Stats().Active != 1 {
		t.Fatalf("stats %+v, want the burst active", d.Stats())
	}
	// An hour with no post at all, then a quiet window.
	later := t0.Add(72 * time.Minute)
	s.background(later.Add(-window), later, 20)
	if evs := d.Observe(s.window(later)); len(evs) != 0 {
		t.Errorf("after an hour's gap: %+v still active", evs)
	}
}

func TestMemoryIsBounded(t *testing.T) {
	s := newStream(9)
	d := detector(t, nil)
	// Four hours in which every ten minutes brings new clusters in new
	// places: what was tracked fades and is forgotten.
	end := t0
	peak := 0
	for h := range 24 {
		from := t0.Add(time.Duration(h) * 10 * time.Minute)
		for t := from; t.Before(from.Add(10 * time.Minute)); t = t.Add(250 * time.Millisecond) {
			pl := place{lon: float64(h*14 - 170), lat: float64(h%7*10 - 30)}
			s.post(t, 100*h+s.rng.IntN(20), &pl, s.vocab[s.rng.IntN(len(s.vocab))])
		}
		for ; end.Before(from.Add(10 * time.Minute)); end = end.Add(slide) {
			d.Observe(s.window(end.Add(slide)))
			// Keep the stream itself short: only the window is needed.
			s.points = slices.DeleteFunc(s.points, func(p *model.Point) bool { return p.Time().Before(end.Add(-window)) })
		}
		peak = max(peak, d.Stats().Tracked)
	}
	if st := d.Stats(); st.Tracked > 400 || peak > 1200 {
		t.Errorf("tracking %d clusters and cells (peak %d) after 24 changes of 20 clusters and 1 place", st.Tracked, peak)
	}
}

func TestMaxEvents(t *testing.T) {
	s := newStream(10)
	s.background(t0, t0.Add(15*time.Minute), 20)
	for i := range 4 {
		s.burst(t0.Add(10*time.Minute), time.Minute, 40, 4, &places[i], 0.5, fmt.Sprintf("topic%d", i), "news")
	}
	d := detector(t, func(o *Options) { o.MaxEvents = 2 })
	most := 0
	for _, evs := range run(t, d, s, t0.Add(15*time.Minute)) {
		most = max(most, len(evs))
	}
	if most != 2 {
		t.Errorf("at most %d events at once, want 2 (MaxEvents)", most)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"defaults", func(*Options) {}, ""},
		{"no slide", func(o *Options) { o.Slide = 0 }, "Slide"},
		{"slide over window", func(o *Options) { o.Slide = 2 * o.Window }, "Slide"},
		{"no posts", func(o *Options) { o.MinPosts = 0 }, "MinPosts"},
		{"sensitivity 0", func(o *Options) { o.Sensitivity = 0 }, "Sensitivity"},
		{"sensitivity 1", func(o *Options) { o.Sensitivity = 1 }, "Sensitivity"},
		{"sensitivity NaN", func(o *Options) { o.Sensitivity = math.NaN() }, "Sensitivity"},
		{"half-life under a slide", func(o *Options) { o.HalfLife = time.Second }, "HalfLife"},
		{"one mapped post", func(o *Options) { o.MinMapped = 1 }, "MinMapped"},
		{"no events", func(o *Options) { o.MaxEvents = 0 }, "MaxEvents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions(slide, window)
			tc.mod(&o)
			err := o.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// tail is the chance that a Poisson variable of mean mu is at least k.
func tail(k, mu float64) float64 { return tailUnder(k, mu, 1) }

// distKm is the great-circle distance between two places.
func distKm(lon1, lat1, lon2, lat2 float64) float64 {
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	dφ, dλ := φ2-φ1, (lon2-lon1)*math.Pi/180
	a := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	return 2 * earthKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

func TestTail(t *testing.T) {
	for _, tc := range []struct{ k, mu, want float64 }{
		{3, 1, 1 - math.Exp(-1)*2.5},
		{10, 2, 4.649807e-05},
		{1, 0.5, 1 - math.Exp(-0.5)},
		{2, 2, 1},   // at the mean
		{0, 0.1, 1}, // nothing is always at least nothing
		{60, 1, 4.4948e-83},
	} {
		got := tail(tc.k, tc.mu)
		if math.Abs(got-tc.want) > 1e-3*tc.want {
			t.Errorf("tail(%v, %v) = %g, want %g", tc.k, tc.mu, got, tc.want)
		}
	}
}

// TestTailUnder: a chance under the limit is tail's, to the bit; one at or
// over it is at least the limit.
func TestTailUnder(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 20000 {
		mu := math.Exp(rng.Float64()*12 - 6) // 0.0025 to 400
		k := math.Floor(mu + (rng.Float64()*2-0.5)*(10+3*math.Sqrt(mu)))
		limit := []float64{1e-6, 0.01, 0.5, 1}[rng.IntN(4)]
		exact, got := tail(k, mu), tailUnder(k, mu, limit)
		if exact < limit && got != exact || exact >= limit && got < limit {
			t.Fatalf("case %d: tailUnder(%v, %v, %v) = %g, tail %g", i, k, mu, limit, got, exact)
		}
	}
}

// TestCentreAsHaversine checks the centre's radius, from the places' chords,
// against the root-mean-square of haversine distances, for posts in a city
// and spread wider, across the date line and near a pole.
func TestCentreAsHaversine(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for i := range 500 {
		lon0, lat0 := rng.Float64()*360-180, rng.Float64()*170-85
		if i%10 == 0 {
			lon0 = 179.9
		}
		spread := []float64{0, 0.05, 0.5, 3}[i%4]
		var ps []*model.Point
		for range 1 + rng.IntN(40) {
			lon := lon0 + (rng.Float64()*2-1)*spread
			if lon > 180 {
				lon -= 360
			}
			lat := max(-89.9, min(89.9, lat0+(rng.Float64()*2-1)*spread))
			ps = append(ps, &model.Point{Lon: lon, Lat: lat})
		}
		lon, lat, radius := centre(ps)
		var x, y, z float64
		for _, p := range ps {
			φ, λ := p.Lat*math.Pi/180, p.Lon*math.Pi/180
			x, y, z = x+math.Cos(φ)*math.Cos(λ), y+math.Cos(φ)*math.Sin(λ), z+math.Sin(φ)
		}
		wantLon, wantLat := math.Atan2(y, x)*180/math.Pi, math.Atan2(z, math.Hypot(x, y))*180/math.Pi
		var ss float64
		for _, p := range ps {
			k := distKm(wantLon, wantLat, p.Lon, p.Lat)
			ss += k * k
		}
		want := math.Sqrt(ss / float64(len(ps)))
		if math.Abs(lon-wantLon) > 1e-4 || math.Abs(lat-wantLat) > 1e-4 || math.Abs(radius-want) > 0.05+1e-6 {
			t.Fatalf("case %d: centre %v, %v, radius %v km; want %v, %v, %v km", i, lon, lat, radius, wantLon, wantLat, want)
		}
	}
}

// TestDistinct counts the posts' texts by their words, in any order and
// without the names they mention, and stops at the count asked for.
func TestDistinct(t *testing.T) {
	var posts []*model.Point
	for _, ws := range [][]string{
		{"storm", "river"}, {"river", "storm"}, {"storm", "river", "@a"}, {"storm", "river", "storm"},
		{"storm"}, {"fire"}, {"fire", "@b"}, {}, {"@c"},
	} {
		posts = append(posts, modeltest.WithTokens(&model.Point{}, ws))
	}
	// {storm river}, {storm}, {fire}, {} (the mention alone says nothing)
	for _, tc := range []struct{ enough, want int }{{100, 4}, {4, 4}, {3, 3}, {1, 1}} {
		if got := distinct(posts, tc.enough); got != tc.want {
			t.Errorf("distinct(…, %d) = %d, want %d", tc.enough, got, tc.want)
		}
	}
}

func TestCells(t *testing.T) {
	west, east := cellOf(-179.9, 10), cellOf(179.9, 10)
	if b := west.block(); !west.near(east, 1) || !slices.Contains(b[:], east) {
		t.Errorf("cells %v and %v across 180° are not neighbours", west, east)
	}
	if a, b := cellOf(0.1, 0.1), cellOf(2.1, 0.1); a.near(b, 1) {
		t.Errorf("cells %v and %v two degrees apart are neighbours", a, b)
	}
	if c := cellOf(180, 0); c != cellOf(-180, 0) {
		t.Errorf("180° and -180° are cells %v and %v", c, cellOf(-180, 0))
	}
}

func TestSketch(t *testing.T) {
	keep := 0.5
	s := newSketch(8, keep)
	a, b := hashWord("flood"), hashWord("river")
	s.add(a, 4, 1)
	s.add(a, 2, 2)
	if got := s.get(a, 2); math.Abs(got-4) > 1e-5 {
		t.Errorf("count %g at slide 2, want 4*0.5+2 = 4", got)
	}
	if got := s.get(b, 2); got != 0 {
		t.Errorf("a key never added counts %g", got)
	}
	// Long after, through several rescalings.
	for at := int64(3); at < 3*rescaleEvery; at++ {
		s.add(b, 1, at)
	}
	if got, want := s.get(b, 3*rescaleEvery-1), 1/(1-keep); math.Abs(got-want) > 1e-3 {
		t.Errorf("a steady key counts %g, want %g", got, want)
	}
	if got := s.get(a, 3*rescaleEvery-1); got > 1e-6 {
		t.Errorf("a key added long ago counts %g", got)
	}
}
