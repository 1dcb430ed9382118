package tweet

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that no line makes the decoder panic, that every result
// is one of the three kinds, that located tweets have valid coordinates, and
// that a decoded tweet survives the compact round trip.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"v2.jsonl", "v1.jsonl", "compact.jsonl", "notices.jsonl"} {
		if _, err := os.Stat(filepath.Join(fixtures, name)); err != nil {
			continue
		}
		for _, l := range readLines(f, name) {
			f.Add(l)
		}
	}
	f.Add([]byte(`{"id":"1","lon":NaN,"lat":1}`))
	f.Add([]byte(`{"data":{"id":"1","geo":{"place_id":"p"}},"includes":{"places":[{"id":"p","geo":{"bbox":[]}}]}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var d Decoder
		tw, err := d.Decode(line)
		switch tw.Kind {
		case KindMalformed:
			if err == nil {
				t.Fatal("malformed without error")
			}
			return
		case KindNotice:
			return
		case KindTweet:
		default:
			t.Fatalf("unknown kind %d", tw.Kind)
		}
		if tw.Located() && !ValidLonLat(tw.Lon, tw.Lat) {
			t.Fatalf("located at invalid %v,%v", tw.Lon, tw.Lat)
		}
		c := AppendCompact(nil, &tw)
		back, err := d.Decode(c)
		if err != nil || back.Kind != KindTweet || back.ID != tw.ID || back.Located() != tw.Located() {
			t.Fatalf("compact round trip of %q gave %+v, %v", c, back, err)
		}
	})
}
