package dmm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
	"github.com/geostream/geostream/shared/tweet"
)

// words returns n made-up words with prefix.
func words(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// post is a featurized point with the given words and place.
func post(m *Model, id string, tokens []string, lon, lat float64) *model.Point {
	p := modeltest.WithTokens(modeltest.WithID(&model.Point{Lon: lon, Lat: lat, Cluster: -1}, id), tokens)
	if !math.IsNaN(lon) {
		p.Located = tweet.GeoPoint
	}
	m.Featurize(p)
	return p
}

// topicBatch makes n posts, each of 3 words of its topic's 8 and 2 of a
// shared 40, topics taken in turn.
func topicBatch(m *Model, rng *rand.Rand, batch, n int, topics []string) []*model.Point {
	shared := words("common", 40)
	var out []*model.Point
	for i := range n {
		topic := topics[i%len(topics)]
		own := words(topic, 8)
		var toks []string
		for range 3 {
			toks = append(toks, own[rng.IntN(len(own))])
		}
		for range 2 {
			toks = append(toks, shared[rng.IntN(len(shared))])
		}
		out = append(out, post(m, fmt.Sprintf("%d-%d-%s", batch, i, topic), toks, math.NaN(), 0))
	}
	return out
}

// checkCounts rebuilds every count from the batches the model holds and
// compares them with the model's.
func checkCounts(t *testing.T, m *Model) {
	t.Helper()
	type key struct {
		slot int32
		id   uint32
	}
	want := map[key]int64{}
	totals := map[uint32]int64{}
	posts := map[int32]int{}
	weights := map[int32]int64{}
	held := 0
	for _, r := range m.held {
		for i, s := range r.slot {
			if s < 0 {
				if r.off[i] != r.off[i+1] {
					t.Fatal("a post with terms in no cluster")
				}
				continue
			}
			held++
			posts[s]++
			for _, q := range r.terms[r.off[i]:r.off[i+1]] {
				id := m.postings[q.p].id
				want[key{s, id}] += int64(q.w)
				totals[id] += int64(q.w)
				weights[s] += int64(q.w)
			}
		}
	}
	if held != m.posts {
		t.Fatalf("model counts %d posts, holds %d", m.posts, held)
	}
	if len(totals) != len(m.terms) {
		t.Fatalf("model has %d terms, holds %d", len(m.terms), len(totals))
	}
	got := map[key]int64{}
	for id, pi := range m.terms {
		p := m.postings[pi]
		if !p.live || p.id != id || p.total != totals[id] {
			t.Fatalf("term %x: posting %+v, want total %d", id, p, totals[id])
		}
		for _, e := range p.list {
			if e.n <= 0 {
				t.Fatalf("term %x: empty entry %+v", id, e)
			}
			got[key{e.slot, id}] += e.n
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d cluster-term counts, want %d", len(got), len(want))
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("cluster %d term %x: %d, want %d", k.slot, k.id, got[k], n)
		}
	}
	live := 0
	for s, c := range m.slots {
		if !c.live {
			if posts[int32(s)] != 0 {
				t.Fatalf("dead slot %d holds posts", s)
			}
			continue
		}
		live++
		if c.m != posts[int32(s)] || c.n != weights[int32(s)] || c.m == 0 {
			t.Fatalf("slot %d: %d posts weighing %d, holds %d weighing %d", s, c.m, c.n, posts[int32(s)], weights[int32(s)])
		}
		if c.id < 0 || m.idSlot[c.id] != int32(s) {
			t.Fatalf("slot %d: id %d not indexed", s, c.id)
		}
	}
	if live != len(m.idSlot) {
		t.Fatalf("%d live clusters, %d ids", live, len(m.idSlot))
	}
}

func TestForgetExact(t *testing.T) {
	o := DefaultOptions()
	o.HashtagWeight, o.GeoWeight, o.CoarseCell = 1.5, 0.7, 2 // fractional weights
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var batches [][]*model.Point
	for b := range 12 {
		var batch []*model.Point
		for i := range 40 {
			topic := fmt.Sprintf("t%d", (b/3+i)%5)
			toks := []string{topic + "a", topic + "b", "#" + topic, words("w", 30)[rng.IntN(30)]}
			batch = append(batch, post(m, fmt.Sprintf("%d-%d", b, i), toks, float64(rng.IntN(4)), 45))
		}
		batch = append(batch, post(m, fmt.Sprintf("%d-empty", b), nil, 1, 1))
		m.Train(batch)
		checkCounts(t, m)
		batches = append(batches, batch)
		if len(batches) > 6 {
			m.Forget(batches[0])
			batches = batches[1:]
			checkCounts(t, m)
		}
	}
	if m.Len() == 0 {
		t.Fatal("no clusters")
	}
	for _, b := range batches {
		m.Forget(b)
		checkCounts(t, m)
	}
	if m.Len() != 0 || len(m.Clusters()) != 0 || m.posts != 0 || len(m.terms) != 0 || len(m.held) != 0 {
		t.Fatalf("after forgetting everything: %d clusters, %d posts, %d terms, %d batches",
			m.Len(), m.posts, len(m.terms), len(m.held))
	}
	for _, p := range m.postings {
		if p.live || p.total != 0 || len(p.list) != 0 {
			t.Fatalf("posting left: %+v", p)
		}
	}
}

func TestForgetUnknownBatch(t *testing.T) {
	m, _ := New(DefaultOptions())
	rng := rand.New(rand.NewPCG(1, 2))
	a := topicBatch(m, rng, 0, 30, []string{"x", "y"})
	m.Train(a)
	m.Forget(topicBatch(m, rng, 1, 30, []string{"x", "y"})) // never trained
	m.Forget(nil)
	checkCounts(t, m)
	if m.posts != 30 {
		t.Fatalf("%d posts held, want 30", m.posts)
	}
	// Out of order: the newer batch first.
	b := topicBatch(m, rng, 2, 30, []string{"x", "y"})
	m.Train(b)
	m.Forget(b)
	checkCounts(t, m)
	m.Forget(a)
	checkCounts(t, m)
	if m.posts != 0 {
		t.Fatalf("%d posts held, want 0", m.posts)
	}
}

func TestDeterministic(t *testing.T) {
	run := func(seed uint64, gibbs bool) []int {
		o := DefaultOptions()
		o.Seed, o.Gibbs, o.Sweeps = seed, gibbs, 2
		m, _ := New(o)
		rng := rand.New(rand.NewPCG(7, 7))
		var out []int
		var held [][]*model.Point
		for b := range 10 {
			batch := topicBatch(m, rng, b, 60, []string{"p", "q", "r", "s"})
			if len(held) == 3 {
				m.Forget(held[0])
				held = held[1:]
			}
			m.Train(batch)
			held = append(held, batch)
			for _, p := range batch {
				out = append(out, p.Cluster)
			}
		}
		return out
	}
	for _, gibbs := range []bool{false, true} {
		a, b := run(1, gibbs), run(1, gibbs)
		if !slices.Equal(a, b) {
			t.Fatalf("gibbs %v: same seed and input, different clusters", gibbs)
		}
	}
}

func TestIDsNeverReused(t *testing.T) {
	o := DefaultOptions()
	o.Memory = 0
	m, _ := New(o)
	rng := rand.New(rand.NewPCG(3, 4))
	ended := map[int]bool{}
	alive := map[int]bool{}
	var held [][]*model.Point
	for b := range 40 {
		// Topics come and go: each lasts four batches.
		topics := []string{fmt.Sprintf("a%d", b/4), fmt.Sprintf("b%d", (b+2)/4)}
		batch := topicBatch(m, rng, b, 30, topics)
		if len(held) == 2 {
			m.Forget(held[0])
			held = held[1:]
		}
		m.Train(batch)
		held = append(held, batch)
		now := map[int]bool{}
		for _, l := range m.Clusters() {
			if ended[l.ID] {
				t.Fatalf("batch %d: id %d used again", b, l.ID)
			}
			if len(l.From) != 0 {
				t.Fatalf("cluster %d says it came from %v", l.ID, l.From)
			}
			now[l.ID] = true
		}
		for id := range alive {
			if !now[id] {
				ended[id] = true
			}
		}
		alive = now
	}
	if len(ended) < 10 {
		t.Fatalf("only %d clusters ended", len(ended))
	}
}

func TestPostWithoutTerms(t *testing.T) {
	m, _ := New(DefaultOptions())
	empty := post(m, "empty", nil, 1, 1)
	placeOnly := post(m, "place", []string{}, 2, 2)
	p := post(m, "words", []string{"rain", "storm"}, 2, 2)
	batch := []*model.Point{empty, p, placeOnly}
	m.Train(batch)
	if empty.Cluster != -1 || placeOnly.Cluster != -1 || p.Cluster < 0 {
		t.Fatalf("clusters %d %d %d", empty.Cluster, placeOnly.Cluster, p.Cluster)
	}
	if m.Skipped() != 2 {
		t.Fatalf("skipped %d, want 2", m.Skipped())
	}
	scores := make([]float64, 3)
	m.Assign(batch, scores)
	if empty.Cluster != -1 || !math.IsNaN(scores[0]) || math.IsNaN(scores[1]) {
		t.Fatalf("assign: cluster %d, scores %v", empty.Cluster, scores)
	}
	held := len(m.held)
	m.Train(nil) // an empty batch holds nothing, and is never forgotten
	m.Train([]*model.Point{})
	if len(m.held) != held {
		t.Fatalf("%d batches held after empty ones, want %d", len(m.held), held)
	}
	m.Forget(nil)
	m.Forget(batch)
	checkCounts(t, m)
}

// TestScoresAreMStreams checks the sparse scores against MStream's
// probability computed term by term from counts rebuilt from scratch.
func TestScoresAreMStreams(t *testing.T) {
	o := DefaultOptions()
	o.HashtagWeight = 1.5
	o.GeoWeight = 0.7
	m, _ := New(o)
	rng := rand.New(rand.NewPCG(5, 6))
	for b := range 3 {
		var batch []*model.Point
		for i := range 50 {
			toks := []string{words("w", 12)[rng.IntN(12)], words("w", 12)[rng.IntN(12)], "#" + words("h", 4)[rng.IntN(4)]}
			batch = append(batch, post(m, fmt.Sprintf("%d-%d", b, i), toks, float64(rng.IntN(3)), 10))
		}
		m.Train(batch)
	}
	// Counts per cluster, in words.
	counts := map[int32]map[uint32]float64{}
	for _, r := range m.held {
		for i, s := range r.slot {
			if counts[s] == nil {
				counts[s] = map[uint32]float64{}
			}
			for _, q := range r.terms[r.off[i]:r.off[i+1]] {
				counts[s][m.postings[q.p].id] += float64(q.w) / unit
			}
		}
	}
	beta := o.Beta
	vb := float64(len(m.terms)) * beta
	for trial := range 20 {
		toks := []string{words("w", 12)[rng.IntN(12)], words("w", 14)[rng.IntN(14)], "#" + words("h", 4)[rng.IntN(4)], "w1"}
		p := post(m, fmt.Sprint("probe", trial), toks, float64(rng.IntN(3)), 10)
		q := m.quantize(nil, p.Terms(), false)
		total := m.scores(q)
		w := func(t model.Term) float64 { return math.Round(float64(t.W)*unit) / unit }
		logp := func(c map[uint32]float64, size float64, nz float64) float64 {
			// log of m_z Π_w Γ(n_zw+β+c_w)/Γ(n_zw+β) / (Γ(n_z+Vβ+C)/Γ(n_z+Vβ))
			l := math.Log(size)
			for _, t := range p.Terms() {
				a, _ := math.Lgamma(c[t.ID] + beta + w(t))
				b, _ := math.Lgamma(c[t.ID] + beta)
				l += a - b
			}
			a, _ := math.Lgamma(nz + vb + total)
			b, _ := math.Lgamma(nz + vb)
			return l - (a - b)
		}
		// Scores leave out the words' factor in a cluster without them,
		// which every choice shares.
		var ref float64
		for _, t := range p.Terms() {
			ref += lgd(beta, w(t))
		}
		got := map[int32]float64{}
		for _, s := range m.touched {
			got[s] = m.exact(s, total, vb)
			if b := m.bound(s, total, vb); b < got[s] {
				t.Fatalf("cluster %d: bound %v below the score %v", s, b, got[s])
			}
		}
		for s, c := range counts {
			shares := false
			for _, t := range p.Terms() {
				shares = shares || c[t.ID] > 0
			}
			if !shares {
				if _, ok := got[s]; ok {
					t.Fatalf("cluster %d shares no term but was scored", s)
				}
				continue
			}
			want := logp(c, float64(m.slots[s].m), float64(m.slots[s].n)/unit) - ref
			if math.Abs(got[s]-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("cluster %d: score %v, want %v", s, got[s], want)
			}
		}
	}
}

// TestChooseSamples checks that choose draws each cluster, and a new one,
// with its probability.
func TestChooseSamples(t *testing.T) {
	m, _ := New(DefaultOptions())
	// Two posts with no word in common: two clusters.
	a := post(m, "a", []string{"rain", "storm"}, math.NaN(), 0)
	b := post(m, "b", []string{"sun", "cloud"}, math.NaN(), 0)
	m.Train([]*model.Point{a})
	m.Train([]*model.Point{b})
	if a.Cluster == b.Cluster {
		t.Fatal("posts with no word in common in one cluster")
	}
	probe := post(m, "probe", []string{"rain", "sun", "wind"}, math.NaN(), 0)
	q := m.quantize(nil, probe.Terms(), false)
	vb := float64(len(m.terms)) * m.opts.Beta
	logAlpha := math.Log(1.0) // a new cluster as likely as a post's
	total := m.scores(q)
	w := map[int32]float64{-1: math.Exp(logAlpha - lgd(vb, total))}
	var sum float64
	for _, s := range m.touched {
		w[s] = math.Exp(m.exact(s, total, vb))
	}
	for _, x := range w {
		sum += x
	}
	const n = 200000
	seen := map[int32]int{}
	for range n {
		c, _ := m.choose(q, vb, logAlpha, false)
		seen[c]++
	}
	if len(w) != 3 {
		t.Fatalf("choices %v", w)
	}
	for s, x := range w {
		p := x / sum
		got := float64(seen[s]) / n
		if sd := math.Sqrt(p * (1 - p) / n); math.Abs(got-p) > 5*sd+1e-9 {
			t.Errorf("choice %d drawn %.4f of the time, want %.4f", s, got, p)
		}
	}
	// Greedy takes the most probable.
	best, bw := int32(-2), -1.0
	for s, x := range w {
		if x > bw {
			best, bw = s, x
		}
	}
	if got, _ := m.choose(q, vb, logAlpha, true); got != best {
		t.Errorf("greedy chose %d, want %d", got, best)
	}
}

func TestLgd(t *testing.T) {
	for _, x := range []float64{0.01, 0.03, 1, 7.5, 1e3, 1e6} {
		for _, c := range []float64{0, 0.25, 1, 1.75, 2, 5, 40, 300.5} {
			a, _ := math.Lgamma(x + c)
			b, _ := math.Lgamma(x)
			if got := lgd(x, c); math.Abs(got-(a-b)) > 1e-9*math.Max(1, math.Abs(a-b)) {
				t.Errorf("lgd(%v, %v) = %v, want %v", x, c, got, a-b)
			}
		}
	}
}

func TestAssign(t *testing.T) {
	m, _ := New(DefaultOptions())
	rng := rand.New(rand.NewPCG(9, 9))
	batch := topicBatch(m, rng, 0, 80, []string{"rain", "goal"})
	m.Train(batch)
	before := make([]int, len(batch))
	for i, p := range batch {
		before[i] = p.Cluster
	}
	// A point the model never saw goes where its words are.
	stranger := post(m, "stranger", []string{"rain1", "rain2", "rain3"}, math.NaN(), 0)
	outsider := post(m, "outsider", []string{"zzz"}, math.NaN(), 0)
	points := append(slices.Clone(batch), stranger, outsider)
	scores := make([]float64, len(points))
	m.Assign(points, scores)
	for i, p := range batch {
		if p.Cluster != before[i] {
			t.Fatalf("point %d moved from %d to %d", i, before[i], p.Cluster)
		}
	}
	rain := map[int]bool{} // the clusters of the rain posts
	rainCluster := -1
	for _, p := range batch {
		if strings.HasSuffix(p.ID(), "rain") {
			rain[p.Cluster] = true
			rainCluster = p.Cluster
		} else if rain[p.Cluster] {
			t.Fatalf("cluster %d holds both topics", p.Cluster)
		}
	}
	if !rain[stranger.Cluster] {
		t.Fatalf("stranger in %d, want a rain cluster %v", stranger.Cluster, rain)
	}
	if outsider.Cluster != -1 || !math.IsNaN(scores[len(scores)-1]) {
		t.Fatalf("outsider in %d (score %v), want none", outsider.Cluster, scores[len(scores)-1])
	}
	// A typical post scores above one that shares a single word.
	typical := post(m, "typical", []string{"rain0", "rain1", "rain2"}, math.NaN(), 0)
	odd := post(m, "odd", []string{"rain0", "qqq", "www"}, math.NaN(), 0)
	typical.Cluster, odd.Cluster = rainCluster, rainCluster
	s := make([]float64, 2)
	m.Assign([]*model.Point{typical, odd}, s)
	if !(s[0] > s[1]) {
		t.Fatalf("typical %v, odd %v", s[0], s[1])
	}
}

func TestMemoryRevives(t *testing.T) {
	for _, tc := range []struct {
		name   string
		memory int
		gap    int64 // empty batches between the topic's two visits
		same   bool
	}{
		{"a topic back within the memory keeps its id", 6, 2, true},
		{"without memory it gets a new id", 0, 2, false},
		{"after the memory it gets a new id", 6, 8, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			o.Memory = tc.memory
			m, _ := New(o)
			rng := rand.New(rand.NewPCG(11, 12))
			topic := func(name string, n int) []*model.Point {
				var out []*model.Point
				for i := range n {
					out = append(out, post(m, fmt.Sprint(name, i), []string{name + "0", name + "1", name + "2", fmt.Sprint("w", rng.IntN(50))}, math.NaN(), 0))
				}
				return out
			}
			first := topic("quake", 20)
			m.Train(first)
			id := first[0].Cluster
			m.Forget(first)
			if m.Len() != 0 {
				t.Fatal("cluster outlived its posts")
			}
			m.Age(tc.gap)
			other := topic("football", 20)
			again := topic("quake", 20)
			m.Train(append(other, again...))
			if other[0].Cluster == id {
				t.Fatal("another topic took the remembered id")
			}
			if got := again[0].Cluster == id; got != tc.same {
				t.Fatalf("back in %d, first in %d: same %v, want %v", again[0].Cluster, id, got, tc.same)
			}
			checkCounts(t, m)
		})
	}
}

