//go:build !linux

package events

// mappedRows says that large rows are mapped on pages of hugePage bytes.
const mappedRows = false

// hugePage is the size of the pages a large row would ask for.
const hugePage = 2 << 20

// newRow returns n zeroed counts.
func newRow(n int, _ *sketch) []float32 { return make([]float32, n) }
