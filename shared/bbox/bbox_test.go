package bbox

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := []struct {
		in   string
		want Box
	}{
		{"-130,-20,100,50", Box{-130, -20, 100, 50}},
		{" -0.6 , 51.25, 0.35 ,51.7 ", Box{-0.6, 51.25, 0.35, 51.7}},
		{"-180,-90,180,90", Box{-180, -90, 180, 90}},
		{"1e1,0,2e1,1", Box{10, 0, 20, 1}},
	}
	for _, tc := range good {
		t.Run(tc.in, func(t *testing.T) {
			b, err := Parse(tc.in)
			if err != nil || b != tc.want {
				t.Fatalf("got %v, %v; want %v", b, err, tc.want)
			}
			if back, err := Parse(b.String()); err != nil || back != b {
				t.Fatalf("String %q parses back as %v, %v", b.String(), back, err)
			}
		})
	}
	bad := []struct{ in, says string }{
		{"", "four numbers"},
		{"1,2,3", "four numbers"},
		{"1,2,3,4,5", "four numbers"},
		{"a,b,c,d", `"a" is not a finite number`},
		{"NaN,0,1,1", "not a finite number"},
		{"0,0,1,Inf", "not a finite number"},
		{"0,0,1,", "not a finite number"},
		{"-200,0,0,10", "off the globe"},
		{"0,0,10,91", "off the globe"},
		{"10,0,5,5", "empty"},
		{"0,10,5,5", "empty"},
		{"5,5,5,6", "empty"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.in, func(t *testing.T) {
			_, err := Parse(tc.in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want an ErrInvalid saying %q", err, tc.says)
			}
			if strings.Contains(err.Error(), "--") {
				t.Fatalf("%q names a flag", err)
			}
		})
	}
}

func TestContainsAndAspect(t *testing.T) {
	b := Box{-10, -10, 10, 10}
	for _, p := range [][2]float64{{0, 0}, {-10, -10}, {10, 10}} {
		if !b.Contains(p[0], p[1]) {
			t.Errorf("%v not in %v", p, b)
		}
	}
	for _, p := range [][2]float64{{10.001, 0}, {0, -10.001}, {math.NaN(), 0}} {
		if b.Contains(p[0], p[1]) {
			t.Errorf("%v in %v", p, b)
		}
	}
	if a := b.Aspect(); math.Abs(a-1) > 1e-12 {
		t.Fatalf("aspect of a square at the equator %v", a)
	}
	if a := (Box{0, 59, 2, 61}).Aspect(); math.Abs(a-0.5) > 0.01 {
		t.Fatalf("aspect at 60°N %v, want about cos 60° = 0.5", a)
	}
}

// FuzzParse: whatever Parse accepts is a valid box, and its String parses
// back to the same box.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"-130,-20,100,50", "1e308,1,2,3", "-180,-90,180,90", " 1 ,2,3,4", "0x10,0,0x20,1", "1,2,3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if !(b.W < b.E && b.S < b.N && b.W >= -180 && b.E <= 180 && b.S >= -90 && b.N <= 90) {
			t.Fatalf("accepted %q as %+v", s, b)
		}
		if back, err := Parse(b.String()); err != nil || back != b {
			t.Fatalf("%q: String %q parses back as %v, %v", s, b.String(), back, err)
		}
	})
}
