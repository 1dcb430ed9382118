package events

import (
	"log/slog"
	"math"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/shared/field"
)

// Defaults for Options.
const (
	// DefaultMinPosts is the fewest posts an event is flagged with.
	DefaultMinPosts = 8
	// DefaultSensitivity is the largest chance, at the expected rate, of a
	// slide at least as busy, that is flagged.
	DefaultSensitivity = 1e-6
	// DefaultHalfLife is how long after which a slide counts half as much
	// in the expected rates.
	DefaultHalfLife = 10 * time.Minute
	// DefaultMinMapped is the fewest posts on the map in one place that
	// place a burst.
	DefaultMinMapped = 4
	// DefaultMaxEvents is how many events are followed at once.
	DefaultMaxEvents = 100
)

// Options configure a Detector.
type Options struct {
	// Slide and Window are the pipeline's (window.Config): a count is
	// taken over each window's newest slide, or its two newest.
	Slide, Window time.Duration
	// MinPosts is the fewest posts an event is flagged with
	// [DefaultMinPosts].
	MinPosts int
	// Sensitivity is how unlikely a slide must be to be flagged: the
	// chance, at the rate expected of its words in its place, of a slide
	// with at least as many of its posts [DefaultSensitivity]. Lower flags
	// fewer events.
	Sensitivity float64
	// HalfLife is how fast the expected rates forget: a slide counts half
	// as much this much later [DefaultHalfLife].
	HalfLife time.Duration
	// MinMapped is the fewest posts on the map in one place, sharing a
	// word, that place a burst [DefaultMinMapped].
	MinMapped int
	// MaxEvents is how many events are followed at once [DefaultMaxEvents].
	MaxEvents int
	// Logger gets a line for each surge in no one place, and at debug
	// level one for each place looked at.
	Logger *slog.Logger
}

// DefaultOptions are the defaults, for windows of the given slide and
// length.
func DefaultOptions(slide, window time.Duration) Options {
	return Options{Slide: slide, Window: window, MinPosts: DefaultMinPosts, Sensitivity: DefaultSensitivity,
		HalfLife: DefaultHalfLife, MinMapped: DefaultMinMapped, MaxEvents: DefaultMaxEvents}
}

// Validate checks the options.
func (o *Options) Validate() error {
	switch {
	case o.Slide <= 0 || o.Window < o.Slide:
		return field.Errorf("Slide", "must be positive and no longer than the window")
	case o.MinPosts < 1:
		return field.Errorf("MinPosts", "must be at least 1")
	case !(o.Sensitivity > 0 && o.Sensitivity < 1):
		return field.Errorf("Sensitivity", "must be a chance between 0 and 1, such as 1e-6")
	case o.HalfLife < o.Slide:
		return field.Errorf("HalfLife", "must be at least a slide")
	case o.MinMapped < 2:
		return field.Errorf("MinMapped", "must be at least 2")
	case o.MaxEvents < 1:
		return field.Errorf("MaxEvents", "must be at least 1")
	}
	return nil
}

// Detector finds events in a stream of windows. It is used from one
// goroutine (the pipeline's).
type Detector struct {
	o    Options
	keep float64 // the weight a rate keeps from one slide to the next
	log  *slog.Logger

	slide int64     // the newest window's slide, counted from the first
	last  time.Time // the newest window's end
	// began is when the stream began (the first window's first post), and
	// newestFrom where the newest slide begins.
	began, newestFrom time.Time

	clusters map[int]*rate  // each cluster's posts
	cells    map[cell]*rate // the posts on the map in each cell
	mapped   rate           // the posts on the map
	words    *sketch        // those with each word, in each cell
	vocab    *sketch        // those with each word, anywhere
	hash     wordHash       // how their words are hashed

	// cellWords counts the words in places of the newest slide and the
	// one before.
	cellWords *cellWords

	events []*event
	nextID int
	// matched holds the event each candidate of the last window (a word
	// around a cell) was found to be, so that it is not described again.
	matched map[uint64]*event
	// surges holds the slide in which each cluster's surge in no one place
	// was last seen.
	surges map[int]int64

	flagged, ended, wide int

	// Buffers kept from one window to the next: those of counts.
	recent, loose, buf []*model.Point
	recentAt, scratch  []int32
	hits               []uint8
	// and the keys, words and counts of the newest slide's words in places,
	// for the sketches.
	addKeys, addWords []uint64
	addNs             []int32
	// and the tallies of clusters and cells.
	clusterTallies tallies[int]
	cellTallies    tallies[cell]
	// stateBuf is SaveState's, kept from one checkpoint to the next.
	stateBuf []byte
	// saved says that the state has been saved or loaded: from then on
	// the rates and sketches mark what changes, the touched lists hold the
	// keys of the rates changed since the last save and the gone lists
	// those of the rates forgotten, for SaveChanges.
	saved                         bool
	touchedClusters, goneClusters []int
	touchedCells, goneCells       []cell
}

