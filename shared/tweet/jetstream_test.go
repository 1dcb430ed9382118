package tweet

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The fixture testdata/lines/jetstream.jsonl is written by hand in the
// shapes of Jetstream's README (commit, identity and account events) and
// the app.bsky.feed.post and app.bsky.richtext.facet lexicons.

func TestDecodeJetstreamFixtures(t *testing.T) {
	ts := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	post := func(n, rkey string) string {
		return "at://did:plc:geostreamtest000000000" + n + "/app.bsky.feed.post/" + rkey
	}
	tests := []struct {
		name string
		want Tweet
		ev   JetstreamEvent
	}{
		{"post with a facet hashtag already in the text", Tweet{ID: post("1", "3lfgeo2aaab2a"), User: "did:plc:geostreamtest0000000001",
			Lang: "en", CreatedAt: ts("2026-01-01T00:00:00.1Z"), Text: "Snow is finally falling in Chicago tonight #snow"},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000001", TimeUS: 1767225600123456, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "create", RKey: "3lfgeo2aaab2a", Rev: "3lfgeo2aaaa2a"}},
		{"first of several langs, offset createdAt, record tags appended", Tweet{ID: post("2", "3lfgeo2aaad2a"),
			User: "did:plc:geostreamtest0000000002", Lang: "pt-BR", CreatedAt: ts("2026-01-01T00:00:01Z"),
			Text: "Que calor em São Paulo hoje ☀️ @sol.bsky.social olha https://example.org/calor #verao #Calor"},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000002", TimeUS: 1767225601234567, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "create", RKey: "3lfgeo2aaad2a", Rev: "3lfgeo2aaac2a"}},
		{"reply with an image, no langs", Tweet{ID: post("3", "3lfgeo2aaaf2a"), User: "did:plc:geostreamtest0000000003",
			CreatedAt: ts("2026-01-01T00:00:02Z"), Text: "replying with a picture"},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000003", TimeUS: 1767225602345678, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "create", RKey: "3lfgeo2aaaf2a", Rev: "3lfgeo2aaae2a"}},
		{"bad createdAt falls back to time_us", Tweet{ID: post("4", "3lfgeo2aaah2a"), User: "did:plc:geostreamtest0000000004",
			Lang: "ja", CreatedAt: ts("2026-01-01T00:00:03.456789Z"), Text: "東京は今日も雨 #東京"},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000004", TimeUS: 1767225603456789, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "create", RKey: "3lfgeo2aaah2a", Rev: "3lfgeo2aaag2a"}},
		{"post deleted", Tweet{Kind: KindNotice, Notice: NoticeDelete},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000001", TimeUS: 1767225604567890, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "delete", RKey: "3lfgeo2aaab2a", Rev: "3lfgeo2aaai2a"}},
		{"a like is another collection", Tweet{Kind: KindNotice, Notice: NoticeOtherCollection},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000005", TimeUS: 1767225605678901, Kind: "commit",
				Collection: "app.bsky.feed.like", Operation: "create", RKey: "3lfgeo2aaak2a", Rev: "3lfgeo2aaaj2a"}},
		{"identity", Tweet{Kind: KindNotice, Notice: NoticeIdentity},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000006", TimeUS: 1767225606789012, Kind: "identity"}},
		{"account", Tweet{Kind: KindNotice, Notice: NoticeAccount},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000007", TimeUS: 1767225607890123, Kind: "account"}},
		{"post updated", Tweet{Kind: KindNotice, Notice: NoticeUpdate},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000008", TimeUS: 1767225608901234, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "update", RKey: "3lfgeo2aaam2a", Rev: "3lfgeo2aaal2a"}},
	}
	lines := readLines(t, "jetstream.jsonl")
	if len(lines) != len(tests) {
		t.Fatalf("%d fixture lines, %d cases", len(lines), len(tests))
	}
	var d Decoder
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ev, err := d.DecodeJetstream(lines[i])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("tweet\n got  %+v\n want %+v", got, tc.want)
			}
			if ev != tc.ev {
				t.Errorf("envelope\n got  %+v\n want %+v", ev, tc.ev)
			}
			if plain, err := d.Decode(lines[i]); err != nil || !reflect.DeepEqual(plain, tc.want) {
				t.Errorf("Decode differs from DecodeJetstream: %+v, %v", plain, err)
			}
			if ref := refJetstream(t, lines[i]); !reflect.DeepEqual(ref, tc.want) {
				t.Errorf("reference decoder\n got  %+v\n want %+v", ref, tc.want)
			}
			if got.Kind == KindTweet {
				back, err := d.Decode(AppendCompact(nil, &got))
				got.CreatedAt = got.CreatedAt.Truncate(time.Second) // the record keeps seconds
				if err != nil || !reflect.DeepEqual(back, got) {
					t.Errorf("compact round trip: %+v, %v", back, err)
				}
			}
		})
	}
}

func TestDecodeJetstreamHostile(t *testing.T) {
	long := strings.Repeat("x", 1<<16)
	tests := []struct {
		name, line string
		kind       Kind
	}{
		{"no did", `{"kind":"commit","did":"","time_us":1}`, KindMalformed},
		{"commit not an object", `{"did":"d","kind":"commit","commit":[1]}`, KindMalformed},
		{"record missing", `{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r"}}`, KindMalformed},
		{"record a string", `{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":"x"}}`, KindMalformed},
		{"text a number", `{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":5}}}`, KindMalformed},
		{"no rkey", `{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","record":{"text":"x"}}}`, KindMalformed},
		{"unknown operation", `{"did":"d","kind":"commit","commit":{"operation":"explode","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"x"}}}`, KindMalformed},
		{"unknown kind is a notice", `{"did":"d","kind":"sync","time_us":1}`, KindNotice},
		{"wrong types in optional fields", `{"did":"d","kind":"commit","time_us":"soon","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r",` +
			`"record":{"text":"x","langs":[1,{"a":1}],"facets":"no","tags":[null,7,"ok"],"createdAt":12}}}`, KindTweet},
		{"huge text", `{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"` + long + `"}}}`, KindTweet},
		{"many tags", `{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"x","tags":[` +
			strings.Repeat(`"t",`, 1000) + `"u"]}}}`, KindTweet},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := d.DecodeJetstream([]byte(tc.line))
			if got.Kind != tc.kind {
				t.Fatalf("kind %v (%v), want %v", got.Kind, err, tc.kind)
			}
			if (got.Kind == KindMalformed) != errors.Is(err, ErrMalformed) {
				t.Fatalf("kind %v with error %v", got.Kind, err)
			}
		})
	}
	if _, _, err := d.DecodeJetstream([]byte(`{"data":{"id":"1"}}`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("a v2 envelope is not a Jetstream event: %v", err)
	}
	tw, _, _ := d.DecodeJetstream([]byte(`{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"x","tags":[` +
		strings.Repeat(`"t",`, 100) + `"u"]}}}`))
	if tw.Text != "x #t #u" {
		t.Errorf("repeated tags: %q", tw.Text)
	}
}

func TestWithHashtags(t *testing.T) {
	tests := []struct {
		text string
		tags []string
		want string
	}{
		{"snow #Snow", []string{"snow"}, "snow #Snow"},
		{"#snowfall", []string{"snow"}, "#snowfall #snow"},
		{"#snow!", []string{"#snow"}, "#snow!"},
		{"x", []string{"", " ", "two words", "a#b"}, "x"},
		{"", []string{"solo"}, " #solo"},
		{"#Snow-Day today", []string{"snow-day", "snow"}, "#Snow-Day today"},
		{"#snowday", []string{"snow-day"}, "#snowday #snow-day"},
		{"#über alles", []string{"Über", "ÜBER"}, "#über alles"},
		{"#a #b", []string{"A", "b", "c", "C"}, "#a #b #c"},
	}
	for _, tc := range tests {
		if got := withHashtags(tc.text, tc.tags); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("withHashtags(%q, %q) = %q, want %q", tc.text, tc.tags, got, tc.want)
		}
	}
}

// TestWithHashtagsIsLinear: a post whose text and tags are built to make
// each tag cost a scan of the text (thousands of tags already in a long
// text) takes no longer than a plain one of the same size would.
func TestWithHashtagsIsLinear(t *testing.T) {
	text := strings.Repeat("a", 200000) + " #a"
	tags := make([]string, 20000)
	for i := range tags {
		tags[i] = "a"
		if i%2 == 1 {
			tags[i] = "a-b" // not one word: scanned, a bounded number of times
		}
	}
	allocs := testing.AllocsPerRun(1, func() { withHashtags(text, tags) })
	start := time.Now()
	got := withHashtags(text, tags)
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("20,000 tags on a 200 kB text took %v", took)
	}
	if !strings.HasSuffix(got, " #a #a-b") || allocs > 100 {
		t.Fatalf("got …%q with %v allocations", got[len(got)-20:], allocs)
	}
}

