package model

import (
	"slices"
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
	if n := unsafe.Sizeof(Point{}); n > 96 {
		t.Fatalf("a point takes %d bytes, more than 96", n)
	}
}
