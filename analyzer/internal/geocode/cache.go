package geocode

// entry is a cached answer.
type entry struct {
	r  Result
	ok bool
}

// cache is a two-generation map: lookups fill the young generation; when it
// is full it becomes the old one and the previous old one is dropped. A hit
// in the old generation moves to the young one, so strings in steady use stay
// while one-offs age out. It holds at most 2×size entries and costs no
// bookkeeping per hit, unlike an LRU list.
type cache struct {
	size     int
	young    map[string]entry
	old      map[string]entry
	hits     uint64
	misses   uint64
	disabled bool
}

func newCache(size int) cache {
	if size < 0 {
		return cache{disabled: true}
	}
	return cache{size: size, young: make(map[string]entry, size)}
}

func (c *cache) get(k string) (entry, bool) {
	if c.disabled {
		return entry{}, false
	}
	if e, ok := c.young[k]; ok {
		c.hits++
		return e, true
	}
	if e, ok := c.old[k]; ok {
		c.hits++
		c.put(k, e.r, e.ok)
		return e, true
	}
	c.misses++
	return entry{}, false
}

func (c *cache) put(k string, r Result, ok bool) {
	if c.disabled {
		return
	}
	if len(c.young) >= c.size {
		c.old, c.young = c.young, make(map[string]entry, c.size)
	}
	c.young[k] = entry{r, ok}
}
