package tweet

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
			Lang: "en", CreatedAt: ts("2026-01-01T00:00:00.123456Z"), Text: "Snow is finally falling in Chicago tonight #snow",
			Entities: []Entity{{EntityTag, 43, 48, "snow"}}},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000001", TimeUS: 1767225600123456, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "create", RKey: "3lfgeo2aaab2a", Rev: "3lfgeo2aaaa2a"}},
		{"first of several langs, time_us not the offset createdAt, record tags appended", Tweet{ID: post("2", "3lfgeo2aaad2a"),
			User: "did:plc:geostreamtest0000000002", Lang: "pt-BR", CreatedAt: ts("2026-01-01T00:00:01.234567Z"),
			Text: "Que calor em São Paulo hoje ☀️ @sol.bsky.social olha https://example.org/calor #verao #Calor",
			Entities: []Entity{{EntityMention, 36, 52, "did:plc:geostreamtest0000000009"}, {EntityLink, 58, 83, "https://example.org/calor"},
				{EntityTag, 84, 90, "verao"}, {EntityTag, 91, 97, "Calor"}}},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000002", TimeUS: 1767225601234567, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "create", RKey: "3lfgeo2aaad2a", Rev: "3lfgeo2aaac2a"}},
		{"reply with an image, no langs", Tweet{ID: post("3", "3lfgeo2aaaf2a"), User: "did:plc:geostreamtest0000000003",
			CreatedAt: ts("2026-01-01T00:00:02.345678Z"), Text: "replying with a picture"},
			JetstreamEvent{DID: "did:plc:geostreamtest0000000003", TimeUS: 1767225602345678, Kind: "commit",
				Collection: BlueskyPostCollection, Operation: "create", RKey: "3lfgeo2aaaf2a", Rev: "3lfgeo2aaae2a"}},
		{"a createdAt that is no date is no skew", Tweet{ID: post("4", "3lfgeo2aaah2a"), User: "did:plc:geostreamtest0000000004",
			Lang: "ja", CreatedAt: ts("2026-01-01T00:00:03.456789Z"), Text: "東京は今日も雨 #東京", Entities: []Entity{{EntityTag, 22, 29, "東京"}}},
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
			if !same(got, tc.want) {
				t.Errorf("tweet\n got  %+v\n want %+v", got, tc.want)
			}
			if ev != tc.ev {
				t.Errorf("envelope\n got  %+v\n want %+v", ev, tc.ev)
			}
			if plain, err := d.Decode(lines[i]); err != nil || !same(plain, tc.want) {
				t.Errorf("Decode differs from DecodeJetstream: %+v, %v", plain, err)
			}
			if ref := refJetstream(t, lines[i]); !same(ref, tc.want) {
				t.Errorf("reference decoder\n got  %+v\n want %+v", ref, tc.want)
			}
			if got.Kind == KindTweet {
				back, err := d.Decode(AppendCompact(nil, &got))
				got.CreatedAt = got.CreatedAt.Truncate(time.Second) // the record keeps seconds
				if err != nil || !same(back, got) {
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
		got, es := withHashtags(tc.text, tc.tags, nil)
		if got != tc.want {
			t.Errorf("withHashtags(%q, %q) = %q, want %q", tc.text, tc.tags, got, tc.want)
		}
		// Each tag appended is marked, and only those.
		var marked []string
		for _, e := range es {
			if e.Kind != EntityTag || got[e.Start:e.End] != "#"+e.Value {
				t.Errorf("withHashtags(%q, %q): entity %+v marks %q", tc.text, tc.tags, e, got[e.Start:e.End])
			}
			marked = append(marked, got[e.Start:e.End])
		}
		if added := strings.Fields(got[len(tc.text):]); strings.Join(added, " ") != strings.Join(marked, " ") {
			t.Errorf("withHashtags(%q, %q): appended %q, marked %q", tc.text, tc.tags, added, marked)
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
	allocs := testing.AllocsPerRun(1, func() { withHashtags(text, tags, nil) })
	start := time.Now()
	got, _ := withHashtags(text, tags, nil)
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
		DID     string `json:"did"`
		TimeUS  int64  `json:"time_us"`
		Kind    string `json:"kind"`
		Profile *struct {
			Handle      string `json:"handle"`
			DisplayName string `json:"displayName"`
			Description string `json:"description"`
		} `json:"profile"`
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
					Index struct {
						ByteStart int `json:"byteStart"`
						ByteEnd   int `json:"byteEnd"`
					} `json:"index"`
					Features []struct {
						Type string `json:"$type"`
						Tag  string `json:"tag"`
						URI  string `json:"uri"`
						DID  string `json:"did"`
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
	created, err := time.Parse(time.RFC3339Nano, r.CreatedAt)
	if ev.TimeUS > 0 {
		tw.CreatedAt = time.UnixMicro(ev.TimeUS).UTC()
		tw.ClockSkew = err == nil && math.Abs(created.Sub(tw.CreatedAt).Minutes()) > 5
	} else if err == nil {
		tw.CreatedAt = created.UTC()
	}
	var tags []string
	end := 0
	for _, f := range r.Facets {
		var e Entity
		for _, x := range f.Features {
			k, v := map[string]EntityKind{"app.bsky.richtext.facet#link": EntityLink, "app.bsky.richtext.facet#mention": EntityMention,
				"app.bsky.richtext.facet#tag": EntityTag}[x.Type], x.URI+x.DID+x.Tag
			if x.Type == "app.bsky.richtext.facet#tag" {
				tags = append(tags, x.Tag)
			}
			if e.Kind == 0 {
				e.Kind, e.Value = k, v
			}
		}
		e.Start, e.End = f.Index.ByteStart, f.Index.ByteEnd
		if e.Kind != 0 && e.Start >= end && e.Start < e.End && e.End <= len(r.Text) && utf8.ValidString(r.Text[e.Start:e.End]) {
			tw.Entities = append(tw.Entities, e)
			end = e.End
		}
	}
	for _, tag := range append(tags, r.Tags...) {
		if !strings.Contains(strings.ToLower(tw.Text), "#"+strings.ToLower(tag)) {
			tw.Entities = append(tw.Entities, Entity{EntityTag, len(tw.Text) + 1, len(tw.Text) + 2 + len(tag), tag})
			tw.Text += " #" + tag
		}
	}
	if p := ev.Profile; p != nil {
		if p.Handle != "" {
			tw.User = p.Handle
		}
		tw.UserName, tw.UserBio = p.DisplayName, p.Description
		for _, s := range []string{p.DisplayName, p.Description} {
			if _, place, ok := strings.Cut(s, "📍"); ok && tw.UserLocation == "" {
				tw.UserLocation = strings.TrimSpace(strings.FieldsFunc(place, func(r rune) bool { return strings.ContainsRune("\n|·•/;", r) })[0])
			}
		}
	}
	return tw
}

// TestDecodeJetstreamTime: a post's time is when Jetstream received it
// (time_us); a createdAt more than MaxClockSkew from it marks the post,
// and is used only when there is no time_us.
func TestDecodeJetstreamTime(t *testing.T) {
	const us = 1767225600000000 // 2026-01-01T00:00:00Z
	line := func(timeUS, createdAt string) string {
		return `{"did":"d","time_us":` + timeUS + `,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post",` +
			`"rkey":"r","record":{"text":"x","createdAt":"` + createdAt + `"}}}`
	}
	at := time.UnixMicro(us).UTC()
	tests := []struct {
		name, line string
		want       time.Time
		skew       bool
	}{
		{"seconds apart", line("1767225600000000", "2026-01-01T00:00:30Z"), at, false},
		{"237 s ahead: no skew yet", line("1767225600000000", "2026-01-01T00:03:57Z"), at, false},
		{"five minutes and a second ahead", line("1767225600000000", "2026-01-01T00:05:01Z"), at, true},
		{"ten minutes behind", line("1767225600000000", "2025-12-31T23:50:00Z"), at, true},
		{"imported years ago", line("1767225600000000", "2022-01-10T00:00:00Z"), at, true},
		{"no time_us: createdAt", line(`"soon"`, "2026-01-01T00:10:00+01:00"), at.Add(-50 * time.Minute), false},
		{"negative time_us: createdAt", line("-5", "2026-01-01T00:00:00Z"), at, false},
		{"neither", line("0", "never"), time.Time{}, false},
	}
	var d Decoder
	for _, tc := range tests {
		tw, _, err := d.DecodeJetstream([]byte(tc.line))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !tw.CreatedAt.Equal(tc.want) || tw.ClockSkew != tc.skew {
			t.Errorf("%s: CreatedAt %v ClockSkew %v, want %v %v", tc.name, tw.CreatedAt, tw.ClockSkew, tc.want, tc.skew)
		}
		if strings.Contains(tc.line, `"soon"`) {
			continue // not for encoding/json
		}
		if ref := refJetstream(t, []byte(tc.line)); !same(ref, tw) {
			t.Errorf("%s: reference %+v", tc.name, ref)
		}
	}
}

// TestDecodeJetstreamProfile: the profile the scraper adds to a post gives
// its author's handle, display name and description, and a place after a
// pin in either.
func TestDecodeJetstreamProfile(t *testing.T) {
	line := func(profile string) string {
		return `{"did":"did:plc:ana","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post",` +
			`"rkey":"r","record":{"text":"x"}},"profile":` + profile + `}`
	}
	long := strings.Repeat("é", MaxDescription)
	tests := []struct {
		name, profile                 string
		user, userName, bio, location string
	}{
		{"pin in the display name", `{"handle":"ana.bsky.social","displayName":"Ana 📍 Lisboa, Portugal | she/her","description":"Fotógrafa."}`,
			"ana.bsky.social", "Ana 📍 Lisboa, Portugal | she/her", "Fotógrafa.", "Lisboa, Portugal"},
		{"pin in the description", `{"handle":"b.example","displayName":"Bo","description":"baker\n📍 Seattle, WA\nviews mine"}`,
			"b.example", "Bo", "baker\n📍 Seattle, WA\nviews mine", "Seattle, WA"},
		{"no pin: the bio for the gazetteer", `{"handle":"c.example","description":"Seattle, WA"}`, "c.example", "", "Seattle, WA", ""},
		{"no handle: the DID stays", `{"displayName":"Dee"}`, "did:plc:ana", "Dee", "", ""},
		{"wrong types", `{"handle":5,"displayName":["x"],"description":{}}`, "did:plc:ana", "", "", ""},
		{"not an object", `"ana"`, "did:plc:ana", "", "", ""},
		{"long description: bounded", `{"description":"` + long + `"}`, "did:plc:ana", "", long[:maxBio], ""},
	}
	var d Decoder
	for _, tc := range tests {
		tw, _, err := d.DecodeJetstream([]byte(line(tc.profile)))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tw.User != tc.user || tw.UserName != tc.userName || tw.UserBio != tc.bio || tw.UserLocation != tc.location {
			t.Errorf("%s: user %q name %q bio %q location %q", tc.name, tw.User, tw.UserName, tw.UserBio, tw.UserLocation)
		}
		back, err := d.Decode(AppendCompact(nil, &tw))
		if err != nil || back.User != tw.User || back.UserName != tw.UserName || back.UserBio != tw.UserBio || back.UserLocation != tw.UserLocation {
			t.Errorf("%s: compact round trip %+v, %v", tc.name, back, err)
		}
	}
}
