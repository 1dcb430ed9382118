package spherical

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// randPoint is a tweet of a few random words out of vocab, at lon/lat.
func randPoint(r *rand.Rand, buckets, words int, lon, lat float64, dense int) Point {
	var p Point
	for range words {
		p.Terms = append(p.Terms, model.Term{ID: uint32(r.IntN(buckets)), W: float32(r.Float64() + 0.1)})
	}
	p.Terms = tidy(p.Terms)
	if dense > 0 {
		p.Dense = make([]float32, dense)
		var n float64
		for i := range p.Dense {
			p.Dense[i] = float32(r.NormFloat64())
			n += float64(p.Dense[i] * p.Dense[i])
		}
		for i := range p.Dense {
			p.Dense[i] /= float32(math.Sqrt(n))
		}
	}
	p.Geo = geo(lon, lat)
	return p
}

func tidy(ts []model.Term) []model.Term {
	slices.SortFunc(ts, func(a, b model.Term) int { return int(a.ID) - int(b.ID) })
	out := ts[:0]
	for _, t := range ts {
		if len(out) > 0 && out[len(out)-1].ID == t.ID {
			out[len(out)-1].W += t.W
			continue
		}
		out = append(out, t)
	}
	var n float64
	for _, t := range out {
		n += float64(t.W * t.W)
	}
	for i := range out {
		out[i].W /= float32(math.Sqrt(n))
	}
	return out
}

func geo(lon, lat float64) [3]float32 {
	φ, λ := lat*math.Pi/180, lon*math.Pi/180
	return [3]float32{float32(math.Cos(φ) * math.Cos(λ)), float32(math.Cos(φ) * math.Sin(λ)), float32(math.Sin(φ))}
}

// reference is the model's arithmetic written plainly: dense float64
// centres, no scaling, no repair.
type reference struct {
	text, dense [][]float64
	geo         [][3]float64
	o           Options
}

func (r *reference) scores(p *Point, text, dense [][]float64, geo [][3]float64) []float64 {
	out := make([]float64, len(text))
	for j := range text {
		var t, tn, d, dn, g, gn float64
		for _, x := range p.Terms {
			t += float64(x.W) * text[j][x.ID]
		}
		for _, v := range text[j] {
			tn += v * v
		}
		for i, v := range p.Dense {
			d += float64(v) * dense[j][i]
		}
		for _, v := range dense[j] {
			dn += v * v
		}
		for i := range 3 {
			g += float64(p.Geo[i]) * geo[j][i]
			gn += geo[j][i] * geo[j][i]
		}
		if tn > 0 {
			out[j] += r.o.Text * t / math.Sqrt(tn)
		}
		if dn > 0 {
			out[j] += r.o.Dense * d / math.Sqrt(dn)
		}
		if gn > 0 {
			out[j] += r.o.Geo * g / math.Sqrt(gn)
		}
	}
	return out
}

func (r *reference) train(pts []Point, d float64, iters int) {
	k := len(r.text)
	c := make([]int, len(pts))
	var bt, bd [][]float64
	var bg [][3]float64
	sums := func() {
		bt, bd, bg = make([][]float64, k), make([][]float64, k), make([][3]float64, k)
		for j := range k {
			bt[j] = make([]float64, r.o.Buckets)
			bd[j] = make([]float64, r.o.DenseDim)
		}
		for i, p := range pts {
			for _, t := range p.Terms {
				bt[c[i]][t.ID] += float64(t.W)
			}
			for n, v := range p.Dense {
				bd[c[i]][n] += float64(v)
			}
			for n := range 3 {
				bg[c[i]][n] += float64(p.Geo[n])
			}
		}
	}
	mix := func() ([][]float64, [][]float64, [][3]float64) {
		t, dd, g := make([][]float64, k), make([][]float64, k), make([][3]float64, k)
		for j := range k {
			t[j], dd[j] = make([]float64, r.o.Buckets), make([]float64, r.o.DenseDim)
			for i := range t[j] {
				t[j][i] = d*r.text[j][i] + bt[j][i]
			}
			for i := range dd[j] {
				dd[j][i] = d*r.dense[j][i] + bd[j][i]
			}
			for i := range 3 {
				g[j][i] = d*r.geo[j][i] + bg[j][i]
			}
		}
		return t, dd, g
	}
	for it := range iters {
		t, dd, g := r.text, r.dense, r.geo
		if it > 0 {
			t, dd, g = mix()
		}
		for i := range pts {
			c[i], _ = best(r.scores(&pts[i], t, dd, g))
		}
		sums()
	}
	r.text, r.dense, r.geo = mix()
}

