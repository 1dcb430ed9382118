package tweet

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// marked is an entity as a test expects it: its kind, the text it marks
// and its value.
type marked struct {
	kind        EntityKind
	text, value string
}

func (m marked) String() string { return fmt.Sprintf("%v %q=%q", m.kind, m.text, m.value) }

// markedOf lists what t's entities mark.
func markedOf(t *Tweet) []marked {
	var out []marked
	for _, e := range t.Entities {
		out = append(out, marked{e.Kind, t.Text[e.Start:e.End], e.Value})
	}
	return out
}

// checkEntities fails unless t's entities lie within its text on rune
// boundaries, in order, never overlapping: what every decoder promises.
func checkEntities(tb testing.TB, t *Tweet) {
	tb.Helper()
	bounds := map[int]bool{len(t.Text): true}
	for i := range t.Text {
		bounds[i] = true
	}
	end := 0
	for _, e := range t.Entities {
		if e.Start < end || e.End <= e.Start || e.End > len(t.Text) || !bounds[e.Start] || !bounds[e.End] ||
			e.Kind < EntityLink || e.Kind > EntityTag {
			tb.Fatalf("entity %+v of %q: out of order, overlapping, empty, outside the text or not on a rune boundary (entities %+v)",
				e, t.Text, t.Entities)
		}
		end = e.End
	}
	if len(t.Entities) > maxEntities {
		tb.Fatalf("%d entities", len(t.Entities))
	}
}

func TestXEntities(t *testing.T) {
	v2 := func(text, entities string) string {
		return `{"data":{"id":"1","text":` + quote(text) + `,"entities":` + entities + `}}`
	}
	url := func(s, e int, u, exp string) string {
		return fmt.Sprintf(`{"start":%d,"end":%d,"url":%q,"expanded_url":%q}`, s, e, u, exp)
	}
	tag := func(s, e int, tag string) string { return fmt.Sprintf(`{"start":%d,"end":%d,"tag":%q}`, s, e, tag) }
	mention := func(s, e int, name string) string {
		return fmt.Sprintf(`{"start":%d,"end":%d,"username":%q}`, s, e, name)
	}
	tests := []struct {
		name, line string
		want       []marked
	}{
		{"code points, escapes undone before them", v2("Q&amp;A about #Go https://t.co/x",
			`{"hashtags":[`+tag(14, 17, "Go")+`],"urls":[`+url(18, 32, "https://t.co/x", "https://go.dev/")+`]}`),
			[]marked{{EntityTag, "#Go", "Go"}, {EntityLink, "https://t.co/x", "https://go.dev/"}}},
		{"multi-byte runes before, a mention in another case", v2("café ☕ #morning @Bob",
			`{"mentions":[`+mention(16, 20, "bob")+`],"hashtags":[`+tag(7, 15, "morning")+`]}`),
			[]marked{{EntityTag, "#morning", "morning"}, {EntityMention, "@Bob", "bob"}}},
		{"&lt; before", v2("I &lt;3 #NYC", `{"hashtags":[`+tag(8, 12, "NYC")+`]}`), []marked{{EntityTag, "#NYC", "NYC"}}},
		{"a full-width hashtag", v2("雨 ＃東京", `{"hashtags":[`+tag(2, 5, "東京")+`]}`), []marked{{EntityTag, "＃東京", "東京"}}},
		{"indices off: found after the one before", v2("a #snow b #snow", `{"hashtags":[`+tag(0, 5, "snow")+`,`+tag(1, 6, "snow")+`]}`),
			[]marked{{EntityTag, "#snow", "snow"}, {EntityTag, "#snow", "snow"}}},
		{"not in the text: dropped", v2("nothing here", `{"hashtags":[`+tag(0, 4, "gone")+`],"mentions":[`+mention(0, 3, "")+`]}`), nil},
		{"past the end: looked for", v2("go #go", `{"hashtags":[`+tag(40, 43, "go")+`]}`), []marked{{EntityTag, "#go", "go"}}},
		{"overlapping: the first kept", v2("https://t.co/ab", `{"urls":[`+url(0, 15, "https://t.co/ab", "")+`],"hashtags":[`+tag(5, 8, "t")+`]}`),
			[]marked{{EntityLink, "https://t.co/ab", "https://t.co/ab"}}},
		{"wrong types", v2("#a", `{"hashtags":[{"start":"0","end":2,"tag":"a"},{"start":0.5,"end":2,"tag":"a"}],"urls":"x"}`), nil},
		{"note tweet: its own entities", `{"data":{"id":"1","text":"short #x","entities":{"hashtags":[` + tag(6, 8, "x") + `]},` +
			`"note_tweet":{"text":"a long note &amp; #more","entities":{"hashtags":[` + tag(18, 23, "more") + `]}}}}`,
			[]marked{{EntityTag, "#more", "more"}}},
		{"v1.1 extended tweet and media", `{"id_str":"1","text":"trunc… https://t.co/t","entities":{"urls":[{"url":"https://t.co/t","indices":[7,21]}]},` +
			`"extended_tweet":{"full_text":"full &gt; text @ann #tag https://t.co/m","entities":{"hashtags":[{"text":"tag","indices":[20,24]}],` +
			`"user_mentions":[{"screen_name":"ann","indices":[15,19]}],"media":[{"url":"https://t.co/m","expanded_url":"https://x.example/photo/1","indices":[25,39]}]}}}`,
			[]marked{{EntityMention, "@ann", "ann"}, {EntityTag, "#tag", "tag"}, {EntityLink, "https://t.co/m", "https://x.example/photo/1"}}},
		{"v1.1 retweet: the original's", `{"id_str":"2","text":"RT @a: hi #x","entities":{"hashtags":[{"text":"x","indices":[10,12]}]},` +
			`"retweeted_status":{"id_str":"1","full_text":"hi #x #y","entities":{"hashtags":[{"text":"x","indices":[3,5]},{"text":"y","indices":[6,8]}]}}}`,
			[]marked{{EntityTag, "#x", "x"}, {EntityTag, "#y", "y"}}},
		{"v1.1 indices that are no pair", `{"id_str":"1","text":"#a #b","entities":{"hashtags":[{"text":"a","indices":[0]},{"text":"b","indices":[3,5]}]}}`, nil},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tw, err := d.Decode([]byte(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			checkEntities(t, &tw)
			if got := markedOf(&tw); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("text %q\n got  %v\n want %v", tw.Text, got, tc.want)
			}
		})
	}
}

