package tweet

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

const fixtures = "../../testdata/lines"

func readLines(tb testing.TB, name string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// same reports whether two tweets are equal, entities and all.
func same(a, b Tweet) bool { return reflect.DeepEqual(a, b) }

// withoutEntities returns t without its entities, for the reference
// decoders that do not read them.
func withoutEntities(t Tweet) Tweet {
	t.Entities = nil
	return t
}

func TestDecodeFixtures(t *testing.T) {
	ts := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	tests := []struct {
		name, file string
		line       int
		want       Tweet
	}{
		{"v2 exact point wins over place", "v2.jsonl", 0, Tweet{ID: "1861234567890123457", Lon: -90.0812, Lat: 29.9511, Geo: GeoPoint,
			User: "marie_nola", Lang: "en", Place: "New Orleans, LA", UserLocation: "New Orleans, LA", CreatedAt: ts("2026-02-08T23:41:07Z")}},
		{"v2 place bbox centre", "v2.jsonl", 1, Tweet{ID: "1861234567890123999", Lon: (-2.319934 + -2.147026) / 2, Lat: (53.343623 + 53.570437) / 2,
			Geo: GeoPlace, User: "mcr_rainwatch", Lang: "en", Place: "Manchester, England", CreatedAt: ts("2026-02-08T23:41:09Z")}},
		{"v2 without location", "v2.jsonl", 2, Tweet{ID: "1861234567890124001", User: "42", Lang: "en", CreatedAt: ts("2026-02-08T23:41:10Z")}},
		{"v2 retweet", "v2.jsonl", 3, Tweet{ID: "1861234567890124002", User: "43", Lang: "en", Lon: 2.3522, Lat: 48.8566, Geo: GeoPoint,
			Retweet: true, CreatedAt: ts("2026-02-08T23:41:11Z")}},
		{"v2 note tweet text", "v2.jsonl", 4, Tweet{ID: "1861234567890124003", Lang: "en", Lon: 139.6917, Lat: 35.6895, Geo: GeoPoint,
			CreatedAt: ts("2026-02-08T23:41:12Z")}},
		{"v1 retweet takes original full text", "v1.jsonl", 0, Tweet{ID: "1861234567890123458", User: "tester1", Lang: "en", UserLocation: "Somewhere on Earth",
			Lon: -90.0701, Lat: 29.9499, Geo: GeoPoint, Retweet: true, Place: "New Orleans, LA", CreatedAt: ts("2026-02-08T23:41:07Z")}},
		{"v1 deprecated geo is lat,lon", "v1.jsonl", 1, Tweet{ID: "1861234567890123459", User: "tester2", Lang: "en", UserLocation: "Somewhere on Earth",
			Lon: -0.1278, Lat: 51.5074, Geo: GeoPoint, CreatedAt: ts("2026-02-08T23:42:07Z")}},
		{"v1 place polygon centre", "v1.jsonl", 2, Tweet{ID: "1861234567890123460", User: "tester3", Lang: "en", UserLocation: "Somewhere on Earth",
			Lon: (-97.928935 + -97.5805) / 2, Lat: (30.127892 + 30.518799) / 2, Geo: GeoPlace, Place: "Austin, TX", CreatedAt: ts("2026-02-08T23:43:07Z")}},
		{"v1 no location", "v1.jsonl", 3, Tweet{ID: "1861234567890123461", User: "tester4", Lang: "en", UserLocation: "Somewhere on Earth", CreatedAt: ts("2026-02-08T23:44:07Z")}},
		{"v1 bad point falls back to place", "v1.jsonl", 4, Tweet{ID: "1861234567890123462", User: "tester5", Lang: "en", UserLocation: "Somewhere on Earth", BadGeo: true,
			Lon: (-97.928935 + -97.5805) / 2, Lat: (30.127892 + 30.518799) / 2, Geo: GeoPlace, Place: "Austin, TX", CreatedAt: ts("2026-02-08T23:45:07Z")}},
		{"compact", "compact.jsonl", 0, Tweet{ID: "1861234567890123457", User: "marie_nola", Lang: "en", Lon: -90.0812, Lat: 29.9511,
			Geo: GeoPoint, Place: "New Orleans, LA", CreatedAt: ts("2026-02-08T23:41:07Z")}},
		{"compact id above 2^53 kept exactly", "compact.jsonl", 1, Tweet{ID: "9007199254740993", User: "x", Lang: "en",
			CreatedAt: ts("2026-02-08T23:41:08Z")}},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			line := readLines(t, tc.file)[tc.line]
			got, err := d.Decode(line)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			w := tc.want
			if got.Kind != KindTweet || got.ID != w.ID || got.User != w.User || got.Lang != w.Lang || got.Place != w.Place ||
				got.Geo != w.Geo || !near(got.Lon, w.Lon) || !near(got.Lat, w.Lat) || got.Retweet != w.Retweet ||
				got.BadGeo != w.BadGeo || !got.CreatedAt.Equal(w.CreatedAt) || got.UserLocation != w.UserLocation {
				t.Errorf("got  %+v\nwant %+v", got, w)
			}
			if got.Text == "" {
				t.Errorf("empty text")
			}
		})
	}
}

