package checkpoint

import (
	"math"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	var e Encoder
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	e.Uint(0)
	e.Uint(math.MaxUint64)
	e.Int(-5)
	e.Bool(true)
	e.Float64(math.NaN())
	e.Float64(-0.25)
	e.Float32(1.5)
	e.String("héllo")
	e.Bytes(nil)
	e.Time(at)
	e.Time(time.Time{})
	d := Decoder{B: e.B}
	if d.Uint() != 0 || d.Uint() != math.MaxUint64 || d.Int() != -5 || !d.Bool() || !math.IsNaN(d.Float64()) ||
		d.Float64() != -0.25 || d.Float32() != 1.5 || d.String() != "héllo" || len(d.Bytes()) != 0 ||
		!d.Time().Equal(at) || !d.Time().IsZero() || d.Err != nil || len(d.B) != 0 {
		t.Fatalf("round trip failed: %v", d.Err)
	}
}

// FuzzDecoder: whatever it reads, a Decoder does not panic, and once it
// fails it stays failed.
func FuzzDecoder(f *testing.F) {
	var e Encoder
	e.String("abc")
	e.Int(-3)
	e.Time(time.Unix(5, 0))
	f.Add(e.B)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := Decoder{B: b}
		for range 8 {
			_ = d.String()
			_ = d.Bytes()
			_ = d.Int()
			_ = d.Time()
			_ = d.Float64()
			_ = d.Float32()
			_ = d.Bool()
			if n := d.Len(8); n*8 > len(b) {
				t.Fatalf("a count of %d from %d bytes", n, len(b))
			}
		}
		if d.Err != nil && (len(d.B) != 0 || d.Uint() != 0) {
			t.Fatal("a failed decoder read on")
		}
	})
}

// BenchmarkEncode appends what a model's state is mostly made of: small
// counts and ids, a few larger, and some floats.
func BenchmarkEncode(b *testing.B) {
	e := Encoder{B: make([]byte, 0, 1<<20)}
	b.ReportAllocs()
	for b.Loop() {
		e.B = e.B[:0]
		for i := range 50000 {
			e.Uint(uint64(i % 200))
			e.Int(int64(i%300 - 20))
			if i%16 == 0 {
				e.Uint(uint64(i) * 977)
				e.Float64(float64(i))
			}
		}
	}
	b.SetBytes(int64(len(e.B)))
}
