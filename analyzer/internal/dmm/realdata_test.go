package dmm

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/eval"
	"github.com/geostream/geostream/analyzer/internal/features"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/analyzer/internal/spherical"
	"github.com/geostream/geostream/analyzer/internal/text"
	"github.com/geostream/geostream/analyzer/internal/window"
	"github.com/geostream/geostream/shared/tweet"
)

// TestRealData scores the model on labelled captures kept outside the
// repository (other people's posts). It runs only when
// GEOSTREAM_REALDATA_DMM names their directory, which holds
// mstream/{tweets,tweets-t,news,news-t}.jsonl and x/mixed-v1.jsonl, each
// with its .labels.tsv. Other variables:
//
//	GEOSTREAM_DMM_SETS   sets to run, comma-separated (default: all):
//	                     tweets news tweets-t news-t x hard retime
//	GEOSTREAM_DMM_HARD   a scraper synth --hard capture (its labels
//	                     beside it as .labels.tsv), for the set "hard"
//	GEOSTREAM_DMM_FLAGS  options as flags, e.g. "-alpha 0.05 -sweeps 2"
//	GEOSTREAM_DMM_SEEDS  seeds, comma-separated (default 1,2,3)
//	GEOSTREAM_DMM_EXTRA  another capture (labels beside it), the set "extra"
//	GEOSTREAM_DMM_SPHERICAL=1  also run today's spherical k-means (k 15,
//	                     geo weight 2, hashtags 2) on the same batches,
//	                     side by side
//
// Run: GEOSTREAM_REALDATA_DMM=/work/realdata go test -run TestRealData -v
// ./analyzer/internal/dmm/
func TestRealData(t *testing.T) {
	dir := os.Getenv("GEOSTREAM_REALDATA_DMM")
	if dir == "" {
		t.Skip("GEOSTREAM_REALDATA_DMM not set")
	}
	minute := window.Config{Batch: time.Minute, Window: time.Minute, Slide: time.Minute}
	sets := []realSet{
		{name: "tweets", path: filepath.Join(dir, "mstream/tweets.jsonl"), layout: minute},
		{name: "news", path: filepath.Join(dir, "mstream/news.jsonl"), layout: minute},
		{name: "tweets-t", path: filepath.Join(dir, "mstream/tweets-t.jsonl"), layout: minute},
		{name: "news-t", path: filepath.Join(dir, "mstream/news-t.jsonl"), layout: minute},
		{name: "x", path: filepath.Join(dir, "x/mixed-v1.jsonl"), layout: window.DefaultConfig(), ignore: ""},
		{name: "hard", path: os.Getenv("GEOSTREAM_DMM_HARD"), layout: window.DefaultConfig(), ignore: "filler"},
		{name: "retime", path: filepath.Join(dir, "mstream/tweets.jsonl"), layout: window.DefaultConfig(), retime: 30 * time.Minute},
		{name: "extra", path: os.Getenv("GEOSTREAM_DMM_EXTRA"), layout: window.DefaultConfig(), ignore: "filler"},
	}
	spherical := os.Getenv("GEOSTREAM_DMM_SPHERICAL") != ""
	want := map[string]bool{}
	if s := os.Getenv("GEOSTREAM_DMM_SETS"); s != "" {
		for _, n := range strings.Split(s, ",") {
			want[strings.TrimSpace(n)] = true
		}
	}
	seeds := []uint64{1, 2, 3}
	if s := os.Getenv("GEOSTREAM_DMM_SEEDS"); s != "" {
		seeds = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil {
				t.Fatalf("GEOSTREAM_DMM_SEEDS: %v", err)
			}
			seeds = append(seeds, n)
		}
	}
	opts := DefaultOptions()
	fs := flag.NewFlagSet("dmm", flag.ContinueOnError)
	opts.Flags(fs)
	if err := fs.Parse(strings.Fields(os.Getenv("GEOSTREAM_DMM_FLAGS"))); err != nil {
		t.Fatalf("GEOSTREAM_DMM_FLAGS: %v", err)
	}
	t.Logf("options %+v", opts)
	for _, set := range sets {
		if len(want) > 0 && !want[set.name] || set.path == "" {
			continue
		}
		posts, labels := readSet(t, set)
		var sum realScores
		for _, seed := range seeds {
			o := opts
			o.Seed = seed
			m, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			r := runSet(t, set, dmmModel{m}, posts, labels)
			t.Logf("%-8s seed %d: %s", set.name, seed, r)
			sum.add(r)
		}
		sum.div(len(seeds))
		t.Logf("%-8s mean: %s", set.name, sum)
		if spherical {
			var sum realScores
			for _, seed := range seeds {
				r := runSet(t, set, newSphericalModel(t, seed), posts, labels)
				sum.add(r)
			}
			sum.div(len(seeds))
			t.Logf("%-8s spherical: %s", set.name, sum)
		}
	}
}

