package events

import "math"

// rate is an expected number of posts a slide: a mean of the slides seen,
// each weighing keep times the next (sum/weight), as of slide at.
type rate struct {
	sum, weight float64
	at          int64
	changed     bool // since the detector's state was last saved (touch)
}

// tally counts a window's posts: in its newest slide, the one before, and
// the older ones.
type tally struct{ newest, prev, older int }

func (t *tally) add(slot int) {
	switch slot {
	case 0:
		t.newest++
	case 1:
		t.prev++
	default:
		t.older++
	}
}

// tallies counts a window's posts by key (a cluster, a cell), with the
// rate each key is expected at; it keeps its memory from one window to
// the next.
type tallies[K comparable] struct {
	// at holds the index of each key and one, by hash, as its count.
	at   cwTable
	hash func(K) uint64 // a key's, one to one
	keys []K
	t    []tally
	mu   []float64 // the expected posts in the newest slide
	r    []*rate   // the key's rate, from expectations on
}

// reset empties ts, keeping its memory.
func (ts *tallies[K]) reset() {
	ts.at.reset(0)
	clear(ts.r)
	ts.keys, ts.t, ts.mu, ts.r = ts.keys[:0], ts.t[:0], ts.mu[:0], ts.r[:0]
}

// addHashed counts a post of key k, hashed h (ts.hash(k)), in the
// window's slot (0: the newest slide), and returns k's index in keys. The
// caller hashes: no call through ts.hash for each post.
func (ts *tallies[K]) addHashed(k K, h uint64, slot int) int32 {
	if 2*(ts.at.size()+1) > len(ts.at.slot) {
		ts.at.grow(64)
	}
	i := ts.at.find(h)
	s := &ts.at.slot[i]
	if s.n == 0 {
		ts.at.put(i, cwSlot{key: h, n: int32(len(ts.keys)) + 1})
		ts.keys, ts.t = append(ts.keys, k), append(ts.t, tally{})
	}
	ts.t[s.n-1].add(slot)
	return s.n - 1
}

// index returns k's index in keys, or -1.
func (ts *tallies[K]) index(k K) int32 {
	if ts.at.size() == 0 {
		return -1
	}
	return ts.at.slot[ts.at.find(ts.hash(k))].n - 1
}

// has says whether the window holds posts of k.
func (ts *tallies[K]) has(k K) bool { return ts.index(k) >= 0 }

// get returns k's tally.
func (ts *tallies[K]) get(k K) tally {
	if i := ts.index(k); i >= 0 {
		return ts.t[i]
	}
	return tally{}
}

// expected returns the posts of k expected in the newest slide (0 for a
// key the window does not hold).
func (ts *tallies[K]) expected(k K) float64 {
	if i := ts.index(k); i >= 0 {
		return ts.mu[i]
	}
	return 0
}

// clusterKey and cellKey are tallies' keys as numbers, one to one.
func clusterKey(c int) uint64 { return uint64(c) }
func cellKey(g cell) uint64   { return uint64(uint32(g.i))<<32 | uint64(uint32(g.j)) }

// age brings r to the slide before d.slide: the slides in between held
// nothing.
func (d *Detector) age(r *rate) {
	if n := d.slide - 1 - r.at; n > 0 {
		k := math.Pow(d.keep, float64(n))
		r.sum *= k
		r.weight = k*r.weight + (1-k)/(1-d.keep)
		r.at = d.slide - 1
	}
}

// expected returns r's expected rate for the newest slide (0 with no
// history).
func (d *Detector) expected(r *rate) float64 {
	d.age(r)
	if r.weight == 0 {
		return 0
	}
	return r.sum / r.weight
}

// observe adds the newest slide's count to r.
func (d *Detector) observe(r *rate, n int) {
	d.age(r)
	r.sum = d.keep*r.sum + float64(n)
	r.weight = d.keep*r.weight + 1
	r.at = d.slide
}

// touch marks the rate of key k as changed since the detector's state was
// last saved, once it has been saved, adding k to touched the first time.
func touch[K comparable](d *Detector, r *rate, k K, touched *[]K) {
	if d.saved && !r.changed {
		r.changed = true
		*touched = append(*touched, k)
	}
}

// watched is the weight of the slides the detector has watched before the
// newest.
func (d *Detector) watched() float64 {
	n := min(float64(d.slide), d.newestFrom.Sub(d.began).Seconds()/d.o.Slide.Seconds())
	return (1 - math.Pow(d.keep, max(n, 0))) / (1 - d.keep)
}

// expectations sets each key's expected rate for the newest slide,
// making a rate for each key seen for the first time: with fresh, at the
// rate of the window's older slides (a cluster the model has just opened
// holds posts that were in others before); otherwise as a key that has
// held nothing as long as the detector has watched (a place or a word new
// here).
func expectations[K comparable](d *Detector, rates map[K]*rate, touched *[]K, seen *tallies[K], fresh bool) {
	for i, k := range seen.keys {
		r := rates[k]
		if r == nil {
			r = &rate{weight: d.watched(), at: d.slide - 1}
			if fresh {
				r.sum, r.weight = d.older(seen.t[i].prev)
			}
			rates[k] = r
		}
		touch(d, r, k, touched) // aged now, observed after
		seen.r = append(seen.r, r)
		seen.mu = append(seen.mu, d.expected(r))
	}
}

// older returns the posts of the slide before the newest, as if that
// many posts had been seen in a slide (none before the stream began).
func (d *Detector) older(n int) (sum, slides float64) {
	if d.newestFrom.Sub(d.began) < d.o.Slide {
		return 0, 0
	}
	return float64(n), 1
}

// observeAll adds the newest slide's counts to the rates, after
// expectations.
func observeAll[K comparable](d *Detector, seen *tallies[K]) {
	for i, r := range seen.r {
		d.observe(r, seen.t[i].newest)
	}
}

// forget is the expected rate below which a rate is forgotten: a key no
// longer seen is dropped, so memory is bounded on an endless stream.
const forget = 0.01

// pruneRates forgets the rates that faded, adding their keys to gone
// once the detector's state has been saved (SaveChanges writes them); the
// others it ages, so they change.
func pruneRates[K comparable](d *Detector, rates map[K]*rate, touched, gone *[]K) {
	for k, r := range rates {
		if d.expected(r) >= forget {
			touch(d, r, k, touched)
			continue
		}
		delete(rates, k)
		if d.saved {
			*gone = append(*gone, k)
		}
	}
}

// tailUnder is the chance that a Poisson variable of mean mu is at least
// k, for a caller that only asks whether it is under limit: exact when it
// is, and at least limit otherwise, without summing further terms once
// they reach limit (near the mean, hundreds of them). Only small chances
// matter: at or below the mean it returns 1.
func tailUnder(k, mu, limit float64) float64 {
	if k <= mu {
		return 1
	}
	// The terms from k on fall at least as fast as a geometric series of
	// ratio mu/(k+1); sum them until they no longer count.
	lg, _ := math.Lgamma(k + 1)
	term := math.Exp(k*math.Log(mu) - mu - lg)
	sum := term
	for i := k + 1; term > sum*1e-12 && i < k+10000 && sum < limit; i++ {
		term *= mu / i
		sum += term
	}
	return min(sum, 1)
}
