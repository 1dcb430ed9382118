package embed

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// plantedCorpus writes sentences that each draw words from one of groups
// word groups: words of a group only ever appear together.
func plantedCorpus(groups, size, sentences int, seed uint64) (string, [][]string) {
	r := rand.New(rand.NewPCG(seed, 1))
	var g [][]string
	for i := 0; i < groups; i++ {
		var ws []string
		for j := 0; j < size; j++ {
			ws = append(ws, fmt.Sprintf("g%dw%d", i, j))
		}
		g = append(g, ws)
	}
	var b strings.Builder
	for s := 0; s < sentences; s++ {
		ws := g[r.IntN(groups)]
		for k := 0; k < 12; k++ {
			b.WriteString(ws[r.IntN(size)])
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
	}
	return b.String(), g
}

// groupRecall is the share of words whose nearest neighbours are all in
// their own group.
func groupRecall(t *testing.T, tb *Table, groups [][]string, k int) float64 {
	t.Helper()
	good, all := 0, 0
	for gi, ws := range groups {
		for _, w := range ws {
			nb, _, err := Neighbours(tb, w, k)
			if err != nil {
				t.Fatal(err)
			}
			all++
			ok := true
			for _, n := range nb {
				ok = ok && strings.HasPrefix(n, fmt.Sprintf("g%dw", gi))
			}
			if ok {
				good++
			}
		}
	}
	return float64(good) / float64(all)
}

func TestTrainRecoversPlantedGroups(t *testing.T) {
	corpus, groups := plantedCorpus(6, 12, 6000, 1)
	c, err := ReadCorpus(strings.NewReader(corpus), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Words) != 72 {
		t.Fatalf("vocabulary of %d words, want 72", len(c.Words))
	}
	// Negatives drawn per pair, as word2vec does, learn the groups too.
	pp, err := Train(context.Background(), c, TrainOptions{Dim: 32, Epochs: 3, Threads: 1, MinCount: 1, Seed: 7, Subsample: -1, PerPairNegatives: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := groupRecall(t, pp.Table(), groups, 3); r < 0.9 {
		t.Fatalf("per-pair negatives: only %.0f%% of words have their 3 nearest neighbours in their own group", 100*r)
	}
	m, err := Train(context.Background(), c, TrainOptions{Dim: 32, Epochs: 3, Threads: 1, MinCount: 1, Seed: 7, Subsample: -1})
	if err != nil {
		t.Fatal(err)
	}
	if r := groupRecall(t, m.Table(), groups, 3); r < 0.9 {
		t.Fatalf("only %.0f%% of words have their 3 nearest neighbours in their own group", 100*r)
	}

	// Deterministic with one thread and a seed.
	m2, _ := Train(context.Background(), c, TrainOptions{Dim: 32, Epochs: 3, Threads: 1, MinCount: 1, Seed: 7, Subsample: -1})
	for i := range m.Vectors {
		for j := range m.Vectors[i] {
			if m.Vectors[i][j] != m2.Vectors[i][j] {
				t.Fatal("same seed, one thread, different vectors")
			}
		}
	}

	// What the trainer writes loads back the same, binary and text.
	for _, write := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return WriteBinary(b, m.Words, m.Vectors) },
		func(b *bytes.Buffer) error { return WriteText(b, m.Words, m.Vectors) },
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		tb, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range m.Words {
			for j, x := range m.Vectors[i] {
				if tb.Vectors[w][j] != x {
					t.Fatalf("%s[%d]: wrote %v, read %v", w, j, x, tb.Vectors[w][j])
				}
			}
		}
	}
}

func TestReadCorpusFormats(t *testing.T) {
	tweets := `{"data":{"id":"1","text":"Storm FLOOD storm https://t.co/x"}}` + "\n" + `{"delete":{}}` + "\n" + "plain storm line\n"
	c, err := ReadCorpus(strings.NewReader(tweets), 1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Words, ",") != "storm,flood,line,plain" || c.Counts[0] != 3 {
		t.Fatalf("words %v counts %v", c.Words, c.Counts)
	}
	// Ids follow the text, "|" (-1) ending each line; words under
	// --min-count drop out of it.
	c, err = ReadCorpus(strings.NewReader("bb aa bb cc aa bb\n\n!!\ndd aa"), 2)
	if err != nil {
		t.Fatal(err)
	}
	text := func(c *Corpus) string {
		var got []string
		for _, id := range c.IDs {
			if id == lineBreak {
				got = append(got, "|")
			} else {
				got = append(got, c.Words[id])
			}
		}
		return strings.Join(got, " ")
	}
	if got := text(c); got != "bb aa bb aa bb | aa |" || !slices.Equal(c.Counts, []int64{3, 3}) {
		t.Fatalf("words %v counts %v text %q", c.Words, c.Counts, got)
	}
	// text8: one long line with no newline, longer than the read buffer,
	// is one line.
	long := strings.Repeat("alpha beta ", 300000)
	c, err = ReadCorpus(strings.NewReader(long), 1)
	if err != nil || len(c.IDs) != 600001 || c.Tokens() != 600000 || c.IDs[600000] != lineBreak || slices.Contains(c.IDs[:600000], lineBreak) {
		t.Fatalf("text8-style corpus gave %d ids, %d tokens, %v", len(c.IDs), c.Tokens(), err)
	}
	if _, err := ReadCorpus(strings.NewReader("a b c"), 5); err == nil {
		t.Fatal("empty vocabulary accepted")
	}
}

// zipfCorpus is text whose word frequencies follow Zipf's law, as real
// text's do: a vocabulary of v words, n tokens.
func zipfCorpus(v, n int) string {
	r := rand.New(rand.NewPCG(9, 9))
	z := rand.NewZipf(r, 1.07, 2, uint64(v-1))
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "w%d", z.Uint64())
		if i%15 == 14 {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func BenchmarkTrain(b *testing.B) {
	c, _ := ReadCorpus(strings.NewReader(zipfCorpus(50000, 1_000_000)), 5)
	for _, perPair := range []bool{false, true} {
		for _, th := range []int{1, 2} {
			b.Run(fmt.Sprintf("dim=100/window=5/neg=5/per-pair=%v/threads=%d", perPair, th), func(b *testing.B) {
				var words int64
				for b.Loop() {
					o := TrainOptions{Dim: 100, Epochs: 1, Threads: th, MinCount: 1, Seed: 1, PerPairNegatives: perPair}
					if _, err := Train(context.Background(), c, o); err != nil {
						b.Fatal(err)
					}
					words += c.Tokens()
				}
				b.ReportMetric(float64(words)/b.Elapsed().Seconds(), "words/s")
			})
		}
	}
}

func TestOnlineLearnsPlantedGroups(t *testing.T) {
	corpus, groups := plantedCorpus(6, 12, 6000, 2)
	var batch [][]string
	m := NewOnline(OnlineOptions{Seed: 3, Subsample: -1})
	before := groupRecall(t, tableOf(m, groups), groups, 3)
	for i, line := range strings.Split(strings.TrimSpace(corpus), "\n") {
		batch = append(batch, strings.Fields(line))
		if i%500 == 499 {
			m.Learn(batch)
			batch = batch[:0]
		}
	}
	after := groupRecall(t, m.Table(), groups, 3)
	if after < 0.9 || after <= before {
		t.Fatalf("nearest neighbours in their own group: %.0f%% before learning, %.0f%% after", 100*before, 100*after)
	}
}

func tableOf(m *Online, groups [][]string) *Table {
	t := &Table{D: m.Dim(), Vectors: map[string][]float32{}}
	for _, g := range groups {
		for _, w := range g {
			v := make([]float64, m.Dim())
			m.AddTo(v, w, 1)
			f := make([]float32, len(v))
			for i, x := range v {
				f[i] = float32(x)
			}
			t.Vectors[w] = f
		}
	}
	return t
}

func TestOnlineVocabularyIsBounded(t *testing.T) {
	m := NewOnline(OnlineOptions{VocabMax: 100, Seed: 1})
	for b := 0; b < 50; b++ {
		var batch [][]string
		for i := 0; i < 20; i++ {
			batch = append(batch, []string{"common", "words", fmt.Sprintf("rare%d_%d", b, i)})
		}
		m.Learn(batch)
		if m.Len() > 100 {
			t.Fatalf("vocabulary grew to %d words, cap 100", m.Len())
		}
		// What AddTo reads is what the trainer has: evicted words are
		// gone from it too.
		if len(m.view) != len(m.words) {
			t.Fatalf("batch %d: the view has %d words, the trainer %d", b, len(m.view), len(m.words))
		}
		for w, v := range m.view {
			id, ok := m.index[w]
			if !ok || !slices.Equal(v, m.in[id]) {
				t.Fatalf("batch %d: the view's %q is not the trainer's", b, w)
			}
		}
	}
	if _, ok := m.index["common"]; !ok {
		t.Fatal("a frequent word was evicted")
	}
}

func TestOnlineDeterministic(t *testing.T) {
	run := func() []float32 {
		m := NewOnline(OnlineOptions{Seed: 5})
		corpus, _ := plantedCorpus(3, 8, 800, 4)
		var batch [][]string
		for _, l := range strings.Split(strings.TrimSpace(corpus), "\n") {
			batch = append(batch, strings.Fields(l))
		}
		m.Learn(batch[:400])
		m.Learn(batch[400:])
		v := make([]float64, m.Dim())
		m.AddTo(v, "g1w3", 1)
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same input and seed gave different vectors")
		}
	}
}

func TestOnlineTrainsInTheBackground(t *testing.T) {
	corpus, _ := plantedCorpus(3, 8, 800, 4)
	var batch [][]string
	for _, l := range strings.Split(strings.TrimSpace(corpus), "\n") {
		batch = append(batch, strings.Fields(l))
	}
	vec := func(m *Online) []float64 {
		v := make([]float64, m.Dim())
		m.AddTo(v, "g1w3", 1)
		return v
	}
	bg, fg := NewOnline(OnlineOptions{Seed: 5}), NewOnline(OnlineOptions{Seed: 5})
	bg.Learn(batch[:400])
	fg.Learn(batch[:400])
	before := vec(bg)
	bg.Start(batch[400:])
	// While the batch trains, tweets are featurized with the vectors as
	// they were (the race detector checks that nothing is shared).
	for i := 0; i < 100; i++ {
		if !slices.Equal(vec(bg), before) {
			t.Fatal("the vectors changed while the batch was training")
		}
	}
	bg.Wait()
	if slices.Equal(vec(bg), before) {
		t.Fatal("Wait did not publish the batch's training")
	}
	fg.Learn(batch[400:])
	if !slices.Equal(vec(bg), vec(fg)) {
		t.Fatal("training in the background gave other vectors than Learn")
	}
}

func TestOnlineSaveAndResume(t *testing.T) {
	m := NewOnline(OnlineOptions{Seed: 1})
	m.Learn([][]string{{"storm", "flood", "rain"}, {"game", "bowl"}})
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	tb, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	r := NewOnlineFrom(tb, OnlineOptions{})
	for _, w := range []string{"storm", "bowl"} {
		a, b := make([]float64, m.Dim()), make([]float64, r.Dim())
		m.AddTo(a, w, 1)
		r.AddTo(b, w, 1)
		for i := range a {
			if float32(a[i]) != float32(b[i]) {
				t.Fatalf("%s differs after save and load", w)
			}
		}
	}
}

func TestSamplerDistribution(t *testing.T) {
	counts := []float64{1000, 100, 10, 1}
	s := newSampler(counts)
	r := rng(1)
	got := make([]float64, len(counts))
	const n = 400000
	for i := 0; i < n; i++ {
		got[s.draw(&r)]++
	}
	var total float64
	for _, c := range counts {
		total += math.Pow(c, 0.75)
	}
	for i, c := range counts {
		want := math.Pow(c, 0.75) / total
		if math.Abs(got[i]/n-want) > 0.01 {
			t.Fatalf("word %d drawn %.4f of the time, want %.4f", i, got[i]/n, want)
		}
	}
}

// BenchmarkOnlineLearn times one batch of online training (300 tweets of
// 12 words, the default cap): how long the trainer's goroutine is busy
// per batch, and how long the pipeline would stall if training were not
// in the background.
func BenchmarkOnlineLearn(b *testing.B) {
	corpus, _ := plantedCorpus(20, 50, 3000, 1)
	var tweets [][]string
	for _, l := range strings.Split(strings.TrimSpace(corpus), "\n") {
		tweets = append(tweets, strings.Fields(l))
	}
	m := NewOnline(OnlineOptions{Seed: 1})
	i := 0
	for b.Loop() {
		m.Learn(tweets[i : i+300])
		i = (i + 300) % (len(tweets) - 300)
	}
}

// A corpus read again every epoch trains exactly as one held in memory,
// gzipped or not, and a file that cannot be read again fails the training.
func TestOpenCorpusStreamsLikeReadCorpus(t *testing.T) {
	corpus, groups := plantedCorpus(4, 10, 3000, 3)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(corpus))
	zw.Close()
	opts := TrainOptions{Dim: 24, Epochs: 2, Threads: 1, MinCount: 1, Seed: 3}

	mem, err := ReadCorpus(strings.NewReader(corpus), 1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Train(context.Background(), mem, opts)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"plain": []byte(corpus), "gzip": gz.Bytes()} {
		opens := 0
		c, err := OpenCorpus(func() (io.ReadCloser, error) {
			opens++
			return io.NopCloser(bytes.NewReader(data)), nil
		}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if c.IDs != nil || !slices.Equal(c.Words, mem.Words) || !slices.Equal(c.Counts, mem.Counts) {
			t.Fatalf("%s: vocabulary differs from ReadCorpus's, or the text was kept", name)
		}
		got, err := Train(context.Background(), c, opts)
		if err != nil {
			t.Fatal(err)
		}
		if opens != 1+opts.Epochs {
			t.Fatalf("%s: the corpus was opened %d times for %d epochs", name, opens, opts.Epochs)
		}
		for i := range want.Vectors {
			if !slices.Equal(got.Vectors[i], want.Vectors[i]) {
				t.Fatalf("%s: %s trained differently when streamed", name, want.Words[i])
			}
		}
		if r := groupRecall(t, got.Table(), groups, 3); r < 0.9 {
			t.Fatalf("%s: only %.0f%% of words have their neighbours in their group", name, 100*r)
		}
	}

	gone := errors.New("corpus deleted")
	opens := 0
	c, err := OpenCorpus(func() (io.ReadCloser, error) {
		if opens++; opens > 2 {
			return nil, gone
		}
		return io.NopCloser(strings.NewReader(corpus)), nil
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(context.Background(), c, opts); !errors.Is(err, gone) {
		t.Fatalf("a corpus that vanished in epoch 2 gave %v", err)
	}

	// A file cut short between epochs is an error, not fewer words.
	opens = 0
	c, err = OpenCorpus(func() (io.ReadCloser, error) {
		opens++
		if opens > 2 {
			return io.NopCloser(strings.NewReader(corpus[:len(corpus)/2])), nil
		}
		return io.NopCloser(strings.NewReader(corpus)), nil
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Train(context.Background(), c, opts); err == nil || !strings.Contains(err.Error(), "changed while training") {
		t.Fatalf("a corpus cut short in epoch 2 gave %v", err)
	}
	full, err := Train(context.Background(), mem, opts)
	if err != nil || full.Trained != mem.Tokens()*int64(opts.Epochs) {
		t.Fatalf("trained on %d words, want %d epochs of %d (%v)", full.Trained, opts.Epochs, mem.Tokens(), err)
	}
}

func TestTrainStopsWhenCancelled(t *testing.T) {
	c, err := ReadCorpus(strings.NewReader(zipfCorpus(2000, 200000)), 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	opts := TrainOptions{Dim: 16, Epochs: 1000, Threads: 2, MinCount: 1}
	opts.Progress = func(done, total int64, _ time.Duration) { cancel() }
	if _, err := Train(ctx, c, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled training returned %v", err)
	}
}

// FuzzReadCorpus: any bytes give a consistent corpus or an error, never a
// panic, and reading in memory and streaming agree.
func FuzzReadCorpus(f *testing.F) {
	f.Add([]byte("storm flood storm\nrain\n"))
	f.Add([]byte(`{"data":{"id":"1","text":"Storm FLOOD https://t.co/x"}}` + "\n{\"delete\":{}}\n"))
	f.Add([]byte("\x1f\x8b\x08broken gzip"))
	f.Add([]byte("BZh9 not bzip2"))
	f.Add([]byte("{\"data\":{\"text\":\"a\xffb #tag @user\"}}\r\n\n\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mem, err := ReadCorpus(bytes.NewReader(data), 1)
		st, serr := OpenCorpus(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, 1)
		if (err == nil) != (serr == nil) {
			t.Fatalf("in memory: %v; streamed: %v", err, serr)
		}
		if err != nil {
			return
		}
		if !slices.Equal(mem.Words, st.Words) || !slices.Equal(mem.Counts, st.Counts) {
			t.Fatalf("vocabularies differ: %v %v / %v %v", mem.Words, mem.Counts, st.Words, st.Counts)
		}
		seen := make([]int64, len(mem.Words))
		for _, id := range mem.IDs {
			if id == lineBreak {
				continue
			}
			if id < 0 || int(id) >= len(mem.Words) {
				t.Fatalf("id %d out of a vocabulary of %d", id, len(mem.Words))
			}
			seen[id]++
		}
		if !slices.Equal(seen, mem.Counts) {
			t.Fatalf("ids count %v, counts say %v", seen, mem.Counts)
		}
		for i := 1; i < len(mem.Counts); i++ {
			if mem.Counts[i] > mem.Counts[i-1] {
				t.Fatalf("counts not falling: %v", mem.Counts)
			}
		}
	})
}

// A line is a sentence: context windows never reach into the next line.
func TestSentencesEndAtLines(t *testing.T) {
	keep := []float64{1, 1, 1, 1, 1, 0}
	var r rng = 1
	var got [][]int32
	eachSentence([]int32{0, 1, lineBreak, 2, lineBreak, lineBreak, 3, 5, 4}, keep, &r, nil, func(s []int32) {
		got = append(got, slices.Clone(s))
	})
	if fmt.Sprint(got) != "[[0 1] [2] [] [3 4]]" {
		t.Fatalf("sentences %v", got)
	}
}
