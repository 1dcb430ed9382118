package pipeline_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/dmm"
	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/pipeline"
	"github.com/geostream/geostream/analyzer/internal/text"
	"github.com/geostream/geostream/analyzer/internal/window"
)

// englishWords are the words of the benchmark's English posts, commonest
// first: a few topics' words and the small words around them.
var englishWords = strings.Fields(`the a to and of in is for on it that this with
	you at be my are was have just not all so but get now today new out up
	rain storm wind flood weather cold snow heat sun morning night traffic
	road train bus delay station airport flight late game match team goal win
	score season coach fans stadium final music concert show album song tour
	band night festival tickets market prices stocks bank rates news report
	election vote city council mayor school kids class teacher coffee lunch
	dinner pizza food friends weekend happy love great good bad best worst
	#rain #news #music #game #traffic #weather #election #food`)

// japanesePhrases are the parts the benchmark's Japanese posts are made of.
var japanesePhrases = []string{
	"今日は朝から雨が降っています", "電車が遅れていて会社に遅刻しそうです", "週末は友達と映画を見に行きました",
	"新しいカフェのケーキがとても美味しかった", "明日の試合が楽しみです", "台風の影響で風が強くなってきた",
	"駅前の本屋で新刊を買いました", "ラーメンを食べに行こう", "仕事が終わらなくて疲れた",
	"桜がきれいに咲いていました", "コンサートのチケットが当たった", "地震がありましたが大丈夫です",
	"猫が窓の外をずっと見ている", "選挙の結果が気になる", "夏休みに海へ行く予定です",
	"#今日の一枚", "#拡散希望", "ありがとうございます", "本当にすごい", "やばい",
}

// capture writes n posts of the language at rate posts a second of event
// time, one in ten with a point, as compact lines.
func capture(n int, rate float64, japanese bool) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	var words []string
	for i := range n {
		words = words[:0]
		if japanese {
			for range 1 + rng.IntN(3) {
				words = append(words, japanesePhrases[rng.IntN(len(japanesePhrases))])
			}
		} else {
			for range 6 + rng.IntN(14) {
				// Roughly Zipf: the small words come first in the list.
				words = append(words, englishWords[int(float64(len(englishWords))*rng.Float64()*rng.Float64())])
			}
		}
		sep := " "
		if japanese {
			sep = "、"
		}
		at := t0.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		fmt.Fprintf(&buf, `{"id":"%d","created_at":%q,`, 1900000000000000000+i, at.Format(time.RFC3339Nano))
		if i%10 == 0 {
			fmt.Fprintf(&buf, `"lon":%.4f,"lat":%.4f,`, rng.Float64()*360-180, rng.Float64()*140-70)
		}
		fmt.Fprintf(&buf, `"text":%q}`+"\n", strings.Join(words, sep))
	}
	return buf.Bytes()
}

// heapProbe is an Output that, at the window ending at at, collects the
// garbage and notes the live heap and how many posts the window holds.
type heapProbe struct {
	at    time.Time
	heap  uint64
	posts int
}

func (h *heapProbe) Write(r *model.Result) error {
	if r.End.Equal(h.at) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.heap, h.posts = ms.HeapAlloc, len(r.Points)
	}
	return nil
}

func (h *heapProbe) Close() error { return nil }

// BenchmarkWindowMemory runs English posts through the default model, 2,000
// a second of event time for 100 s, and reports the live heap the pipeline
// holds, after the garbage is collected, per post of a full 60 s window
// (B/post: points, their words and features, the model's copies), and the
// time per post of the whole run (decoding, tokenizing, clustering).
func BenchmarkWindowMemory(b *testing.B) {
	for _, c := range []struct {
		name     string
		japanese bool
	}{{"english", false}, {"japanese", true}} {
		b.Run(c.name, func(b *testing.B) {
			const rate, n = 2000, 200000
			in := capture(n, rate, c.japanese)
			if c.japanese {
				// Load the dictionary before the baseline: it is the
				// tokenizer's, not the window's.
				text.PrepareJapanese()
			}
			var perPost float64
			var elapsed time.Duration
			for b.Loop() {
				src, err := input.OpenFile("-", bytes.NewReader(in), 0, nil)
				if err != nil {
					b.Fatal(err)
				}
				m := pipelineModel(b)
				probe := &heapProbe{at: time.Date(2026, 1, 1, 0, 1, 20, 0, time.UTC)}
				p := pipeline.New(pipeline.Options{Source: src, Capture: true, Clock: pipeline.ClockEvent,
					Window: window.DefaultConfig(), Lateness: pipeline.DefaultLateness}, m, probe)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				start := time.Now()
				if err := p.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				if probe.posts < 60*rate*9/10 {
					b.Fatalf("the window at %v holds %d posts", probe.at, probe.posts)
				}
				perPost = float64(int64(probe.heap)-int64(base)) / float64(probe.posts)
			}
			b.ReportMetric(perPost, "B/post")
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n*b.N), "ns/post")
		})
	}
}

// pipelineModel is the default model, as analyzer run makes it.
func pipelineModel(b *testing.B) *cluster.Model {
	c, err := dmm.New(dmm.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	m, err := cluster.New(c, cluster.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	return m
}