// New returns a Detector.
func New(o Options) (*Detector, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	keep := math.Exp2(-o.Slide.Seconds() / o.HalfLife.Seconds())
	return &Detector{
		o:        o,
		keep:     keep,
		log:      log,
		clusters: map[int]*rate{},
		cells:    map[cell]*rate{},
		words:    newSketch(sketchBits, keep),
		vocab:    newSketch(sketchBits, keep),
		surges:   map[int]int64{},
		nextID:   1,

		cellWords:      &cellWords{},
		clusterTallies: tallies[int]{hash: clusterKey},
		cellTallies:    tallies[cell]{hash: cellKey},
	}, nil
}

// Stats are a Detector's running totals.
type Stats struct {
	// Flagged and Ended count events, Wide the surges in no one place.
	Flagged, Ended, Wide int
	// Active is how many events are followed, Tracked how many clusters
	// and place cells have an expected rate.
	Active, Tracked int
}

// Stats returns the totals.
func (d *Detector) Stats() Stats {
	return Stats{Flagged: d.flagged, Ended: d.ended, Wide: d.wide, Active: len(d.events),
		Tracked: len(d.clusters) + len(d.cells)}
}

// counts are one window's tallies and the expected rates of what they
// count.
type counts struct {
	clusters *tallies[int]  // and the posts each cluster is expected to hold
	cells    *tallies[cell] // and the posts on the map each cell is expected to hold
	mapped   tally
	// recent holds the posts on the map in the newest slide, and words
	// how many of them, and of the slide before's (the previous window's
	// newest), hold each word in each cell. near caches
	// counts.neighbours.
	recent   []*model.Point
	recentAt []int32        // their cells' index in cells
	loose    []*model.Point // the newest slide's posts in a cluster but not on the map
	words    *cellWords
	hash     wordHash // the Detector's
	near     map[cell][]cell
	// scratch and buf are holding's and its callers', hits holders'.
	scratch []int32
	buf     []*model.Point
	hits    []uint8

	mappedMu float64
	watched  float64 // the weight of the history in the sketches
}

