package source

import (
	"context"
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
