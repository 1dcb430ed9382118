package modeltest

import (
	"reflect"
	"testing"
)

// TestStreamAndCopy: the stream is the same every time, its first three
// batches too small to seed a model; a copy has the same points, none of
// them shared with the original.
func TestStreamAndCopy(t *testing.T) {
	a, b := Stream(25), Stream(25)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two streams differ")
	}
	for i, batch := range a[:3] {
		if len(batch) != 6 {
			t.Errorf("batch %d has %d posts, want 6", i, len(batch))
		}
	}
	c := Copy(a)
	if !reflect.DeepEqual(c, a) {
		t.Fatal("the copy differs")
	}
	for i := range c {
		for j := range c[i] {
			if c[i][j] == a[i][j] {
				t.Fatalf("post %d of batch %d is shared", j, i)
			}
		}
	}
}
