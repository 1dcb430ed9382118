package model

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestPointRareFields: text, place and dense features read back as set,
// and a point that holds none of them keeps nothing for them.
func TestPointRareFields(t *testing.T) {
	var p Point
	if p.Text() != "" || p.Place() != "" || p.Vec() != nil || p.Terms() != nil || p.rare != nil {
		t.Fatal("a new point has rare fields")
	}
	p.SetText("snow in Chicago")
	p.SetPlace("Chicago, IL")
	p.SetVec([]float32{1, 2, 3})
	if p.Text() != "snow in Chicago" || p.Place() != "Chicago, IL" || !slices.Equal(p.Vec(), []float32{1, 2, 3}) {
		t.Fatalf("read back %q, %q, %v", p.Text(), p.Place(), p.Vec())
	}
	p.SetText("")
	if p.Text() != "" || p.Place() != "Chicago, IL" || p.rare == nil {
		t.Fatalf("after clearing the text: %q, %q", p.Text(), p.Place())
	}
	p.SetPlace("")
	if p.rare == nil || p.Vec() == nil {
		t.Fatal("the vector went with the place")
	}
	p.SetTerms([]Term{{ID: 7, W: 1}})
	p.SetVec(nil)
	if p.rare == nil || len(p.Terms()) != 1 || p.Terms()[0].ID != 7 {
		t.Fatalf("the terms went with the vector: %v", p.Terms())
	}
	p.SetTerms(nil)
	if p.rare != nil {
		t.Fatal("a point with no rare field left still holds them")
	}
	// An empty but non-nil vector is a vector, as it was when Vec was a
	// field.
	p.SetVec([]float32{})
	if p.Vec() == nil {
		t.Fatal("an empty vector reads back as nil")
	}
	var q Point
	q.SetText("")
	q.SetVec(nil)
	q.SetTerms(nil)
	if q.rare != nil {
		t.Fatal("setting empty fields made room for them")
	}
	// A post's terms, which every post has until its batch is closed,
	// take no room for the text and place once the text is gone.
	q.SetText("snow")
	q.SetTerms([]Term{{ID: 1, W: 1}})
	q.SetText("")
	if q.rare == nil || q.rare.more != nil || len(q.Terms()) != 1 || q.Text() != "" {
		t.Fatalf("terms alone keep %+v", q.rare)
	}
	q.SetPlace("Oslo")
	if q.Place() != "Oslo" || len(q.Terms()) != 1 || q.Text() != "" || q.Vec() != nil {
		t.Fatalf("a place beside the terms reads back as %q, %v", q.Place(), q.Terms())
	}
}

// TestPointTime: a point's time reads back as the same instant, to the
// nanosecond, in UTC; the zero time stays zero.
func TestPointTime(t *testing.T) {
	var p Point
	if !p.Time().IsZero() {
		t.Fatalf("a new point's time is %v", p.Time())
	}
	p.SetTime(time.Now())
	p.SetTime(time.Time{})
	if !p.Time().IsZero() {
		t.Fatalf("the zero time reads back as %v", p.Time())
	}
	tokyo := time.FixedZone("JST", 9*3600)
	for _, at := range []time.Time{
		time.Date(2026, 1, 1, 9, 0, 0, 123456789, tokyo),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		p.SetTime(at)
		got := p.Time()
		if !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("%v reads back as %v", at, got)
		}
	}
}

// TestStampOrdersAsTimes: a point's Stamp and StampOf order as the times
// do, the zero time first, whatever the zone.
func TestStampOrdersAsTimes(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	times := []time.Time{
		{},
		time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2026, 1, 1, 9, 0, 0, 123456789, tokyo),
		time.Date(2026, 1, 1, 0, 0, 0, 123456790, time.UTC),
		time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i, a := range times {
		var p Point
		p.SetTime(a)
		if p.Stamp() != StampOf(a) {
			t.Errorf("%v: the point's stamp %d, StampOf %d", a, p.Stamp(), StampOf(a))
		}
		for _, b := range times[i:] {
			if got, want := p.Stamp() < StampOf(b), a.Before(b); got != want {
				t.Errorf("%v before %v: stamps say %v, times %v", a, b, got, want)
			}
		}
	}
}

// TestPointSize: a window holds millions of points; what each costs is
// kept in check (docs/performance.md, BenchmarkWindowMemory).
func TestPointSize(t *testing.T) {
	if n := unsafe.Sizeof(Point{}); n > 64 {
		t.Fatalf("a point takes %d bytes, more than 64", n)
	}
}