func TestModelMatchesPlainArithmetic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	o := Options{K: 4, Decay: 0.6, Buckets: 64, DenseDim: 5, Text: 1, Dense: 0.5, Geo: 2,
		Iterations: 3, Reassign: 1e-300, MaxShare: 1, MinInit: 4}
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	// Seed the model, then copy its seeded state into the reference.
	first := make([]Point, 4)
	for i := range first {
		first[i] = randPoint(r, 64, 5, r.Float64()*360-180, r.Float64()*180-90, 5)
	}
	m.seed(first)
	m.ready = true
	ref := &reference{o: m.o}
	for j := range 4 {
		col := make([]float64, 64)
		for h := range col {
			col[h] = float64(m.text[h*4+j]) * m.tscale[j]
		}
		ref.text = append(ref.text, col)
		ref.dense = append(ref.dense, slices.Clone(m.dense[j]))
		ref.geo = append(ref.geo, m.geo[j])
	}
	// 60 batches: the text columns' scale falls below 1e-6 and is folded
	// back more than once.
	for b := range 60 {
		batch := make([]Point, 20+r.IntN(20))
		for i := range batch {
			batch[i] = randPoint(r, 64, 1+r.IntN(6), r.Float64()*360-180, r.Float64()*180-90, 5)
		}
		m.Update(batch)
		ref.train(batch, 0.6, 3)
		probe := randPoint(r, 64, 4, 10, 20, 5)
		got := m.Score(&probe, nil)
		want := ref.scores(&probe, ref.text, ref.dense, ref.geo)
		for j := range got {
			if math.Abs(got[j]-want[j]) > 1e-4 {
				t.Fatalf("batch %d cluster %d: score %v, plain arithmetic %v", b, j, got, want)
			}
		}
	}
}

func TestNoCollapseOnUnrelatedTweets(t *testing.T) {
	// Tweets whose words barely overlap, in two places: with Euclidean
	// distances the centre of many such tweets is nearer to every tweet
	// than any other centre. Spherical scores keep the clusters apart.
	r := rand.New(rand.NewPCG(3, 4))
	m, err := New(Options{K: 8, Decay: 0.6, Buckets: 1 << 14, Text: 1, Geo: 2, MinInit: 200})
	if err != nil {
		t.Fatal(err)
	}
	places := [][2]float64{{-74, 40.7}, {-0.1, 51.5}, {139.7, 35.7}, {-105.3, 40}}
	mk := func(n int) []Point {
		out := make([]Point, n)
		for i := range out {
			pl := places[r.IntN(len(places))]
			out[i] = randPoint(r, 1<<14, 6, pl[0]+r.NormFloat64()*0.5, pl[1]+r.NormFloat64()*0.5, 0)
		}
		return out
	}
	for range 30 {
		m.Update(mk(300))
	}
	counts := make([]int, m.K())
	win := mk(3000)
	for i := range win {
		counts[m.Predict(&win[i])]++
	}
	if big := slices.Max(counts); big > 3000*40/100 {
		t.Fatalf("largest cluster holds %d of 3000 tweets: %v", big, counts)
	}
}

