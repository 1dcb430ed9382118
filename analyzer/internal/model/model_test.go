package model

import "testing"

func TestBySize(t *testing.T) {
	in := []ClusterSummary{{ID: 3, Size: 5}, {ID: 1, Size: 9}, {ID: 0, Size: 5}, {ID: 2, Size: 1}}
	got := BySize(in)
	want := []int{1, 0, 3, 2}
	for i, c := range got {
		if c.ID != want[i] {
			t.Fatalf("order %v, want ids %v", got, want)
		}
	}
	if in[0].ID != 3 {
		t.Fatal("the input was reordered")
	}
}
