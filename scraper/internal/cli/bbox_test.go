package cli

import "testing"

func TestParseBox(t *testing.T) {
	if b, err := parseBox("-130,-20,100,50"); err != nil || b.W != -130 || b.N != 50 {
		t.Fatalf("got %+v, %v", b, err)
	}
	for _, bad := range []string{"", "1,2,3", "a,b,c,d", "10,0,5,5", "0,10,5,5", "-200,0,0,10", "NaN,0,1,1", "0,0,1,Inf"} {
		if _, err := parseBox(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseBox(f *testing.F) {
	f.Add("-130,-20,100,50")
	f.Add("1e308,1,2,3")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBox(s)
		if err != nil {
			return
		}
		if !(b.W < b.E && b.S < b.N && b.W >= -180 && b.E <= 180 && b.S >= -90 && b.N <= 90) {
			t.Fatalf("accepted %q as %+v", s, b)
		}
	})
}