func TestTopicsAndPlacesSeparate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	m, err := New(Options{K: 4, Decay: 0.6, Buckets: 1 << 12, Text: 1, Geo: 2, MinInit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// Two topics (their own words plus noise) in each of two places.
	topic := [][]uint32{{1, 2, 3, 4}, {10, 11, 12, 13}}
	places := [][2]float64{{-74, 40.7}, {2.35, 48.85}}
	mk := func(n int) ([]Point, []int) {
		pts, truth := make([]Point, n), make([]int, n)
		for i := range pts {
			tp, pl := r.IntN(2), r.IntN(2)
			p := randPoint(r, 1<<12, 3, places[pl][0], places[pl][1], 0)
			for _, id := range topic[tp][:2+r.IntN(3)] {
				p.Terms = append(p.Terms, model.Term{ID: id, W: 1})
			}
			p.Terms = tidy(p.Terms)
			pts[i], truth[i] = p, tp*2+pl
		}
		return pts, truth
	}
	for range 20 {
		b, _ := mk(200)
		m.Update(b)
	}
	win, truth := mk(2000)
	// Each true group should sit (mostly) in one cluster of its own.
	hits := map[[2]int]int{}
	for i := range win {
		hits[[2]int{truth[i], m.Predict(&win[i])}]++
	}
	for g := range 4 {
		most, total := 0, 0
		for c := range 4 {
			most = max(most, hits[[2]int{g, c}])
			total += hits[[2]int{g, c}]
		}
		if most < total*9/10 {
			t.Fatalf("group %d spread over clusters: %v", g, hits)
		}
	}
}

func TestGiantClusterIsSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	m, err := New(Options{K: 3, Decay: 0.6, Buckets: 256, Text: 1, Geo: 1, MinInit: 3, Iterations: 1, MaxShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Seed on three tweets in one place, then send tweets from two far
	// places with distinct words: one seed cluster would take them all.
	seed := []Point{randPoint(r, 256, 3, 0, 0, 0), randPoint(r, 256, 3, 0.1, 0, 0), randPoint(r, 256, 3, 0, 0.1, 0)}
	m.Update(seed)
	mk := func() []Point {
		var out []Point
		for i := range 100 {
			lon := -100.0
			if i%2 == 1 {
				lon = 100
			}
			out = append(out, randPoint(r, 256, 3, lon, 45, 0))
		}
		return out
	}
	for range 5 {
		m.Update(mk())
	}
	b := mk()
	west, east := map[int]bool{}, map[int]bool{}
	for i := range b {
		if i%2 == 0 {
			west[m.Predict(&b[i])] = true
		} else {
			east[m.Predict(&b[i])] = true
		}
	}
	for c := range west {
		if east[c] {
			t.Fatalf("cluster %d holds both places (west %v, east %v)", c, west, east)
		}
	}
}

func TestDecayEmptyMatchesEmptyBatches(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	o := Options{K: 3, Decay: 0.5, Buckets: 64, Text: 1, Geo: 1, MinInit: 30}
	a, _ := New(o)
	b, _ := New(o)
	batch := make([]Point, 60)
	for i := range batch {
		batch[i] = randPoint(r, 64, 4, r.Float64()*100, r.Float64()*50, 0)
	}
	a.Update(batch)
	b.Update(batch)
	a.DecayEmpty(40)
	for range 40 {
		b.Update(nil)
	}
	wa, wb := a.Weights(), b.Weights()
	for j := range wa {
		if math.Abs(wa[j]-wb[j]) > 1e-12*math.Max(1, wb[j]) {
			t.Fatalf("weights %v, after empty batches %v", wa, wb)
		}
	}
	p := randPoint(r, 64, 4, 10, 10, 0)
	sa, sb := a.Score(&p, nil), b.Score(&p, nil)
	for j := range sa {
		if math.Abs(sa[j]-sb[j]) > 1e-5 {
			t.Fatalf("scores %v, after empty batches %v", sa, sb)
		}
	}
}

func TestNearestFromManyGoroutines(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	m, _ := New(Options{K: 5, Decay: 0.6, Buckets: 512, Text: 1, Geo: 1, MinInit: 50})
	pts := make([]Point, 400)
	for i := range pts {
		pts[i] = randPoint(r, 512, 4, r.Float64()*300-150, r.Float64()*120-60, 0)
	}
	m.Update(pts)
	want := make([]int, len(pts))
	for i := range pts {
		want[i] = m.Predict(&pts[i])
	}
	var wg sync.WaitGroup
	errs := make(chan int, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []float64
			for i := range pts {
				var c int
				if c, buf = m.Nearest(&pts[i], buf); c != want[i] {
					errs <- i
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for i := range errs {
		t.Fatalf("point %d: concurrent Nearest disagrees with Predict", i)
	}
}

func TestValidate(t *testing.T) {
	bad := []Options{
		{K: 0, Text: 1},
		{K: 2, Decay: 1.5, Text: 1},
		{K: 2, Decay: 0.5, Buckets: 100, Text: 1},
		{K: 2, Decay: 0.5},
		{K: 2, Decay: 0.5, Text: -1, Geo: 2},
		{K: 2, Decay: 0.5, Text: math.Inf(1)},
		{K: 2, Decay: 0.5, Text: 1, MaxShare: 2},
		{K: 2, Decay: math.NaN(), Text: 1},
	}
	for _, o := range bad {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := New(Options{K: 2, Decay: 0.5, Geo: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestBeforeSeedingNothingIsPredicted(t *testing.T) {
	m, _ := New(Options{K: 3, Decay: 0.6, Buckets: 64, Text: 1, MinInit: 10})
	r := rand.New(rand.NewPCG(1, 1))
	p := randPoint(r, 64, 3, 0, 0, 0)
	m.Update([]Point{p})
	if m.Ready() || m.Predict(&p) != -1 {
		t.Fatal("a model with one point of ten predicts")
	}
}