// TestXEntitiesFixtures: the fixtures' v1.1 entities, some of whose
// indices are wrong, mark what they name or nothing.
func TestXEntitiesFixtures(t *testing.T) {
	var d Decoder
	want := map[string][]marked{
		"v2.jsonl:0": {{EntityTag, "#SuperBowl", "SuperBowl"}, {EntityLink, "https://t.co/AbCdEf1234", "https://example.org/photos/halftime"}},
		"v1.jsonl:0": {{EntityMention, "@geostream_news", "geostream_news"}, {EntityTag, "#SuperBowl", "SuperBowl"},
			{EntityLink, "https://t.co/xYz123AbC", "https://example.org/story/42"}},
	}
	for _, f := range []string{"v2.jsonl", "v1.jsonl"} {
		for i, line := range readLines(t, f) {
			tw, err := d.Decode(line)
			if err != nil {
				t.Fatal(err)
			}
			checkEntities(t, &tw)
			key := fmt.Sprintf("%s:%d", f, i)
			if got := markedOf(&tw); fmt.Sprint(got) != fmt.Sprint(want[key]) {
				t.Errorf("%s: %v, want %v", key, got, want[key])
			}
		}
	}
}

func TestMastodonEntities(t *testing.T) {
	status := func(content, spoiler string) string {
		return `{"id":"1","content":` + quote(content) + `,"spoiler_text":` + quote(spoiler) + `,"account":{"acct":"a"}}`
	}
	tests := []struct {
		name, line string
		want       []marked
	}{
		{"leading space trimmed, content warning before", status(` <p> hi <a href="https://h.example/@bob" class="u-url mention">@<span>bob</span></a></p>`, "cw"),
			[]marked{{EntityMention, "@bob", "bob@h.example"}}},
		{"escaped href, single quotes", status(`<a href='https://e.example/?a=1&amp;b=2'>e.example/?a=1&amp;b=2</a>`, ""),
			[]marked{{EntityLink, "e.example/?a=1&b=2", "https://e.example/?a=1&b=2"}}},
		{"a mention link that is not a profile", status(`<a href="https://h.example/x" class="mention">@<span>x</span></a>`, ""),
			[]marked{{EntityMention, "@x", "x"}}},
		{"a hashtag class without #: a link", status(`<a href="https://h.example/tags/a" class="mention hashtag">a</a>`, ""),
			[]marked{{EntityLink, "a", "https://h.example/tags/a"}}},
		{"nested and unclosed", status(`<a href="1">x<a href="2">y</a> z <a href="3">w`, ""),
			[]marked{{EntityLink, "xy", "1"}, {EntityLink, "w", "3"}}},
		{"empty link and stray close", status(`</a><a href="1"></a>t`, ""), nil},
		{"not an a tag", status(`<abbr title="x">x</abbr> <area href="y">`, ""), nil},
		{"a boost: the original's links", `{"id":"1","content":"","account":{"acct":"a"},"reblog":{"content":"<a href=\"u\">u</a>","account":{}}}`,
			[]marked{{EntityLink, "u", "u"}}},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tw, err := d.Decode([]byte(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			checkEntities(t, &tw)
			if got := markedOf(&tw); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("text %q\n got  %v\n want %v", tw.Text, got, tc.want)
			}
		})
	}
}