func TestDecodeTextRules(t *testing.T) {
	var d Decoder
	v2 := readLines(t, "v2.jsonl")
	if tw, _ := d.Decode(v2[4]); tw.Text != "a much longer note tweet text about the marathon in Tokyo" {
		t.Errorf("note_tweet text not preferred: %q", tw.Text)
	}
	v1 := readLines(t, "v1.jsonl")
	tw, _ := d.Decode(v1[0])
	if !bytes.HasPrefix([]byte(tw.Text), []byte("@geostream_news The #SuperBowl")) || len(tw.Text) <= 140 {
		t.Errorf("retweet should carry the original's extended full_text, got %q", tw.Text)
	}
	if c, _ := d.Decode([]byte(`{"data":{"id":"1","text":"a\u00e9\"b"}}`)); c.Text != "aé\"b" {
		t.Errorf("escapes not decoded: %q", c.Text)
	}
}

// TestDecodeXEntities: X writes &, < and > in tweet text as HTML entities;
// the decoded text is what the author typed, and a compact line (written
// from decoded text) is left alone.
func TestDecodeXEntities(t *testing.T) {
	var d Decoder
	for _, tc := range []struct{ name, line, want string }{
		{"v2", `{"data":{"id":"1","text":"Q&amp;A &lt;3 &gt;&gt; go"}}`, "Q&A <3 >> go"},
		{"v2 note", `{"data":{"id":"1","text":"x","note_tweet":{"text":"fish &amp; chips"}}}`, "fish & chips"},
		{"v1.1", `{"id_str":"1","created_at":"Wed Oct 10 20:19:24 +0000 2018","text":"A&amp;M &gt; all"}`, "A&M > all"},
		{"v1.1 extended", `{"id_str":"1","created_at":"Wed Oct 10 20:19:24 +0000 2018","text":"t","extended_tweet":{"full_text":"salt &amp; pepper"}}`, "salt & pepper"},
		{"typed entity", `{"data":{"id":"1","text":"write &amp;lt; for &lt;"}}`, "write &lt; for <"},
		{"bare ampersand", `{"data":{"id":"1","text":"AT&T & co"}}`, "AT&T & co"},
		{"compact", `{"id":"1","created_at":"2026-01-01T00:00:00Z","text":"Q&amp;A"}`, "Q&amp;A"},
	} {
		tw, err := d.Decode([]byte(tc.line))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tw.Text != tc.want {
			t.Errorf("%s: text %q, want %q", tc.name, tw.Text, tc.want)
		}
	}
}

func TestDecodeUserLocation(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"v1.1 user.location", `{"id_str":"1","text":"x","user":{"screen_name":"a","location":"Brooklyn, NY"}}`, "Brooklyn, NY"},
		{"v1.1 retweet keeps the retweeter's", `{"id_str":"1","text":"x","user":{"screen_name":"a","location":"London ON"},` +
			`"retweeted_status":{"id_str":"0","text":"y","user":{"screen_name":"b","location":"Paris"}}}`, "London ON"},
		{"v1.1 null location", `{"id_str":"1","text":"x","user":{"screen_name":"a","location":null}}`, ""},
		{"v2 author's location", `{"data":{"id":"1","text":"x","author_id":"7"},"includes":{"users":[` +
			`{"id":"8","username":"other","location":"Paris"},{"id":"7","username":"me","location":"S\u00e3o Paulo \ud83c\udde7\ud83c\uddf7"}]}}`, "São Paulo 🇧🇷"},
		{"v2 no author match", `{"data":{"id":"1","text":"x","author_id":"7"},"includes":{"users":[{"id":"8","location":"Paris"}]}}`, ""},
		{"v2 without author_id ignores users", `{"data":{"id":"1","text":"x"},"includes":{"users":[{"id":"","location":"Paris"}]}}`, ""},
		{"compact", `{"id":"1","text":"x","user_location":"Austin, TX"}`, "Austin, TX"},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Decode([]byte(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			if got.UserLocation != tc.want {
				t.Errorf("UserLocation %q, want %q", got.UserLocation, tc.want)
			}
			if ref, _ := refDecode([]byte(tc.line)); ref.UserLocation != tc.want {
				t.Errorf("reference decoder: UserLocation %q, want %q", ref.UserLocation, tc.want)
			}
			back, err := d.Decode(AppendCompact(nil, &got))
			if err != nil || back.UserLocation != tc.want {
				t.Errorf("compact round trip: %q, %v", back.UserLocation, err)
			}
		})
	}
}