// TestBounded runs a long stream of ever new topics: what the model keeps
// stays bounded by the window and the memory.
func TestBounded(t *testing.T) {
	o := DefaultOptions()
	o.Memory = 4
	m, _ := New(o)
	rng := rand.New(rand.NewPCG(1, 1))
	var held [][]*model.Point
	var maxSlots, maxPostings, maxLive int
	for b := range 300 {
		batch := topicBatch(m, rng, b, 40, []string{fmt.Sprint("n", b), fmt.Sprint("m", b)})
		if len(held) == 3 {
			m.Forget(held[0])
			held = held[1:]
		}
		m.Train(batch)
		held = append(held, batch)
		maxLive = max(maxLive, m.Len())
		if b == 50 {
			maxSlots, maxPostings = len(m.slots), len(m.postings)
		}
	}
	if len(m.slots) > maxSlots*2 || len(m.postings) > maxPostings*2 {
		t.Fatalf("slots %d (%d at batch 50), postings %d (%d)", len(m.slots), maxSlots, len(m.postings), maxPostings)
	}
	// A batch ends at most the clusters alive, each remembered for four
	// batches past the one it ended in.
	if n := m.mem.Len(); n > 5*maxLive {
		t.Fatalf("%d clusters remembered, at most %d alive", n, maxLive)
	}
	if len(m.mem.queue) > 1024+m.mem.Len()*2 {
		t.Fatalf("memory queue %d long for %d remembered", len(m.mem.queue), m.mem.Len())
	}
	if len(m.spare) > 2 {
		t.Fatalf("%d spare records", len(m.spare))
	}
}

