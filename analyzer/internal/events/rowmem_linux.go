package events

import (
	"runtime"
	"syscall"
	"unsafe"
)

// mappedRows says that large rows are mapped on pages of hugePage bytes.
const mappedRows = true

// hugePage is the size of the pages a large row asks the kernel for.
const hugePage = 2 << 20

// newRow returns n zeroed counts. A row of a megabyte or more is mapped
// outside the Go heap on pages of 2 MB where the kernel grants them: a
// sketch is read and written at random, one bucket a word, and on pages
// of 4 KB nearly each access misses the TLB (more so in a virtual
// machine, where a miss walks two page tables). The mapping is released
// once owner is unreachable.
func newRow(n int, owner *sketch) []float32 {
	size := n * 4
	if size < hugePage/2 {
		return make([]float32, n)
	}
	mem, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]float32, n)
	}
	off := 0
	if r := uintptr(unsafe.Pointer(&mem[0])) % hugePage; r != 0 {
		off = int(hugePage - r)
	}
	_ = syscall.Madvise(mem[off:off+size], syscall.MADV_HUGEPAGE) // a hint: small pages still work
	runtime.AddCleanup(owner, func(m []byte) { _ = syscall.Munmap(m) }, mem)
	return unsafe.Slice((*float32)(unsafe.Pointer(&mem[off])), n)
}
