package bluesky

import (
	"fmt"
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

func ev(rkey string, timeUS int64) *tweet.JetstreamEvent {
	return &tweet.JetstreamEvent{DID: "did:plc:x", Kind: "commit", Collection: tweet.BlueskyPostCollection,
		Operation: "create", RKey: rkey, Rev: "r" + rkey, TimeUS: timeUS}
}

// TestRecent: an event is recognised while it is within the window of the
// newest, forgotten after, and memory stays bounded.
func TestRecent(t *testing.T) {
	r := newRecent(1000)
	if r.seen(ev("a", 100)) || !r.seen(ev("a", 100)) {
		t.Fatal("an event seen again was not recognised")
	}
	if r.seen(ev("a", 101)) || r.seen(ev("b", 100)) {
		t.Fatal("another time or record taken for the same event")
	}
	r.seen(ev("c", 1101)) // a is now 1001 µs older than the newest
	if r.seen(ev("a", 100)) {
		t.Fatal("an event older than the window was remembered")
	}
	big := newRecent(1 << 40)
	for i := range maxRecent + 10 {
		big.seen(ev(fmt.Sprint(i), 5))
	}
	if len(big.keys) != maxRecent || big.n != maxRecent {
		t.Fatalf("%d keys, %d in the ring; bound %d", len(big.keys), big.n, maxRecent)
	}
	if big.seen(ev("0", 5)) || !big.seen(ev(fmt.Sprint(maxRecent+9), 5)) {
		t.Fatal("the oldest should be forgotten first, the newest kept")
	}
}
