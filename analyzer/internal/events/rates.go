package events

import "math"

// rate is an expected number of posts a slide: a mean of the slides seen,
// each weighing keep times the next (sum/weight), as of slide at.
type rate struct {
	sum, weight float64
	at          int64
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

func get[K comparable](m map[K]*tally, k K) *tally {
	t := m[k]
	if t == nil {
		t = &tally{}
		m[k] = t
	}
	return t
}

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

// watched is the weight of the slides the detector has watched before the
// newest.
func (d *Detector) watched() float64 {
	n := min(float64(d.slide), d.newestFrom.Sub(d.began).Seconds()/d.o.Slide.Seconds())
	return (1 - math.Pow(d.keep, max(n, 0))) / (1 - d.keep)
}

// expectations returns each key's expected rate for the newest slide,
// making a rate for each key seen for the first time: with fresh, at the
// rate of the window's older slides (a cluster the model has just opened
// holds posts that were in others before); otherwise as a key that has
// held nothing as long as the detector has watched (a place or a word new
// here).
func expectations[K comparable](d *Detector, rates map[K]*rate, seen map[K]*tally, fresh bool) map[K]float64 {
	out := make(map[K]float64, len(seen))
	for k, t := range seen {
		r := rates[k]
		if r == nil {
			r = &rate{weight: d.watched(), at: d.slide - 1}
			if fresh {
				r.sum, r.weight = d.older(t.prev)
			}
			rates[k] = r
		}
		out[k] = d.expected(r)
	}
	return out
}

// older returns the posts of the slide before the newest, as if that
// many posts had been seen in a slide (none before the stream began).
func (d *Detector) older(n int) (sum, slides float64) {
	if d.newestFrom.Sub(d.began) < d.o.Slide {
		return 0, 0
	}
	return float64(n), 1
}

func observeAll[K comparable](d *Detector, rates map[K]*rate, seen map[K]*tally) {
	for k, t := range seen {
		d.observe(rates[k], t.newest)
	}
}

// forget is the expected rate below which a rate is forgotten: a key no
// longer seen is dropped, so memory is bounded on an endless stream.
const forget = 0.01

func pruneRates[K comparable](d *Detector, rates map[K]*rate) {
	for k, r := range rates {
		if d.expected(r) < forget {
			delete(rates, k)
		}
	}
}

// tail is the chance that a Poisson variable of mean mu is at least k.
// Only small chances matter: at or below the mean it returns 1.
func tail(k, mu float64) float64 {
	if k <= mu {
		return 1
	}
	// The terms from k on fall at least as fast as a geometric series of
	// ratio mu/(k+1); sum them until they no longer count.
	lg, _ := math.Lgamma(k + 1)
	term := math.Exp(k*math.Log(mu) - mu - lg)
	sum := term
	for i := k + 1; term > sum*1e-12 && i < k+10000; i++ {
		term *= mu / i
		sum += term
	}
	return min(sum, 1)
}