func TestJetstreamFacets(t *testing.T) {
	post := func(text, facets string) string {
		return `{"did":"d","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r",` +
			`"record":{"text":` + quote(text) + `,"facets":` + facets + `}}}`
	}
	facet := func(s, e int, typ, key, value string) string {
		return fmt.Sprintf(`{"index":{"byteStart":%d,"byteEnd":%d},"features":[{"$type":"app.bsky.richtext.facet#%s",%q:%q}]}`, s, e, typ, key, value)
	}
	many := make([]string, 2*maxEntityInput)
	for i := range many {
		many[i] = facet(i, i+1, "tag", "tag", "x")
	}
	tests := []struct {
		name, line string
		want       []marked
	}{
		{"out of order", post("@a #b", "["+facet(3, 5, "tag", "tag", "b")+","+facet(0, 2, "mention", "did", "did:a")+"]"),
			[]marked{{EntityMention, "@a", "did:a"}, {EntityTag, "#b", "b"}}},
		{"inside a rune, past the end, empty, reversed, negative", post("é #x", "["+facet(1, 2, "link", "uri", "u")+","+facet(3, 9, "link", "uri", "u")+
			","+facet(3, 3, "link", "uri", "u")+","+facet(5, 3, "link", "uri", "u")+","+facet(-1, 2, "link", "uri", "u")+"]"), nil},
		{"overlapping: the first kept", post("abcdef", "["+facet(0, 4, "link", "uri", "1")+","+facet(2, 6, "link", "uri", "2")+"]"),
			[]marked{{EntityLink, "abcd", "1"}}},
		{"unknown feature, then a known one", post("ab", `[{"index":{"byteStart":0,"byteEnd":2},"features":[{"$type":"x"},{"$type":"app.bsky.richtext.facet#link","uri":"u"}]}]`),
			[]marked{{EntityLink, "ab", "u"}}},
		{"wrong types", post("ab", `[{"index":{"byteStart":"0","byteEnd":2},"features":[{"$type":"app.bsky.richtext.facet#link","uri":"u"}]},`+
			`{"index":[0,2],"features":"x"},{"index":{"byteStart":0.5,"byteEnd":1e30}},1,null]`), nil},
		{"the tags appended are marked", `{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r",` +
			`"record":{"text":"hi","tags":["one","two"]}}}`, []marked{{EntityTag, "#one", "one"}, {EntityTag, "#two", "two"}}},
		{"many facets: bounded", post(strings.Repeat("a", len(many)), "["+strings.Join(many, ",")+"]"),
			func() []marked {
				out := make([]marked, maxEntities)
				for i := range out {
					out[i] = marked{EntityTag, "a", "x"}
				}
				return out
			}()},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tw, _, err := d.DecodeJetstream([]byte(tc.line))
			if err != nil {
				t.Fatal(err)
			}
			checkEntities(t, &tw)
			if got := markedOf(&tw); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("text %q\n got  %v\n want %v", tw.Text, got, tc.want)
			}
		})
	}
}