func TestAssignHeldScores(t *testing.T) {
	m, _ := New(DefaultOptions())
	rng := rand.New(rand.NewPCG(2, 3))
	var batch []*model.Point
	for i := range 40 {
		batch = append(batch, post(m, fmt.Sprint("rain", i), []string{"rain0", "rain1", "rain2", fmt.Sprint("w", rng.IntN(8))}, math.NaN(), 0))
	}
	odd := post(m, "odd", []string{"rain0", "rain1", "qqq"}, math.NaN(), 0)
	batch = append(batch, odd)
	m.Train(batch)
	if odd.Cluster != batch[0].Cluster {
		t.Fatalf("the odd post is in %d, the others in %d", odd.Cluster, batch[0].Cluster)
	}
	scores := make([]float64, len(batch))
	m.Assign(batch, scores)
	for i, s := range scores[:40] {
		if math.IsNaN(s) || s >= 0 || !(s > scores[40]) {
			t.Fatalf("post %d scores %v, the odd one %v", i, s, scores[40])
		}
	}
	// Out of the batch's order, points are placed one by one, to the same
	// clusters.
	shuffled := slices.Clone(batch)
	slices.Reverse(shuffled)
	want := make(map[*model.Point]int)
	for _, p := range batch {
		want[p] = p.Cluster
	}
	m.Assign(shuffled, scores)
	for _, p := range shuffled {
		if p.Cluster != want[p] {
			t.Fatalf("%s moved from %d to %d", p.ID(), want[p], p.Cluster)
		}
	}
}

