package source

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/tweet"
)

// fakeClock advances only when Sleep is called.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time { return f.now }
func (f *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func TestPacer(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	line := func(sec int) Line { return Line{Time: t0.Add(time.Duration(sec) * time.Second)} }
	tests := []struct {
		name  string
		speed float64
		secs  []int
		want  []time.Duration
	}{
		{"original pace", 1, []int{0, 2, 5}, []time.Duration{2 * time.Second, 3 * time.Second}},
		{"ten times faster", 10, []int{0, 10, 20}, []time.Duration{time.Second, time.Second}},
		{"out of order lines go at once", 1, []int{0, 4, 1, 6}, []time.Duration{4 * time.Second, 2 * time.Second}},
		{"speed 0 never waits", 0, []int{0, 100}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{now: time.Unix(1000, 0)}
			p := &Pacer{Speed: tc.speed, Now: clk.Now, Sleep: clk.Sleep}
			for _, s := range tc.secs {
				l := line(s)
				p.Wait(context.Background(), &l)
			}
			if len(clk.sleeps) != len(tc.want) {
				t.Fatalf("slept %v, want %v", clk.sleeps, tc.want)
			}
			for i := range tc.want {
				if clk.sleeps[i] != tc.want[i] {
					t.Fatalf("slept %v, want %v", clk.sleeps, tc.want)
				}
			}
		})
	}
}

// TestPacerNeverWaitsOnOneClock: a line far ahead of the stream or behind
// it goes at once, counted, and the lines after it keep the stream's pace;
// two lines in a row far ahead are a quiet spell, waited for; two far
// behind mean the newest was the wrong clock.
func TestPacerNeverWaitsOnOneClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := time.Second
	tests := []struct {
		name          string
		speed         float64
		secs          []int
		want          []time.Duration
		ahead, behind uint64
	}{
		{"a post 237 s ahead", 1, []int{0, 1, 238, 2, 3}, []time.Duration{s, s, s}, 1, 0},
		{"ten times faster", 10, []int{0, 10, 3000, 20}, []time.Duration{s, s}, 1, 0},
		{"small inversions go at once", 1, []int{0, 2, 1, 3, 2, 4}, []time.Duration{2 * s, s, s}, 0, 2},
		{"a post far behind", 1, []int{0, 1, -300, 2}, []time.Duration{s, s}, 0, 1},
		{"a quiet spell is waited for from its second line", 1, []int{0, 1, 200, 201, 202}, []time.Duration{s, 200 * s, s}, 1, 0},
		{"the first line far ahead", 1, []int{300, 0, 1, 2}, []time.Duration{s}, 0, 2},
		{"two outliers far apart", 1, []int{0, 100, 1000, 1}, []time.Duration{s}, 2, 0},
		{"within the lead: paced", 1, []int{0, 59}, []time.Duration{59 * s}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{now: time.Unix(1000, 0)}
			p := &Pacer{Speed: tc.speed, Now: clk.Now, Sleep: clk.Sleep}
			for _, sec := range tc.secs {
				l := Line{Time: t0.Add(time.Duration(sec) * time.Second)}
				p.Wait(context.Background(), &l)
			}
			if fmt.Sprint(clk.sleeps) != fmt.Sprint(tc.want) {
				t.Errorf("slept %v, want %v", clk.sleeps, tc.want)
			}
			if st := p.Stats(); st.Ahead != tc.ahead || st.Behind != tc.behind {
				t.Errorf("stats %+v, want %d ahead, %d behind", st, tc.ahead, tc.behind)
			}
		})
	}
}

func TestPacerDecodesCreatedAt(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	p := &Pacer{Speed: 1, Now: clk.Now, Sleep: clk.Sleep}
	for _, s := range []string{"00", "03"} {
		l := Line{Data: []byte(`{"id":"1","text":"x","created_at":"2026-01-01T00:00:` + s + `Z"}`)}
		p.Wait(context.Background(), &l)
	}
	if len(clk.sleeps) != 1 || clk.sleeps[0] != 3*time.Second {
		t.Fatalf("slept %v, want [3s]", clk.sleeps)
	}
}

// TestPacerUsesTheDecodedTweet: a line decoded upstream is paced by its
// Tweet, not decoded again (its Data here would not decode).
func TestPacerUsesTheDecodedTweet(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1000, 0)}
	p := &Pacer{Speed: 1, Now: clk.Now, Sleep: clk.Sleep}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []int{0, 5} {
		l := Line{Data: []byte("{not json"), Tweet: &tweet.Tweet{CreatedAt: t0.Add(time.Duration(s) * time.Second)}}
		p.Wait(context.Background(), &l)
	}
	if len(clk.sleeps) != 1 || clk.sleeps[0] != 5*time.Second {
		t.Fatalf("slept %v, want [5s]", clk.sleeps)
	}
}

func TestLineDecodesOnce(t *testing.T) {
	var dec Decoder
	l := Line{Data: []byte(`{"id":"1","text":"x","created_at":"2026-01-01T00:00:03Z"}`)}
	first := l.Decode(&dec)
	l.Data = []byte("{changed")
	if again := l.Decode(&dec); again != first || first.ID != "1" {
		t.Fatalf("decoded twice: %v then %v", first, again)
	}
	bad := Line{Data: []byte("{not json")}
	if tw := bad.Decode(&dec); tw == nil || tw.Kind != tweet.KindMalformed {
		t.Fatalf("malformed line decodes to %+v", tw)
	}
}