// TestCompactEntities: the compact record carries entities and the
// profile's fields, and reads back only the entities that fit its text.
func TestCompactEntities(t *testing.T) {
	tw := Tweet{Kind: KindTweet, ID: "1", Text: "Olá #rio @ana https://x.example", UserName: "Ana 📍 Rio", ClockSkew: true,
		Entities: []Entity{{EntityTag, 5, 9, "rio"}, {EntityMention, 10, 14, "did:plc:ana"}, {EntityLink, 15, 32, "https://x.example"}}}
	var d Decoder
	back, err := d.Decode(AppendCompact(nil, &tw))
	if err != nil || !same(back, tw) {
		t.Fatalf("round trip\n got  %+v (%v)\n want %+v", back, err, tw)
	}
	for _, tc := range []struct{ name, entities string }{
		{"outside the text", `[["tag",5,99,"x"]]`},
		{"inside a rune", `[["tag",3,5,"x"]]`},
		{"unknown kind, wrong shapes", `[["emoji",0,1,"x"],["tag",0,1],["tag","0",1,"x"],"tag",null]`},
	} {
		back, err := d.Decode([]byte(`{"id":"1","text":"Olá #rio","entities":` + tc.entities + `}`))
		if err != nil || back.Entities != nil {
			t.Errorf("%s: %+v, %v", tc.name, back.Entities, err)
		}
	}
}

func TestRuneBoundary(t *testing.T) {
	for _, s := range []string{"", "abc", "é☕𝄞", "a\xffb", "\x80\x80", "\xe2\x98", "\xe2\x98a", "é\x80", "\xf0\x9d\x84\x9e\x9e"} {
		want := map[int]bool{len(s): true}
		for i := range s {
			want[i] = true
		}
		for i := -1; i <= len(s)+1; i++ {
			if got := runeBoundary(s, i); got != want[i] {
				t.Errorf("runeBoundary(%q, %d) = %v", s, i, got)
			}
		}
	}
	if !utf8.ValidString("é") {
		t.Fatal("test file is not UTF-8")
	}
}

func quote(s string) string { return string(AppendJSONString(nil, s)) }

// TestXByteOffsets: X's code point offsets into its escaped text become
// byte offsets into the text as written.
func TestXByteOffsets(t *testing.T) {
	tests := []struct {
		sent          string
		start, end    int // code points of sent
		wantS, wantE  int // bytes of unescapeX(sent)
		wantText, why string
	}{
		{"a &amp; #go", 8, 11, 4, 7, "#go", "an escape before: four bytes back"},
		{"&lt;&gt;&amp;amp; #x", 18, 20, 8, 10, "#x", "escapes in a row; &amp;amp; is &amp;"},
		{"é☕𝄞 #x", 4, 6, 10, 12, "#x", "runes of two, three and four bytes: one code point each"},
		{"&ampx #x", 6, 8, 6, 8, "#x", "no escape without its semicolon"},
		{"#x", 0, 3, 0, -1, "", "past the end"},
		{"&amp;", 1, 5, 1, 1, "", "inside an escape: its end"},
	}
	for _, tc := range tests {
		es := []xEntity{{Entity: Entity{Start: tc.start, End: tc.end}}}
		xByteOffsets(tc.sent, es)
		if es[0].Start != tc.wantS || es[0].End != tc.wantE {
			t.Errorf("%s: %q [%d,%d) gave [%d,%d), want [%d,%d)", tc.why, tc.sent, tc.start, tc.end, es[0].Start, es[0].End, tc.wantS, tc.wantE)
			continue
		}
		if u := unescapeX(tc.sent); tc.wantText != "" && u[es[0].Start:es[0].End] != tc.wantText {
			t.Errorf("%s: marks %q", tc.why, u[es[0].Start:es[0].End])
		}
	}
}