// TestAssignInParts: a window cut into parts inside its batches, as
// cluster.Model cuts a large one, gives each held post the cluster and
// score Train gave it, though Train took the posts' terms.
func TestAssignInParts(t *testing.T) {
	m, _ := New(DefaultOptions())
	rng := rand.New(rand.NewPCG(4, 4))
	var window []*model.Point
	for b := range 3 {
		batch := topicBatch(m, rng, b, 60, []string{"rain", "goal", "vote"})
		m.Train(batch)
		window = append(window, batch...)
	}
	for i, p := range window {
		if p.Terms() != nil {
			t.Fatalf("point %d keeps its terms after Train", i)
		}
	}
	whole := make([]float64, len(window))
	m.Assign(window, whole)
	clusters := make([]int, len(window))
	for i, p := range window {
		clusters[i] = p.Cluster
		if p.Cluster < 0 || math.IsNaN(whole[i]) {
			t.Fatalf("point %d: cluster %d, score %v", i, p.Cluster, whole[i])
		}
	}
	for _, cut := range []int{1, 30, 59, 60, 61, 100, 179} {
		parts := make([]float64, len(window))
		for i := range window {
			window[i].Cluster = -2
		}
		m.Assign(window[:cut], parts[:cut])
		m.Assign(window[cut:], parts[cut:])
		for i, p := range window {
			if p.Cluster != clusters[i] || parts[i] != whole[i] {
				t.Fatalf("cut at %d: point %d in %d scoring %v, whole %d scoring %v", cut, i, p.Cluster, parts[i], clusters[i], whole[i])
			}
		}
	}
}
