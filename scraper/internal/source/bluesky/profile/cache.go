package profile

import (
	"container/list"
	"time"
)

// cache keeps the profiles looked up, the least recently used first to go,
// each until it expires. Its memory is bounded by its size: about 300
// bytes an entry with a typical profile. It is not safe for concurrent use.
type cache struct {
	size  int
	order *list.List // of *entry, the most recently used at the front
	byDID map[string]*list.Element
}

type entry struct {
	did     string
	frag    []byte // the profile as added to a line; nil for an author without one
	expires time.Time
}

func newCache(size int) *cache {
	return &cache{size: size, order: list.New(), byDID: make(map[string]*list.Element)}
}

// get returns the profile of did and whether the cache holds one that has
// not expired at now.
func (c *cache) get(did string, now time.Time) ([]byte, bool) {
	el, ok := c.byDID[did]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.byDID, did)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.frag, true
}

// put keeps frag for did until expires, forgetting the least recently used
// profile when the cache is full.
func (c *cache) put(did string, frag []byte, expires time.Time) {
	if el, ok := c.byDID[did]; ok {
		e := el.Value.(*entry)
		e.frag, e.expires = frag, expires
		c.order.MoveToFront(el)
		return
	}
	if c.order.Len() >= c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byDID, oldest.Value.(*entry).did)
	}
	c.byDID[did] = c.order.PushFront(&entry{did: did, frag: frag, expires: expires})
}

func (c *cache) len() int { return c.order.Len() }