// TestPointTokens: a point's words read back as set, in order, empty
// words and repeats kept; nil means not tokenized, and an empty list
// tokenized with no word.
func TestPointTokens(t *testing.T) {
	var p Point
	if p.Tokenized() || p.NumTokens() != 0 || p.AppendTokens(nil) != nil || p.HasToken("") {
		t.Fatal("a new point has words")
	}
	for _, ws := range [][]string{
		{"snow", "storm", "chicago"},
		{"#snow", "@nws", "snow", "snow"},
		{"", "a", ""},
		{"東京", "地震", "서울", "москва"},
		{"a"},
		{strings.Repeat("x", 127), strings.Repeat("y", 128), "z", strings.Repeat("é", 9000)},
		{"a\x00b", "\x00", "\x80\xff"},
		{},
	} {
		p.SetTokens(ws)
		if !p.Tokenized() || p.NumTokens() != len(ws) {
			t.Fatalf("%q: tokenized %v, %d words", ws, p.Tokenized(), p.NumTokens())
		}
		if got := p.AppendTokens([]string{"x"}); !slices.Equal(got[1:], ws) || got[0] != "x" {
			t.Fatalf("%q appended as %q", ws, got)
		}
		if got := slices.Collect(p.Tokens()); len(ws) > 0 && !slices.Equal(got, ws) {
			t.Fatalf("%q read as %q", ws, got)
		}
		for _, w := range append(ws, "sno", "now", "storm chicago", "s", "#", "@nws\x00snow", "москв", "\x04snow") {
			if got := p.HasToken(w); got != slices.Contains(ws, w) {
				t.Fatalf("%q: HasToken(%q) = %v", ws, w, got)
			}
		}
	}
	p.SetTokens(nil)
	if p.Tokenized() || p.NumTokens() != 0 {
		t.Fatal("nil words leave the point tokenized")
	}
}

// TestPointID: a post's id and words share one string, and setting one
// keeps the other.
func TestPointID(t *testing.T) {
	p := NewPoint("1899999999999999999")
	if p.ID() != "1899999999999999999" || p.Cluster != -1 || p.Tokenized() || p.NumTokens() != 0 {
		t.Fatalf("new point: %q, %d, %v", p.ID(), p.Cluster, p.Tokenized())
	}
	p.SetTokens([]string{"snow", "", "storm"})
	long := "at://did:plc:" + strings.Repeat("z", 200) + "/app.bsky.feed.post/3k"
	p.SetID(long)
	if p.ID() != long || !slices.Equal(p.AppendTokens(nil), []string{"snow", "", "storm"}) || !p.Tokenized() {
		t.Fatalf("after a new id: %q, %q", p.ID(), p.AppendTokens(nil))
	}
	p.SetID("")
	if p.ID() != "" || p.NumTokens() != 3 {
		t.Fatalf("after an empty id: %q, %d words", p.ID(), p.NumTokens())
	}
	var q Point
	q.SetPacked(PackPost("7", []string{"flood"}))
	if q.ID() != "7" || !q.Tokenized() || !q.HasToken("flood") || q.HasToken("7") {
		t.Fatalf("packed: %q, %q", q.ID(), q.AppendTokens(nil))
	}
	q.SetPacked(PackPost("8", nil))
	if q.ID() != "8" || q.Tokenized() {
		t.Fatalf("packed without words: %q, tokenized %v", q.ID(), q.Tokenized())
	}
	var z Point
	z.SetID("")
	z.SetTokens(nil)
	if z.post != "" {
		t.Fatalf("no id and no words keep %q", z.post)
	}
}

// TestPointTokensTakeOneAllocation: a post's words cost one allocation,
// of their bytes and a byte each (words under 128 bytes), however many
// they are.
func TestPointTokensTakeOneAllocation(t *testing.T) {
	ws := strings.Fields("a storm is coming to the coast of maine tonight with snow")
	var p Point
	if n := testing.AllocsPerRun(100, func() { p.SetTokens(ws) }); n != 1 {
		t.Fatalf("%v allocations for a post's words", n)
	}
	n := len(ws)
	for _, w := range ws {
		n += len(w)
	}
	if len(p.post) != n+1 { // and the empty id's length
		t.Fatalf("%d bytes for %d", len(p.post), n+1)
	}
}

// FuzzPointTokens: any words, space-separated in the input, read back as
// set, and HasToken agrees with a search of them.
func FuzzPointTokens(f *testing.F) {
	f.Add("snow storm snow", "snow")
	f.Add(" a  b ", "")
	f.Add("東京 地震", "東")
	f.Add("a\x00b c", "b")
	f.Add(strings.Repeat("long", 40)+" \x80\x01", "\x80\x01")
	f.Fuzz(func(t *testing.T, line, w string) {
		ws := strings.Split(line, " ")
		p := NewPoint(w)
		p.SetTokens(ws)
		if p.ID() != w {
			t.Fatalf("id %q read back as %q", w, p.ID())
		}
		if got := p.AppendTokens(nil); !slices.Equal(got, ws) || p.NumTokens() != len(ws) {
			t.Fatalf("%q read back as %q", ws, got)
		}
		if got := p.HasToken(w); got != slices.Contains(ws, w) {
			t.Fatalf("%q: HasToken(%q) = %v", ws, w, got)
		}
	})
}