// refJetstream decodes a Jetstream event with encoding/json, as a second
// reading of the same rules.
func refJetstream(t *testing.T, line []byte) Tweet {
	t.Helper()
	var ev struct {
		DID    string `json:"did"`
		TimeUS int64  `json:"time_us"`
		Kind   string `json:"kind"`
		Commit struct {
			Operation  string `json:"operation"`
			Collection string `json:"collection"`
			RKey       string `json:"rkey"`
			Record     struct {
				Text      string   `json:"text"`
				CreatedAt string   `json:"createdAt"`
				Langs     []string `json:"langs"`
				Tags      []string `json:"tags"`
				Facets    []struct {
					Features []struct {
						Type string `json:"$type"`
						Tag  string `json:"tag"`
					} `json:"features"`
				} `json:"facets"`
			} `json:"record"`
		} `json:"commit"`
	}
	if err := json.Unmarshal(line, &ev); err != nil {
		t.Fatal(err)
	}
	c := ev.Commit
	switch {
	case ev.Kind != "commit":
		return Tweet{Kind: KindNotice, Notice: ev.Kind}
	case c.Collection != "app.bsky.feed.post":
		return Tweet{Kind: KindNotice, Notice: NoticeOtherCollection}
	case c.Operation != "create":
		return Tweet{Kind: KindNotice, Notice: c.Operation}
	}
	r := c.Record
	tw := Tweet{ID: "at://" + ev.DID + "/app.bsky.feed.post/" + c.RKey, User: ev.DID, Text: r.Text}
	if len(r.Langs) > 0 {
		tw.Lang = r.Langs[0]
	}
	if ts, err := time.Parse(time.RFC3339Nano, r.CreatedAt); err == nil {
		tw.CreatedAt = ts.UTC()
	} else {
		tw.CreatedAt = time.UnixMicro(ev.TimeUS).UTC()
	}
	var tags []string
	for _, f := range r.Facets {
		for _, x := range f.Features {
			if x.Type == "app.bsky.richtext.facet#tag" {
				tags = append(tags, x.Tag)
			}
		}
	}
	for _, tag := range append(tags, r.Tags...) {
		if !strings.Contains(strings.ToLower(tw.Text), "#"+strings.ToLower(tag)) {
			tw.Text += " #" + tag
		}
	}
	return tw
}