// Observe reads one window, after the model has assigned and summarized
// it, and returns the events active in it, in the order they were first
// flagged (an empty list when there are none). It does not keep r or its
// points.
func (d *Detector) Observe(r *model.Result) []model.Event {
	if !d.last.IsZero() {
		n := max(int64(math.Round(float64(r.End.Sub(d.last))/float64(d.o.Slide))), 1)
		d.slide += n
		if n > quietSlides { // a gap: whatever was happening is over
			for _, e := range d.events {
				if e.ID != 0 {
					d.ended++
				}
			}
			d.events = d.events[:0]
		}
	}
	d.last = r.End
	d.newestFrom = r.End.Add(-d.o.Slide)
	prevFrom := d.newestFrom.Add(-d.o.Slide)
	if d.began.IsZero() {
		for _, p := range r.Points {
			if d.began.IsZero() || p.Time().Before(d.began) {
				d.began = p.Time()
			}
		}
		if d.began.IsZero() {
			return []model.Event{}
		}
	}

	words := d.cellWords
	words.begin(d.slide)
	d.clusterTallies.reset()
	d.cellTallies.reset()
	w := &counts{clusters: &d.clusterTallies, cells: &d.cellTallies, words: words, hash: d.hash,
		recent: d.recent[:0], recentAt: d.recentAt[:0], loose: d.loose[:0],
		scratch: d.scratch[:0], buf: d.buf[:0], hits: d.hits}
	defer func() {
		// Their memory is the next window's; the points are not kept.
		clear(w.recent)
		clear(w.loose)
		d.recent, d.recentAt, d.loose = w.recent[:0], w.recentAt[:0], w.loose[:0]
		d.scratch, d.buf, d.hits = w.scratch[:0], w.buf[:0], w.hits // hits are all 0 again
	}()
	prev, newest := model.StampOf(prevFrom), model.StampOf(d.newestFrom)
	for _, p := range r.Points {
		at := p.Stamp()
		if p.Cluster < 0 || at < prev {
			continue // only the two newest slides are counted
		}
		slot := 1
		if at >= newest {
			slot = 0
		}
		w.clusters.addHashed(p.Cluster, clusterKey(p.Cluster), slot)
		if !cityLevel(p) {
			if slot == 0 {
				w.loose = append(w.loose, p)
			}
			continue
		}
		g := cellOf(p.Lon, p.Lat)
		ci := w.cells.addHashed(g, cellKey(g), slot)
		w.mapped.add(slot)
		if slot != 0 {
			continue
		}
		post := int32(len(w.recent))
		w.recent, w.recentAt = append(w.recent, p), append(w.recentAt, ci)
		for t := range p.Tokens() {
			if h := w.hash.token(t); h != 0 { // a mention is never tested
				w.words.add(g, h, t, post)
			}
		}
	}
	w.words.done()
	w.near = make(map[cell][]cell, len(w.cells.keys))
	expectations(d, d.clusters, &d.touchedClusters, w.clusters, true)
	expectations(d, d.cells, &d.touchedCells, w.cells, false)
	w.mappedMu = d.expected(&d.mapped)
	w.watched = d.watched()

	var cands []candidate
	if d.newestFrom.Sub(d.began) >= max(d.o.Window-d.o.Slide, d.o.HalfLife/4) { // enough history
		cands = d.candidates(r, w)
	}
	active := d.follow(r, w, cands)

	observeAll(d, w.clusters)
	observeAll(d, w.cells)
	d.observe(&d.mapped, w.mapped.newest)
	keys, hws, ns := d.addKeys[:0], d.addWords[:0], d.addNs[:0]
	for _, cw := range w.words.all {
		if cw.word == 0 {
			continue // mentions
		}
		keys, hws, ns = append(keys, cw.key), append(hws, cw.word), append(ns, cw.n)
	}
	d.words.addAll(keys, ns, d.slide)
	d.vocab.addAll(hws, ns, d.slide)
	d.addKeys, d.addWords, d.addNs = keys, hws, ns
	if d.slide%pruneEvery == 0 {
		d.prune()
	}
	return active
}

// sketchBits sizes the sketches of words in places and of words anywhere:
// 2^20 counts, 4 MB, each.
const sketchBits = 20

// wordHere returns how many posts on the map a slide held a word (hashed
// h) in cell g, before the newest slide.
func (d *Detector) wordHere(h uint64, g cell, w *counts) float64 {
	if w.watched == 0 {
		return 0
	}
	return d.words.get(hashAt(h, g), d.slide-1) / w.watched
}

// wordAnywhere returns how many posts on the map a slide held a word
// (hashed h), before the newest slide.
func (d *Detector) wordAnywhere(h uint64, w *counts) float64 {
	if w.watched == 0 {
		return 0
	}
	return d.vocab.get(h, d.slide-1) / w.watched
}

// pruneEvery is how often, in slides, faded rates are forgotten.
const pruneEvery = 30

func (d *Detector) prune() {
	pruneRates(d, d.clusters, &d.touchedClusters, &d.goneClusters)
	pruneRates(d, d.cells, &d.touchedCells, &d.goneCells)
	for k, at := range d.surges {
		if d.slide-at > quietSlides {
			delete(d.surges, k)
		}
	}
}
