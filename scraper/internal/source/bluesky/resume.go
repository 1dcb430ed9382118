package bluesky

import (
	"encoding/binary"
	"hash/maphash"

	"github.com/geostream/geostream/shared/tweet"
)

// maxRecent bounds the events remembered to recognise those sent again
// after a resume: at the posts' rate of the whole network, the last
// minutes.
const maxRecent = 1 << 16

// recent remembers the events seen within a window of event time (the
// resume's rewind, and some), so that those sent again after a resume are
// dropped. Its memory is bounded by maxRecent events.
type recent struct {
	seed    maphash.Seed
	window  int64 // µs
	keys    map[uint64]struct{}
	ring    []stamp // circular FIFO of what keys holds: n from head
	head, n int
	newest  int64
}

type stamp struct {
	timeUS int64
	key    uint64
}

func newRecent(windowUS int64) *recent {
	return &recent{seed: maphash.MakeSeed(), window: windowUS, keys: make(map[uint64]struct{}),
		ring: make([]stamp, maxRecent)}
}

// seen reports whether ev was seen before, and remembers it.
func (r *recent) seen(ev *tweet.JetstreamEvent) bool {
	key := r.key(ev)
	r.newest = max(r.newest, ev.TimeUS)
	for r.n > 0 && r.ring[r.head].timeUS < r.newest-r.window {
		r.pop()
	}
	if _, ok := r.keys[key]; ok {
		return true
	}
	if r.n == len(r.ring) {
		r.pop()
	}
	r.ring[(r.head+r.n)%len(r.ring)] = stamp{ev.TimeUS, key}
	r.n++
	r.keys[key] = struct{}{}
	return false
}

// pop forgets the oldest event.
func (r *recent) pop() {
	delete(r.keys, r.ring[r.head].key)
	r.head = (r.head + 1) % len(r.ring)
	r.n--
}

func (r *recent) key(ev *tweet.JetstreamEvent) uint64 {
	var h maphash.Hash
	h.SetSeed(r.seed)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(ev.TimeUS))
	h.Write(b[:])
	for _, s := range []string{ev.DID, ev.Kind, ev.Collection, ev.Operation, ev.RKey, ev.Rev} {
		h.WriteString(s)
		h.WriteByte(0)
	}
	return h.Sum64()
}
