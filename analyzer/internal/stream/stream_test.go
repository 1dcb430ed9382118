package stream

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
)

// lines is a Source of fixed lines; buffered says which of them Next
// would return without waiting.
type lines struct {
	ls []input.Line
	i  int
}

func (s *lines) Next(ctx context.Context) (input.Line, error) {
	if s.i == len(s.ls) {
		return input.Line{}, io.EOF
	}
	s.i++
	return s.ls[s.i-1], nil
}
func (s *lines) Buffered() bool { return s.i < len(s.ls) }
func (s *lines) Close() error   { return nil }

func collect(t *testing.T, src input.Source, opts Options) []Chunk {
	t.Helper()
	out := make(chan Chunk, 100)
	if _, err := Read(context.Background(), src, opts, out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var cs []Chunk
	for c := range out {
		cs = append(cs, c)
	}
	return cs
}

func TestReadKeepsOrderAndKinds(t *testing.T) {
	in := `{"id":"1","text":"a b","lon":1,"lat":2}` + "\r\n" +
		"\n" + // keep-alive: skipped
		`{"limit":{"track":1}}` + "\n" +
		strings.Repeat("x", 300) + "\n" + // over the limit
		`not json` + "\n" +
		`{"id":"2","text":"c","lon":null,"lat":null}`
	src, err := input.OpenFile("-", strings.NewReader(in), 200, nil)
	if err != nil {
		t.Fatal(err)
	}
	staged := 0
	cs := collect(t, src, Options{Chunk: 2, Stage: func(c *Chunk) {
		staged += len(c.Lines)
		c.Words = make([]string, len(c.Lines))
	}})
	var got []tweet.Tweet
	for _, c := range cs {
		if len(c.Words) != len(c.Lines) {
			t.Fatal("the stage did not see the chunk it was given")
		}
		got = append(got, c.Lines...)
	}
	kinds := []tweet.Kind{tweet.KindTweet, tweet.KindNotice, tweet.KindMalformed, tweet.KindMalformed, tweet.KindTweet}
	if len(got) != len(kinds) || staged != len(kinds) {
		t.Fatalf("got %d entries (%d staged), want %d", len(got), staged, len(kinds))
	}
	for i, k := range kinds {
		if got[i].Kind != k {
			t.Fatalf("entry %d is %v, want %v", i, got[i].Kind, k)
		}
	}
	if got[2].Notice != TooLong || got[3].Notice == TooLong {
		t.Fatal("over-long line not marked as such")
	}
}

// TestChunkPerConnection: a hello starts a chunk of its own, so that the
// pipeline knows what the scraper serves before its first tweet.
func TestChunkPerConnection(t *testing.T) {
	h := &wire.Hello{Source: "replay", Finite: true}
	t0 := time.Unix(100, 0)
	src := &lines{ls: []input.Line{
		{Data: []byte(`{"id":"1","text":"x","lon":1,"lat":2}`), Arrival: t0, Hello: h},
		{Data: []byte(`{"id":"2","text":"x","lon":1,"lat":2}`), Arrival: t0.Add(time.Second)},
		{Data: []byte(`{"id":"3","text":"x","lon":1,"lat":2}`), Arrival: t0.Add(2 * time.Second), Hello: h},
	}}
	cs := collect(t, src, Options{})
	if len(cs) != 2 || len(cs[0].Lines) != 2 || cs[0].Hello != h || cs[1].Hello != h || len(cs[1].Lines) != 1 {
		t.Fatalf("chunks %+v", cs)
	}
	if !cs[0].Arrival.Equal(t0.Add(time.Second)) {
		t.Fatalf("arrival %v, want the last line's", cs[0].Arrival)
	}
}

func TestReadStopsOnCancel(t *testing.T) {
	src := &lines{ls: make([]input.Line, 10)}
	for i := range src.ls {
		src.ls[i].Data = []byte(`{"id":"1","text":"x"}`)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := make(chan Chunk) // nobody reads: Read must not block
	if _, err := Read(ctx, src, Options{Chunk: 1}, out); err != context.Canceled {
		t.Fatalf("Read after cancel: %v", err)
	}
}

// TestSeqsFollowLines: a source's line numbers come along index for index
// with the chunk's lines, keep-alives (which make no line) left out.
func TestSeqsFollowLines(t *testing.T) {
	src := &lines{ls: []input.Line{
		{Data: []byte(`{"id":"1","text":"x","lon":1,"lat":2}`), Seq: 3},
		{Seq: 4}, // a keep-alive
		{TooLong: true, Seq: 7},
		{Data: []byte(`not json`), Seq: 9},
	}}
	cs := collect(t, src, Options{Chunk: 2})
	var got []uint64
	for _, c := range cs {
		if len(c.Seqs) != len(c.Lines) {
			t.Fatalf("chunk of %d lines has %d seqs", len(c.Lines), len(c.Seqs))
		}
		got = append(got, c.Seqs...)
	}
	if want := []uint64{3, 7, 9}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("seqs %v, want %v", got, want)
	}
	// A source that numbers nothing makes no Seqs.
	for _, c := range collect(t, &lines{ls: []input.Line{{Data: []byte(`{"id":"1"}`)}}}, Options{}) {
		if c.Seqs != nil {
			t.Fatal("Seqs for a source without numbers")
		}
	}
}

// trickle is a Source whose input runs dry every every lines, as a live
// stream's does.
type trickle struct {
	lines
	every int
}

func (s *trickle) Buffered() bool { return s.i < len(s.ls) && s.i%s.every != 0 }

// trickleLines are n tweets numbered from 1, with their line numbers.
func trickleLines(n int) []input.Line {
	ls := make([]input.Line, n)
	for i := range ls {
		ls[i] = input.Line{Data: fmt.Appendf(nil, `{"id":"%d","text":"snow in chicago tonight","lon":1,"lat":2}`, i+1), Seq: uint64(i + 1)}
	}
	return ls
}

// TestSmallChunksOwnTheirLines: a chunk sent because the input ran dry
// holds its lines in a slice of their size, and the chunks after it,
// which reuse the buffer it was read into, leave it as it was sent.
func TestSmallChunksOwnTheirLines(t *testing.T) {
	src := &trickle{lines: lines{ls: trickleLines(40)}, every: 3}
	cs := collect(t, src, Options{Chunk: 8})
	n := 0
	for _, c := range cs {
		if len(c.Lines) > 3 || cap(c.Lines) != len(c.Lines) || cap(c.Seqs) != len(c.Seqs) {
			t.Fatalf("a chunk of %d lines in a slice of %d, %d seqs in %d", len(c.Lines), cap(c.Lines), len(c.Seqs), cap(c.Seqs))
		}
		for i, tw := range c.Lines {
			n++
			if tw.ID != fmt.Sprint(n) || c.Seqs[i] != uint64(n) {
				t.Fatalf("line %d is tweet %q, seq %d", n, tw.ID, c.Seqs[i])
			}
		}
	}
	if n != 40 {
		t.Fatalf("%d lines, want 40", n)
	}
	// Full chunks are sent as they were read, each in its own slice.
	cs = collect(t, &lines{ls: trickleLines(24)}, Options{Chunk: 8})
	if len(cs) != 3 || &cs[0].Lines[0] == &cs[1].Lines[0] || cs[2].Lines[7].ID != "24" || cs[0].Lines[0].ID != "1" {
		t.Fatalf("%d full chunks", len(cs))
	}
}

// BenchmarkReadLive reads a live stream's input, which runs dry every 16
// lines, into chunks (B/op: what a line costs to allocate).
func BenchmarkReadLive(b *testing.B) {
	ls := trickleLines(4096)
	b.ReportAllocs()
	for b.Loop() {
		out := make(chan Chunk, 4096)
		if _, err := Read(context.Background(), &trickle{lines: lines{ls: ls}, every: 16}, Options{}, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ls)), "ns/line")
}
