package sink

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/tweet"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// lines is a finite source; fail, if set, is returned after the lines
// instead of the end of input; wait makes Next block until ctx ends.
type lines struct {
	data   []source.Line
	fail   error
	wait   bool
	closed int
}

func (s *lines) Next(ctx context.Context) (source.Line, error) {
	if len(s.data) > 0 {
		l := s.data[0]
		s.data = s.data[1:]
		return l, nil
	}
	if s.wait {
		<-ctx.Done()
		return source.Line{}, ctx.Err()
	}
	if s.fail != nil {
		return source.Line{}, s.fail
	}
	return source.Line{}, source.ErrEndOfInput
}

func (s *lines) Close() error { s.closed++; return nil }

func raw(ss ...string) *lines {
	src := &lines{}
	for _, s := range ss {
		src.data = append(src.data, source.Line{Data: []byte(s)})
	}
	return src
}

// recorder is a sink that keeps what it is sent; it fails with failAt
// when sent its line number failAt (counting from 1).
type recorder struct {
	got       []string
	tweets    []*tweet.Tweet // copies of what the lines carried (nil: not decoded)
	failAt    int
	closes    int
	deadlined bool // Close's ctx had a deadline
	onSend    func()
}

var errSink = errors.New("sink broke")

func (r *recorder) Send(_ context.Context, l source.Line) error {
	if r.onSend != nil {
		r.onSend()
	}
	if r.failAt > 0 && len(r.got)+1 == r.failAt {
		return errSink
	}
	r.got = append(r.got, string(l.Data))
	var tw *tweet.Tweet
	if l.Tweet != nil {
		c := *l.Tweet // the line's Tweet is only valid during Send
		tw = &c
	}
	r.tweets = append(r.tweets, tw)
	return nil
}

func (r *recorder) Close(ctx context.Context) error {
	r.closes++
	_, r.deadlined = ctx.Deadline()
	return nil
}

func TestForward(t *testing.T) {
	errSource := errors.New("source broke")
	tests := []struct {
		name      string
		src       *lines
		sinks     []*recorder
		wantErr   error
		wantLines uint64
		wantGot   [][]string // per sink
		wantEnded bool
	}{
		{"every line to every sink, in order", raw("a", "b", "c"), []*recorder{{}, {}}, nil, 3,
			[][]string{{"a", "b", "c"}, {"a", "b", "c"}}, true},
		{"a failing sink stops the loop; later sinks miss its line", raw("a", "b", "c"), []*recorder{{failAt: 2}, {}}, errSink, 1,
			[][]string{{"a"}, {"a"}}, false},
		{"a failing source", &lines{data: raw("a").data, fail: errSource}, []*recorder{{}}, errSource, 1,
			[][]string{{"a"}}, false},
		{"no lines", raw(), []*recorder{{}}, nil, 0, [][]string{nil}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sinks []Sink
			for _, r := range tc.sinks {
				sinks = append(sinks, r)
			}
			res, err := Forward(context.Background(), tc.src, sinks, Options{})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if res.Lines != tc.wantLines || res.EndOfInput != tc.wantEnded {
				t.Fatalf("result %+v", res)
			}
			if tc.src.closed != 1 {
				t.Fatalf("source closed %d times", tc.src.closed)
			}
			for i, r := range tc.sinks {
				if fmt.Sprint(r.got) != fmt.Sprint(tc.wantGot[i]) {
					t.Errorf("sink %d got %q, want %q", i, r.got, tc.wantGot[i])
				}
				if r.closes != 1 {
					t.Errorf("sink %d closed %d times", i, r.closes)
				}
				if r.deadlined == tc.wantEnded {
					t.Errorf("sink %d closed with a deadline %v: want one only when the input did not end", i, r.deadlined)
				}
			}
		})
	}
}

// TestForwardInterrupted: cancelling ends the loop without an error, and the
// sinks are closed with a deadline (they drain for DrainTimeout at most).
func TestForwardInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := raw("a", "b")
	src.wait = true
	r := &recorder{}
	r.onSend = func() {
		if len(r.got) == 1 {
			cancel() // while the second line is being sent
		}
	}
	res, err := Forward(ctx, src, []Sink{r}, Options{})
	if err != nil || res.EndOfInput || src.closed != 1 || r.closes != 1 || !r.deadlined {
		t.Fatalf("err %v result %+v, source closed %d, sink closed %d (deadline %v)", err, res, src.closed, r.closes, r.deadlined)
	}
}

const v2 = `{"data":{"id":"7","text":"storm at sea","created_at":"2026-01-01T00:00:%02dZ","lang":"en","geo":{"coordinates":{"type":"Point","coordinates":[1,2]}}}}`

