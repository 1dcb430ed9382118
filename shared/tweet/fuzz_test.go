package tweet

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecode checks that no line makes the decoder panic, that every result
// is one of the three kinds, that located tweets have valid coordinates, and
// that a decoded tweet survives the compact round trip.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"v2.jsonl", "v1.jsonl", "compact.jsonl", "notices.jsonl", "jetstream.jsonl", "mastodon.jsonl"} {
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
	f.Add([]byte(`{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"x","tags":["a",1]}}}`))
	f.Add([]byte(`{"id":"1","content":"<p>a<br","account":{"note":"\u00f0\u009f","fields":[{"name":"Location","value":"<b>"}]}}`))
	f.Add([]byte(`{"data":{"id":"1","text":"a &amp; #b @c https://t.co/d","entities":{"hashtags":[{"start":8,"end":10,"tag":"b"}],` +
		`"mentions":[{"start":11,"end":13,"username":"c"}],"urls":[{"start":14,"end":28,"url":"https://t.co/d"}]}}}`))
	f.Add([]byte(`{"id_str":"1","text":"\u00e9 #b","entities":{"hashtags":[{"text":"b","indices":[2,4]}]}}`))
	f.Add([]byte(`{"id":"1","content":" <a href=\"https://h/@u\" class=\"mention\">@u</a> <a href=\"x\">#t","spoiler_text":"cw","account":{}}`))
	f.Add([]byte(`{"did":"d","time_us":5,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"\u00e9 #x",` +
		`"createdAt":"2020-01-01T00:00:00Z","facets":[{"index":{"byteStart":1,"byteEnd":5},"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}]}]}},` +
		`"profile":{"handle":"h","displayName":"n \ud83d\udccd Oslo","description":"d"}}`))
	f.Add([]byte(`{"id":"1","text":"a\u00e9","entities":[["tag",1,3,"x"],["link",0,1,"\u00ff"]],"clock_skew":true,"user_name":"n"}`))
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
		checkEntities(t, &tw)
		c := AppendCompact(nil, &tw)
		back, err := d.Decode(c)
		if err != nil || back.Kind != KindTweet || back.ID != tw.ID || back.Located() != tw.Located() ||
			back.UserLocation != replaceInvalid(tw.UserLocation) || back.UserBio != replaceInvalid(tw.UserBio) ||
			back.UserName != replaceInvalid(tw.UserName) || back.ClockSkew != tw.ClockSkew {
			t.Fatalf("compact round trip of %q gave %+v, %v", c, back, err)
		}
		checkEntities(t, &back)
		if utf8.ValidString(tw.Text) { // else the record writes U+FFFD, and drops the offsets into what it replaced
			want := append([]Entity(nil), tw.Entities...)
			for i := range want {
				want[i].Value = replaceInvalid(want[i].Value)
			}
			if !reflect.DeepEqual(back.Entities, want) && len(want)+len(back.Entities) > 0 {
				t.Fatalf("compact round trip of %q: entities %+v, want %+v", c, back.Entities, want)
			}
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

// FuzzDecodeJetstream checks that no event makes DecodeJetstream panic, that
// it agrees with Decode, and that a post's id names its author and record.
func FuzzDecodeJetstream(f *testing.F) {
	for _, l := range readLines(f, "jetstream.jsonl") {
		f.Add(l)
	}
	f.Add([]byte(`{"did":"","kind":"commit"}`))
	f.Add([]byte(`{"did":"d","kind":"commit","time_us":-1,"commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"","createdAt":"9999-99-99"}}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		var d Decoder
		tw, ev, err := d.DecodeJetstream(line)
		if (tw.Kind == KindMalformed) != (err != nil) {
			t.Fatalf("kind %v with error %v", tw.Kind, err)
		}
		if tw.Kind != KindTweet {
			return
		}
		checkEntities(t, &tw)
		if want := "at://" + ev.DID + "/app.bsky.feed.post/" + ev.RKey; tw.ID != want || ev.DID == "" || ev.RKey == "" {
			t.Fatalf("post id %q for envelope %+v", tw.ID, ev)
		}
		if plain, _ := d.Decode(line); !same(plain, tw) {
			t.Fatalf("Decode %+v, DecodeJetstream %+v", plain, tw)
		}
	})
}

// FuzzHTMLText checks that no HTML makes HTMLText panic or grow, and that
// valid UTF-8 stays valid.
func FuzzHTMLText(f *testing.F) {
	for _, s := range []string{"<p>a &amp; b</p><p>c<br>d</p>", "<a href=\"x\">#<span>t</span></a>", " <a href='x' class=\"mention\">@u</a> ", "<", "&", "&#xD800;", "<p", "a<b>c</b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := HTMLText(s)
		if len(out) > len(s) {
			t.Fatalf("HTMLText(%q) = %q grew", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("HTMLText(%q) = %q is not UTF-8", s, out)
		}
		text, es := htmlText(s, true)
		if text != out {
			t.Fatalf("with entities, HTMLText(%q) = %q, not %q", s, text, out)
		}
		checkEntities(t, &Tweet{Text: text, Entities: es})
	})
}
