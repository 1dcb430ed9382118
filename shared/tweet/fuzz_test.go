package tweet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
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
	f.Add([]byte(`{"id":"1","text":"x","user_location":"Brooklyn, NY \ud83d"}`))
	f.Add([]byte(`{"data":{"id":"1","author_id":"2"},"includes":{"users":[{"id":"2","location":"\u6771\u4eac"}]}}`))
	f.Add([]byte(`{"id_str":"1","user":{"location":["not","a","string"]}}`))
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
		if err != nil || back.Kind != KindTweet || back.ID != tw.ID || back.Located() != tw.Located() ||
			back.UserLocation != replaceInvalid(tw.UserLocation) {
			t.Fatalf("compact round trip of %q gave %+v, %v", c, back, err)
		}
	})
}

// replaceInvalid replaces each byte of invalid UTF-8 with U+FFFD, as
// AppendJSONString does.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
