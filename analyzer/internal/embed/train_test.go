package embed

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
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
	// text8: one long line with no newline, longer than the read buffer.
	long := strings.Repeat("alpha beta ", 300000)
	c, err = ReadCorpus(strings.NewReader(long), 1)
	if err != nil || len(c.IDs) != 600000 {
		t.Fatalf("text8-style corpus gave %d tokens, %v", len(c.IDs), err)
	}
	if _, err := ReadCorpus(strings.NewReader("a b c"), 5); err == nil {
		t.Fatal("empty vocabulary accepted")
	}
}

func BenchmarkTrain(b *testing.B) {
	corpus, _ := plantedCorpus(50, 200, 40000, 3)
	c, _ := ReadCorpus(strings.NewReader(corpus), 1)
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("dim=100/window=5/neg=5/threads=%d", th), func(b *testing.B) {
			var words int64
			for b.Loop() {
				if _, err := Train(context.Background(), c, TrainOptions{Dim: 100, Epochs: 1, Threads: th, MinCount: 1, Seed: 1}); err != nil {
					b.Fatal(err)
				}
				words += int64(len(c.IDs))
			}
			b.ReportMetric(float64(words)/b.Elapsed().Seconds(), "words/s")
		})
	}
}