func TestGeoStrings(t *testing.T) {
	for v, want := range map[GeoSource]string{GeoNone: "none", GeoPoint: "point", GeoPlace: "place",
		GeoProfile: "profile", GeoText: "text", 9: "GeoSource(9)"} {
		if v.String() != want {
			t.Errorf("GeoSource %d: %q, want %q", v, v.String(), want)
		}
	}
	for v, want := range map[GeoLevel]string{GeoLevelNone: "none", GeoCity: "city", GeoRegion: "region",
		GeoCountry: "country", 7: "GeoLevel(7)"} {
		if v.String() != want {
			t.Errorf("GeoLevel %d: %q, want %q", v, v.String(), want)
		}
	}
	// The wire values are fixed: the analyzer and captures depend on them.
	if GeoNone != 0 || GeoPoint != 1 || GeoPlace != 2 || GeoProfile != 3 || GeoText != 4 {
		t.Error("GeoSource values changed")
	}
}

func TestDecodeNotices(t *testing.T) {
	want := []string{"delete", "limit", "scrub_geo", "disconnect", "warning", "errors"}
	var d Decoder
	for i, line := range readLines(t, "notices.jsonl") {
		got, err := d.Decode(line)
		if err != nil || got.Kind != KindNotice || got.Notice != want[i] {
			t.Errorf("line %d: got %v %q err %v, want notice %q", i, got.Kind, got.Notice, err, want[i])
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct{ name, line string }{
		{"empty", ``},
		{"not json", `hello world`},
		{"truncated", `{"data":{"id":"1","text":"x"`},
		{"array", `[1,2,3]`},
		{"string", `"tweet"`},
		{"data not object", `{"data":42}`},
		{"v2 without id", `{"data":{"text":"x"}}`},
		{"unknown object", `{"foo":"bar"}`},
		{"binary junk", "\x00\xff\xfe{\x01"},
		{"v1 without id", `{"user":{"screen_name":"a"},"text":"x"}`},
		{"deeply nested", string(bytes.Repeat([]byte("["), 100000))},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Decode([]byte(tc.line))
			if !errors.Is(err, ErrMalformed) || got.Kind != KindMalformed {
				t.Errorf("got kind %v err %v, want malformed", got.Kind, err)
			}
		})
	}
}

func TestDecodeBadCoordinates(t *testing.T) {
	tests := []struct{ name, line string }{
		{"lon out of range", `{"data":{"id":"1","text":"x","geo":{"coordinates":{"type":"Point","coordinates":[181,0]}}}}`},
		{"lat out of range", `{"id":"1","text":"x","lon":0,"lat":-91}`},
		{"coordinates as strings", `{"id":"1","text":"x","lon":"1","lat":"2"}`},
		{"bbox with junk", `{"data":{"id":"1","text":"x","geo":{"place_id":"p"}},"includes":{"places":[{"id":"p","geo":{"bbox":[1,"a",2,3]}}]}}`},
		{"huge exponent", `{"id":"1","text":"x","lon":1e999,"lat":0}`},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Decode([]byte(tc.line))
			if err != nil {
				t.Fatalf("a tweet with bad coordinates is still a tweet: %v", err)
			}
			if got.Located() || !got.BadGeo {
				t.Errorf("got located=%v badgeo=%v, want unlocated and flagged", got.Located(), got.BadGeo)
			}
		})
	}
}

// TestDecodeMatchesReference checks the fast decoder against the
// encoding/json one on every fixture line.
func TestDecodeMatchesReference(t *testing.T) {
	var d Decoder
	for _, f := range []string{"v2.jsonl", "v1.jsonl", "compact.jsonl", "notices.jsonl"} {
		for i, line := range readLines(t, f) {
			got, _ := d.Decode(line)
			want, _ := refDecode(line)
			if got := withoutEntities(got); !same(got, want) { // entities: TestXEntities
				t.Errorf("%s:%d\n fast %+v\n ref  %+v", f, i+1, got, want)
			}
		}
	}
}

func TestCompactRoundTrip(t *testing.T) {
	var d Decoder
	for _, f := range []string{"v2.jsonl", "v1.jsonl", "compact.jsonl"} {
		for i, line := range readLines(t, f) {
			orig, err := d.Decode(line)
			if err != nil {
				t.Fatal(err)
			}
			c := AppendCompact(nil, &orig)
			back, err := d.Decode(c)
			if err != nil {
				t.Fatalf("%s:%d: compact %s does not decode: %v", f, i+1, c, err)
			}
			orig.BadGeo = false // the compact record carries only the chosen location
			if !same(back, orig) {
				t.Errorf("%s:%d round trip\n got  %+v\n want %+v", f, i+1, back, orig)
			}
			if len(c) >= len(line) && len(line) > 1000 {
				t.Errorf("%s:%d: compact record (%d bytes) not smaller than source (%d)", f, i+1, len(c), len(line))
			}
		}
	}
}

func TestAppendJSONStringInvalidUTF8(t *testing.T) {
	got := string(AppendJSONString(nil, "a\xffb\x01\"\\\n"))
	want := `"a\ufffdb\u0001\"\\\n"`
	if got != want {
		t.Errorf("got %s want %s", got, want)
	}
}