// TestForwardCompact: tweets become compact records, other lines pass as
// they are, and a line a source has already decoded is not decoded again
// (its Tweet, not its Data, is what the record is made of).
func TestForwardCompact(t *testing.T) {
	pre := &tweet.Tweet{Kind: tweet.KindTweet, ID: "99", Text: "decoded upstream"}
	src := &lines{data: []source.Line{
		{Data: fmt.Appendf(nil, v2, 0)},
		{Data: []byte(`{"limit":{"track":3}}`)},
		{Data: []byte(`{not json`)},
		{Data: fmt.Appendf(nil, v2, 1), Tweet: pre},
	}}
	r := &recorder{}
	if _, err := Forward(context.Background(), src, []Sink{r}, Options{Format: FormatCompact}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"id":"7","created_at":"2026-01-01T00:00:00Z","lon":1,"lat":2,"text":"storm at sea","lang":"en","user":"","place":""}`,
		`{"limit":{"track":3}}`,
		`{not json`,
		`{"id":"99","lon":null,"lat":null,"text":"decoded upstream","lang":"","user":"","place":""}`,
	}
	if strings.Join(r.got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(r.got, "\n"), strings.Join(want, "\n"))
	}
	if r.tweets[0] == nil || r.tweets[0].ID != "7" || r.tweets[3] == nil || !reflect.DeepEqual(*r.tweets[3], *pre) {
		t.Fatalf("the decoded tweets were not handed on: %v", r.tweets)
	}
}

// TestForwardPaces: lines without a source time are paced by their
// created_at (decoded once, and handed on to the sinks).
func TestForwardPaces(t *testing.T) {
	now := time.Unix(1000, 0)
	var slept []time.Duration
	opts := Options{Speed: 2, Now: func() time.Time { return now }, Sleep: func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		now = now.Add(d)
		return nil
	}}
	src := &lines{}
	for _, sec := range []int{0, 4, 10} {
		src.data = append(src.data, source.Line{Data: fmt.Appendf(nil, v2, sec)})
	}
	// A line far ahead, and one behind: sent at once, counted.
	src.data = append(src.data, source.Line{Data: []byte(`{"data":{"id":"7","text":"x","created_at":"2026-01-01T01:00:00Z"}}`)},
		source.Line{Data: fmt.Appendf(nil, v2, 9)})
	r := &recorder{}
	res, err := Forward(context.Background(), src, []Sink{r}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(slept) != "[2s 3s]" {
		t.Fatalf("slept %v, want [2s 3s] (4 s and 6 s of event time at speed 2)", slept)
	}
	if res.Unpaced != (source.PacerStats{Ahead: 1, Behind: 1}) {
		t.Errorf("unpaced %+v, want one ahead and one behind", res.Unpaced)
	}
	for i, tw := range r.tweets {
		if tw == nil || tw.ID != "7" {
			t.Fatalf("line %d reached the sink without the pacer's decoding: %v", i, tw)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{{Format: "xml"}, {Speed: -1}, {DrainTimeout: -time.Second}} {
		src, r := raw("a"), &recorder{}
		if _, err := Forward(context.Background(), src, []Sink{r}, o); err == nil || !strings.HasPrefix(err.Error(), "sink: ") {
			t.Errorf("%+v: got %v", o, err)
		}
		if src.closed != 1 || r.closes != 1 || len(r.got) != 0 {
			t.Errorf("%+v: with bad options, the source and sink must be closed and sent nothing", o)
		}
	}
}

// discard is a sink that keeps nothing.
type discard struct{}

func (discard) Send(context.Context, source.Line) error { return nil }
func (discard) Close(context.Context) error             { return nil }

// endless repeats one line b.N times.
type endless struct {
	l source.Line
	n int
}

func (e *endless) Next(context.Context) (source.Line, error) {
	if e.n == 0 {
		return source.Line{}, source.ErrEndOfInput
	}
	e.n--
	return source.Line{Data: e.l.Data, Time: e.l.Time}, nil
}
func (e *endless) Close() error { return nil }

// BenchmarkForward measures the loop's cost per line with raw and compact
// output.
func BenchmarkForward(b *testing.B) {
	line := fmt.Appendf(nil, v2, 0)
	for _, format := range []string{FormatRaw, FormatCompact} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			src := &endless{l: source.Line{Data: line}, n: b.N}
			if _, err := Forward(context.Background(), src, []Sink{discard{}, discard{}}, Options{Format: format}); err != nil {
				b.Fatal(err)
			}
		})
	}
}