// realSet is one labelled capture and how to cut it.
type realSet struct {
	name, path string
	layout     window.Config
	ignore     string        // label left out of the scores
	retime     time.Duration // if set, spread the posts evenly over this long
}

// realPost is a decoded post, before featurizing.
type realPost struct {
	id       string
	at       time.Time
	tokens   []string
	located  tweet.GeoSource
	lon, lat float64
}

func readSet(t *testing.T, set realSet) ([]realPost, map[string]string) {
	t.Helper()
	labels, err := eval.ReadLabels(strings.TrimSuffix(set.path, ".jsonl") + ".labels.tsv")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(set.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var dec tweet.Decoder
	var posts []realPost
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		tw, err := dec.Decode(sc.Bytes())
		if err != nil || tw.Kind != tweet.KindTweet || tw.CreatedAt.IsZero() {
			continue
		}
		posts = append(posts, realPost{id: tw.ID, at: tw.CreatedAt, tokens: text.Tokenize(nil, tw.Text),
			located: tw.Geo, lon: tw.Lon, lat: tw.Lat})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if set.retime > 0 && len(posts) > 0 {
		start := posts[0].at
		for i := range posts {
			posts[i].at = start.Add(time.Duration(int64(set.retime) * int64(i) / int64(len(posts))))
		}
	}
	return posts, labels
}

// realScores are the means over windows of one run.
type realScores struct {
	windows                     float64
	nmi, ari, h, c, largest     float64
	maxLargest                  float64
	clusters                    float64 // clusters a window
	keep                        float64 // share of posts keeping their id from one window to the next
	topicKeep                   float64 // share of topics keeping their main id
	usPerPost                   float64 // Train's CPU time per post
	assignUs                    float64 // Assign's CPU time per post trained
	skipped                     float64
	revived, revivedSame, fresh float64
}

func (r *realScores) add(o realScores) {
	r.windows += o.windows
	r.nmi += o.nmi
	r.ari += o.ari
	r.h += o.h
	r.c += o.c
	r.largest += o.largest
	r.maxLargest = max(r.maxLargest, o.maxLargest)
	r.clusters += o.clusters
	r.keep += o.keep
	r.topicKeep += o.topicKeep
	r.usPerPost += o.usPerPost
	r.assignUs += o.assignUs
	r.skipped += o.skipped
	r.revived += o.revived
	r.revivedSame += o.revivedSame
	r.fresh += o.fresh
}

func (r *realScores) div(n int) {
	f := float64(n)
	r.windows /= f
	r.nmi /= f
	r.ari /= f
	r.h /= f
	r.c /= f
	r.largest /= f
	r.clusters /= f
	r.keep /= f
	r.topicKeep /= f
	r.usPerPost /= f
	r.assignUs /= f
	r.skipped /= f
	r.revived /= f
	r.revivedSame /= f
	r.fresh /= f
}

func (r realScores) String() string {
	s := fmt.Sprintf("NMI %.3f ARI %.3f H %.3f C %.3f largest %.3f (max %.3f) clusters %.1f windows %.0f  %.2f cpu-µs/post (assign %.2f) skipped %.0f",
		r.nmi, r.ari, r.h, r.c, r.largest, r.maxLargest, r.clusters, r.windows, r.usPerPost, r.assignUs, r.skipped)
	if r.keep > 0 {
		s += fmt.Sprintf("  keep %.3f topic-keep %.3f revived %.0f of %.0f new (same topic %.2f)",
			r.keep, r.topicKeep, r.revived, r.fresh, r.revivedSame/max(r.revived, 1))
	}
	return s
}

// harnessModel is the seam's calls the harness makes.
type harnessModel interface {
	Featurize(p *model.Point)
	Train(batch []*model.Point)
	Forget(batch []*model.Point)
	Age(n int64)
	Assign(points []*model.Point, scores []float64)
}

type dmmModel struct{ *Model }

// sphericalModel is today's default model, for comparison.
type sphericalModel struct {
	m     *spherical.Model
	fx    features.Sparse
	pts   map[*model.Point]*spherical.Point
	batch []spherical.Point
	buf   []float64
}

func newSphericalModel(t *testing.T, seed uint64) *sphericalModel {
	m, err := spherical.New(spherical.Options{K: 15, Decay: 0.6, Text: 1, Geo: 2, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return &sphericalModel{m: m, fx: features.Sparse{Buckets: spherical.DefaultBuckets, Hashtag: 2},
		pts: map[*model.Point]*spherical.Point{}}
}

func (s *sphericalModel) Featurize(p *model.Point) {
	terms, vec := s.fx.Vector(p.Lon, p.Lat, p.AppendTokens(nil))
	sp := &spherical.Point{Terms: terms}
	copy(sp.Geo[:], vec[len(vec)-3:])
	s.pts[p] = sp
}

func (s *sphericalModel) Train(batch []*model.Point) {
	s.batch = s.batch[:0]
	for _, p := range batch {
		if sp := s.pts[p]; len(sp.Terms) > 0 {
			s.batch = append(s.batch, *sp)
		}
	}
	s.m.Update(s.batch)
	if !s.m.Ready() {
		s.batch = nil // kept by the model until it is seeded
	}
}

func (s *sphericalModel) Forget(batch []*model.Point) {
	for _, p := range batch {
		delete(s.pts, p)
	}
}

func (s *sphericalModel) Age(n int64) { s.m.DecayEmpty(n) }

func (s *sphericalModel) Assign(points []*model.Point, _ []float64) {
	for _, p := range points {
		p.Cluster = -1
		if sp := s.pts[p]; sp != nil && len(sp.Terms) > 0 {
			p.Cluster, s.buf = s.m.Nearest(sp, s.buf)
		}
	}
}

// runner drives a model through a Slider as the pipeline does.
type runner struct {
	t       *testing.T
	m       harnessModel
	labels  map[string]string
	ignore  string
	sum     realScores
	train   time.Duration // CPU
	assign  time.Duration // CPU
	scores  []float64
	trained int
	// id persistence
	prev      map[*model.Point]int
	prevTopic map[string]int
	keepN     [2]float64
	topicN    [2]float64
	// which topic each id was last given to, to judge revivals
	idTopic map[int]string
}

func (r *runner) Left(b *window.Batch[*model.Point]) { r.m.Forget(b.Items) }

func (r *runner) Batch(b *window.Batch[*model.Point]) {
	d, isDMM := r.m.(dmmModel)
	before := 0
	if isDMM {
		before = d.nextID
	}
	start := cpuTime()
	r.m.Train(b.Items)
	r.train += cpuTime() - start
	r.trained += len(b.Items)
	if isDMM {
		r.judgeRevivals(d.Model, b, before)
	}
}

// judgeRevivals counts the clusters b opened that took an old id, and
// whether the id came back to the topic it had.
func (r *runner) judgeRevivals(m *Model, b *window.Batch[*model.Point], before int) {
	// Judge revivals: a cluster the batch opened that took an old id.
	fresh := map[int]map[string]int{}
	for _, p := range b.Items {
		if p.Cluster < 0 {
			continue
		}
		s := m.idSlot[p.Cluster]
		if m.slots[s].born != m.clock {
			continue
		}
		if fresh[p.Cluster] == nil {
			fresh[p.Cluster] = map[string]int{}
		}
		fresh[p.Cluster][r.labels[p.ID()]]++
	}
	for id, byLabel := range fresh {
		top := majority(byLabel)
		r.sum.fresh++
		if id < before {
			r.sum.revived++
			if r.idTopic[id] == top {
				r.sum.revivedSame++
			}
		}
		r.idTopic[id] = top
	}
}

func (r *runner) Skipped(n int64) { r.m.Age(n) }

func (r *runner) Window(w *window.Window[*model.Point]) {
	var points []*model.Point
	for _, b := range w.Batches {
		points = append(points, b.Items...)
	}
	if cap(r.scores) < len(points) {
		r.scores = make([]float64, len(points))
	}
	start := cpuTime()
	r.m.Assign(points, r.scores[:len(points)])
	r.assign += cpuTime() - start
	var truth []string
	var pred []int
	sizes := map[int]int{}
	clustered := 0
	topics := map[string]map[int]int{}
	cur := map[*model.Point]int{}
	for _, p := range points {
		cur[p] = p.Cluster
		if p.Cluster < 0 {
			continue
		}
		if c, ok := r.prev[p]; ok {
			r.keepN[1]++
			if c == p.Cluster {
				r.keepN[0]++
			}
		}
		sizes[p.Cluster]++
		clustered++
		l, ok := r.labels[p.ID()]
		if !ok || l == r.ignore {
			continue
		}
		truth = append(truth, l)
		pred = append(pred, p.Cluster)
		if topics[l] == nil {
			topics[l] = map[int]int{}
		}
		topics[l][p.Cluster]++
	}
	cur2 := map[string]int{}
	for l, byID := range topics {
		n := 0
		for _, c := range byID {
			n += c
		}
		if n < 3 {
			continue
		}
		best, bn := -1, 0
		for id, c := range byID {
			if c > bn || c == bn && id < best {
				best, bn = id, c
			}
		}
		cur2[l] = best
		if old, ok := r.prevTopic[l]; ok {
			r.topicN[1]++
			if old == best {
				r.topicN[0]++
			}
		}
	}
	r.prev, r.prevTopic = cur, cur2
	if len(truth) < 2 {
		return
	}
	sc := eval.Score(truth, pred)
	largest := 0.0
	for _, n := range sizes {
		largest = max(largest, float64(n)/float64(clustered))
	}
	r.sum.windows++
	r.sum.nmi += sc.NMI
	r.sum.ari += sc.ARI
	r.sum.h += sc.Homogeneity
	r.sum.c += sc.Completeness
	r.sum.largest += largest
	r.sum.maxLargest = max(r.sum.maxLargest, largest)
	r.sum.clusters += float64(len(sizes))
}

func majority(byLabel map[string]int) string {
	best, bn := "", -1
	for l, n := range byLabel {
		if n > bn || n == bn && l < best {
			best, bn = l, n
		}
	}
	return best
}

func runSet(t *testing.T, set realSet, m harnessModel, posts []realPost, labels map[string]string) realScores {
	t.Helper()
	r := &runner{t: t, m: m, labels: labels, ignore: set.ignore,
		idTopic: map[int]string{}}
	s := window.NewSlider[*model.Point](set.layout)
	for _, rp := range posts {
		p := modeltest.WithTokens(modeltest.WithID(&model.Point{Located: rp.located, Lon: rp.lon, Lat: rp.lat, Cluster: -1}, rp.id), rp.tokens)
		p.SetTime(rp.at)
		m.Featurize(p)
		s.Advance(rp.at, r)
		s.Add(rp.at, p, model.Counts{Tweets: 1})
	}
	s.Flush(r)
	sum := r.sum
	if sum.windows > 0 {
		n := sum.windows
		sum.nmi /= n
		sum.ari /= n
		sum.h /= n
		sum.c /= n
		sum.largest /= n
		sum.clusters /= n
	}
	if r.keepN[1] > 0 {
		sum.keep = r.keepN[0] / r.keepN[1]
	}
	if r.topicN[1] > 0 {
		sum.topicKeep = r.topicN[0] / r.topicN[1]
	}
	sum.usPerPost = float64(r.train.Microseconds()) / math.Max(1, float64(r.trained))
	sum.assignUs = float64(r.assign.Microseconds()) / math.Max(1, float64(r.trained))
	if d, ok := m.(dmmModel); ok {
		sum.skipped = float64(d.Skipped())
	}
	return sum
}
