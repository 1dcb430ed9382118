package synth

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/tweet"
)

func generate(t *testing.T, o Options) ([][]byte, *Generator) {
	t.Helper()
	g, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		l, err := g.Next(context.Background())
		if errors.Is(err, source.ErrEndOfInput) {
			return out, g
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l.Data)
	}
}

func TestDeterministic(t *testing.T) {
	for _, api := range []string{"v1", "v2"} {
		a, _ := generate(t, Options{Seed: 7, Count: 500, API: api, Malformed: 0.05, Notice: 0.05})
		b, _ := generate(t, Options{Seed: 7, Count: 500, API: api, Malformed: 0.05, Notice: 0.05})
		c, _ := generate(t, Options{Seed: 8, Count: 500, API: api, Malformed: 0.05, Notice: 0.05})
		if !bytes.Equal(bytes.Join(a, nil), bytes.Join(b, nil)) {
			t.Fatalf("%s: same seed gave different bytes", api)
		}
		if bytes.Equal(bytes.Join(a, nil), bytes.Join(c, nil)) {
			t.Fatalf("%s: different seeds gave the same bytes", api)
		}
	}
}

func TestLinesDecodeAsPromised(t *testing.T) {
	for _, api := range []string{"v1", "v2"} {
		t.Run(api, func(t *testing.T) {
			var labels bytes.Buffer
			lines, g := generate(t, Options{Seed: 3, Count: 3000, API: api, Malformed: 0.03, Notice: 0.02, Retweet: 0.1, NoGeo: 0.1, PlaceOnly: 0.3, Labels: &labels})
			st := g.Stats()
			var d tweet.Decoder
			var tweets, located, notices, malformed, retweets int
			prev := ""
			for _, l := range lines {
				if bytes.IndexByte(l, '\n') >= 0 {
					t.Fatal("a line contains a newline")
				}
				tw, err := d.Decode(l)
				switch tw.Kind {
				case tweet.KindMalformed:
					malformed++
					continue
				case tweet.KindNotice:
					notices++
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				tweets++
				if tw.BadGeo {
					t.Fatalf("generated invalid coordinates: %s", l)
				}
				if tw.Located() {
					located++
				}
				if tw.Retweet {
					retweets++
				}
				if tw.ID <= prev && len(tw.ID) <= len(prev) {
					t.Fatalf("ids not increasing: %s after %s", tw.ID, prev)
				}
				prev = tw.ID
				if tw.CreatedAt.Before(DefaultStart) || tw.Text == "" {
					t.Fatalf("bad time or text: %+v", tw)
				}
			}
			if tweets != 3000 || tweets != st.Tweets || located != st.Located || notices != st.Notices ||
				malformed != st.Malformed || retweets != st.Retweets {
				t.Fatalf("decoded %d tweets %d located %d notices %d malformed %d retweets; generator says %+v",
					tweets, located, notices, malformed, retweets, st)
			}
			if malformed == 0 || notices == 0 || retweets == 0 || located == tweets {
				t.Fatalf("missing kinds of lines: %+v", st)
			}
			if n := strings.Count(labels.String(), "\n"); n != tweets {
				t.Fatalf("%d labels for %d tweets", n, tweets)
			}
		})
	}
}

func TestTopicsLandNearTheirCities(t *testing.T) {
	var labels bytes.Buffer
	lines, g := generate(t, Options{Seed: 11, Count: 2000, Filler: 0, NoGeo: 0, PlaceOnly: 0, Retweet: 0, Labels: &labels})
	var d tweet.Decoder
	topicOf := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(labels.String()), "\n") {
		id, topic, _ := strings.Cut(l, "\t")
		topicOf[id] = topic
	}
	for _, l := range lines {
		tw, _ := d.Decode(l)
		if tw.Kind != tweet.KindTweet {
			continue
		}
		var lt *liveTopic
		for i := range g.topics {
			if g.topics[i].Name == topicOf[tw.ID] {
				lt = &g.topics[i]
			}
		}
		if lt == nil {
			t.Fatalf("tweet %s has label %q, not a live topic", tw.ID, topicOf[tw.ID])
		}
		best := math.Inf(1)
		for _, c := range lt.cities {
			best = math.Min(best, math.Hypot(c.Lat-tw.Lat, (c.Lon-tw.Lon)*math.Cos(c.Lat*math.Pi/180)))
		}
		if best > 2 {
			t.Fatalf("tweet of %s at %v,%v is %.1f degrees from every city of its topic", lt.Name, tw.Lon, tw.Lat, best)
		}
		words := 0
		for _, w := range lt.Words {
			if strings.Contains(strings.ToLower(tw.Text), w) {
				words++
			}
		}
		if words == 0 {
			t.Fatalf("tweet of %s has none of its words: %q", lt.Name, tw.Text)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"bad api", Options{API: "v3"}},
		{"too many topics", Options{Topics: len(Topics) + 1}},
		{"negative rate", Options{Rate: -1}},
		{"rate above one", Options{Filler: 1.5}},
		{"negative count", Options{Count: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.o); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, api := range []string{"v2", "v1"} {
		b.Run(api, func(b *testing.B) {
			g, _ := New(Options{Seed: 1, API: api})
			ctx := context.Background()
			var n int64
			for b.Loop() {
				l, _ := g.Next(ctx)
				n += int64(len(l.Data))
			}
			b.SetBytes(n / int64(b.N))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
