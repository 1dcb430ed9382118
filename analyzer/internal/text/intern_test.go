package text

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

func same(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

func TestInternerSharesWords(t *testing.T) {
	var in Interner
	a := Tokenize(nil, "storm warning for the coast")
	b := Tokenize(nil, "storm over the coast tonight")
	in.Intern(a)
	in.Intern(b)
	if a[0] != "storm" || b[0] != "storm" || !same(a[0], b[0]) || a[2] != b[1] || !same(a[2], b[1]) {
		t.Fatalf("%q and %q do not share their words", a, b)
	}
	for _, w := range b {
		if in.cur[w] != w {
			t.Fatalf("%q not held", w)
		}
	}
	// A new word is a copy of its own, not a part of the post's string.
	post := strings.Clone("flood flood2")
	ws := []string{post[:5], post[6:]}
	in.Intern(ws)
	if same(ws[0], post) || ws[0] != "flood" || ws[1] != "flood2" {
		t.Fatalf("interned %q keeps the post's string", ws)
	}
}

func TestInternerIsBounded(t *testing.T) {
	in := Interner{Span: 100}
	for i := range 10000 {
		in.Intern([]string{fmt.Sprint("w", i), "common"})
		if in.Len() > 2*in.Span {
			t.Fatalf("after %d posts it holds %d words", i, in.Len())
		}
	}
	// A word of every generation stays one string.
	a, b := []string{"common"}, []string{"common"}
	in.Intern(a)
	for i := range 150 {
		in.Intern([]string{fmt.Sprint("x", i)})
	}
	in.Intern(b)
	if !same(a[0], b[0]) {
		t.Fatal("a word seen in the last generation was copied again")
	}
}
