package render

import (
	"testing"

	"github.com/geostream/geostream/analyzer/internal/geo"
)

// The renderer keeps the last two base maps it drew, newest used first:
// going back to the one before draws nothing, a third drops the oldest.
func TestBaseCacheKeepsTheLastTwo(t *testing.T) {
	var c baseCache
	get := func(region string) any {
		t.Helper()
		img, err := c.get(geo.Regions[region], 400, 300, 9)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	usa, europe := get("usa"), get("europe")
	if get("usa") != usa || get("europe") != europe {
		t.Fatal("a kept base map was drawn again")
	}
	asia := get("asia") // drops the usa's, used longest ago
	if len(c.kept) != baseKept {
		t.Fatalf("%d base maps kept, want %d", len(c.kept), baseKept)
	}
	if get("europe") != europe || get("asia") != asia {
		t.Fatal("the last two base maps were not kept")
	}
	if get("usa") == usa {
		t.Fatal("a third base map kept")
	}
}
