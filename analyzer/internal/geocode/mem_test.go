package geocode

import (
	"runtime"
	"testing"
)

// maxGazetteerHeap is the budget for the decoded gazetteer.
const maxGazetteerHeap = 40 << 20

// TestGazetteerHeap decodes the embedded gazetteer afresh and checks what it
// keeps on the heap once the decoding garbage is collected.
func TestGazetteerHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes the whole gazetteer")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g, err := decodeGazetteer(gazetteerData)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(g)
	t.Logf("gazetteer heap %.1f MB: %d places, %d regions, %d countries, %d keys, %d text names",
		float64(heap)/(1<<20), len(g.cities), len(g.regions), len(g.countries), g.keys.len(), len(g.text))
	if heap > maxGazetteerHeap {
		t.Errorf("gazetteer heap %d bytes, want ≤ %d", heap, maxGazetteerHeap)
	}
}
