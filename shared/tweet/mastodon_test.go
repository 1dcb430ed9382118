package tweet

import (
	"encoding/json"
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The fixture testdata/lines/mastodon.jsonl (made by make_mastodon.py) holds
// Status entities in the shape of Mastodon's documentation.

func TestDecodeMastodonFixtures(t *testing.T) {
	ts := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	uri := func(user, id string) string { return "https://social.example/users/" + user + "/statuses/" + id }
	tests := []struct {
		name string
		want Tweet
	}{
		{"Location field, hashtag and mention links, a link split in spans", Tweet{ID: uri("anna", "113000000000000001"),
			CreatedAt: ts("2026-01-01T00:00:01.25Z"), Lang: "de", User: "anna",
			Text:         "Endlich Schnee! #Winter @bob\nMehr: https://www.example.org/news/2026/snow",
			UserLocation: "Berlin, Germany", UserBio: "Baker, cyclist & amateur astronomer.", UserName: "anna",
			Entities: []Entity{{EntityTag, 16, 23, "Winter"}, {EntityMention, 24, 28, "bob@other.example"},
				{EntityLink, 35, 73, "https://www.example.org/news/2026/snow"}}}},
		{"pin emoji field, content warning, entities, null language", Tweet{ID: uri("tobtobxx", "113000000000000002"),
			CreatedAt: ts("2026-01-01T00:00:02Z"), User: "tobtobxx@fosstodon.example",
			Text:         "vim talk\nAnd now I can't exit the inner nvim <esc> 😂",
			UserLocation: "Zürich, Switzerland (CET)", UserBio: "Young tech enthusiast.\nLikes minimalism.", UserName: "tobtobxx"}},
		{"no location field: the bio is kept, tags appended", Tweet{ID: uri("lisboeta", "113000000000000003"),
			CreatedAt: ts("2026-01-01T00:00:03Z"), Lang: "pt", User: "lisboeta@pt.example",
			Text: "Bom dia! O sol voltou #bomdia #fotografia", UserBio: "Fotografia e café. Living in Lisbon since 2019.", UserName: "lisboeta",
			Entities: []Entity{{EntityTag, 22, 29, "bomdia"}, {EntityTag, 30, 41, "fotografia"}}}},
		{"a boost: the booster's status and profile, the original's words", Tweet{
			ID:        "https://social.example/users/booster/statuses/113000000000000005/activity",
			CreatedAt: ts("2026-01-01T00:00:05Z"), Lang: "en", User: "booster", Retweet: true,
			Text: "The CN Tower is lit up in blue tonight", UserLocation: "Montréal", UserBio: "I boost things.", UserName: "booster"}},
		{"nothing about a place", Tweet{ID: uri("plain", "113000000000000006"), CreatedAt: ts("2026-01-01T00:00:06Z"),
			Lang: "en", User: "plain@else.example", Text: "Nothing to see here.", UserName: "plain"}},
	}
	lines := readLines(t, "mastodon.jsonl")
	if len(lines) != len(tests) {
		t.Fatalf("%d fixture lines, %d cases", len(lines), len(tests))
	}
	var d Decoder
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Decode(lines[i])
			if err != nil {
				t.Fatal(err)
			}
			if !same(got, tc.want) {
				t.Errorf("\n got  %+v\n want %+v", got, tc.want)
			}
			if ref, want := refMastodon(t, lines[i]), withoutEntities(tc.want); !same(ref, want) { // entities: TestMastodonEntities
				t.Errorf("reference decoder\n got  %+v\n want %+v", ref, tc.want)
			}
			back, err := d.Decode(AppendCompact(nil, &got))
			got.CreatedAt = got.CreatedAt.Truncate(time.Second) // the record keeps seconds
			if err != nil || !same(back, got) {
				t.Errorf("compact round trip: %+v, %v", back, err)
			}
		})
	}
}

func TestProfileLocation(t *testing.T) {
	f := func(pairs ...string) string {
		var b strings.Builder
		b.WriteString(`{"id":"1","content":"","account":{"acct":"a","note":"<p>bio 📍 Leeds · runner</p>","fields":[`)
		for i := 0; i < len(pairs); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			name, _ := json.Marshal(pairs[i])
			value, _ := json.Marshal(pairs[i+1])
			b.WriteString(`{"name":` + string(name) + `,"value":` + string(value) + `}`)
		}
		b.WriteString(`]}}`)
		return b.String()
	}
	tests := []struct{ name, line, want string }{
		{"location beats a weaker field", f("Based in", "Paris", "Location", "Lyon"), "Lyon"},
		{"the first of equals", f("Lives in", "Oslo", "From", "Bergen"), "Oslo"},
		{"lower case and decorated", f("🌍 location:", "<p>Quito, Ecuador</p>"), "Quito, Ecuador"},
		{"other languages", f("Standort", "Köln"), "Köln"},
		{"not inside a longer word", f("Support", "https://ko-fi.example", "Homepage", "x"), "Leeds"},
		{"empty value skipped", f("Location", " ", "City", "Porto"), "Porto"},
		{"no field: the bio's pin", f("pronouns", "they/them"), "Leeds"},
		{"fields of the wrong type", `{"id":"1","content":"","account":{"acct":"a","fields":[1,"x",{"name":5,"value":[]}]}}`, ""},
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
		})
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"fish &amp; chips &#x1F41F;", "fish & chips 🐟"},
		{"<p>one</p><p>two<br>three<br/>four</p>", "one\ntwo\nthree\nfour"},
		{`<p><a href="x" class="mention hashtag">#<span>tag</span></a></p>`, "#tag"},
		{"<P>upper</P><BR>case", "upper\ncase"},
		{"<h2>title</h2>text", "title\ntext"},
		{"unclosed <a href=", "unclosed"},
		{"a > b < c", "a > b"},
		{"<!-- note -->x", "x"},
		{"&bogus; &lt;b&gt;", "&bogus; <b>"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := HTMLText(tc.in); got != tc.want {
			t.Errorf("HTMLText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeMastodonHostile(t *testing.T) {
	long := strings.Repeat("<b>x</b>", 1<<14)
	tests := []struct {
		name, line string
		kind       Kind
	}{
		{"no id", `{"content":"x","account":{}}`, KindMalformed},
		{"content a number", `{"id":"1","content":5,"account":{}}`, KindMalformed},
		{"reblog content an object", `{"id":"1","content":"","reblog":{"content":{}},"account":{}}`, KindMalformed},
		{"account not an object is not a status", `{"id":"1","content":"x","account":"me"}`, KindTweet}, // a compact record
		{"numeric id", `{"id":12345678901234567890,"content":"x","account":{}}`, KindTweet},
		{"wrong types everywhere else", `{"id":"1","content":"x","created_at":5,"language":[],"tags":[1,{"name":2}],"spoiler_text":{},` +
			`"account":{"acct":7,"note":null,"fields":{"a":1}}}`, KindTweet},
		{"huge content", `{"id":"1","content":"` + long + `","account":{"note":"` + long + `"}}`, KindTweet},
	}
	var d Decoder
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Decode([]byte(tc.line))
			if got.Kind != tc.kind {
				t.Fatalf("kind %v (%v), want %v", got.Kind, err, tc.kind)
			}
			if (got.Kind == KindMalformed) != errors.Is(err, ErrMalformed) {
				t.Fatalf("kind %v with error %v", got.Kind, err)
			}
			if len(got.UserBio) > maxBio {
				t.Errorf("bio of %d bytes kept", len(got.UserBio))
			}
		})
	}
}

var (
	refBreak = regexp.MustCompile(`(?i)(\s*<(br|/?p)\s*/?>\s*)+`)
	refTag   = regexp.MustCompile(`<[^>]*>`)
)

// refHTML is HTMLText done with regular expressions.
func refHTML(s string) string {
	s = refBreak.ReplaceAllString(s, "\n")
	return strings.TrimSpace(html.UnescapeString(refTag.ReplaceAllString(s, "")))
}

// refMastodon decodes a Status with encoding/json, as a second reading of
// the same rules (the location fields it knows are those of the fixture).
func refMastodon(t *testing.T, line []byte) Tweet {
	t.Helper()
	var s struct {
		ID        string  `json:"id"`
		URI       string  `json:"uri"`
		CreatedAt string  `json:"created_at"`
		Content   string  `json:"content"`
		Spoiler   string  `json:"spoiler_text"`
		Language  *string `json:"language"`
		Tags      []struct {
			Name string `json:"name"`
		} `json:"tags"`
		Reblog *struct {
			Content  string  `json:"content"`
			Language *string `json:"language"`
		} `json:"reblog"`
		Account struct {
			Acct   string `json:"acct"`
			Name   string `json:"display_name"`
			Note   string `json:"note"`
			Fields []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"fields"`
		} `json:"account"`
	}
	if err := json.Unmarshal(line, &s); err != nil {
		t.Fatal(err)
	}
	tw := Tweet{ID: s.URI, User: s.Account.Acct, UserName: s.Account.Name, UserBio: refHTML(s.Account.Note), Text: refHTML(s.Content)}
	if ts, err := time.Parse(time.RFC3339Nano, s.CreatedAt); err == nil {
		tw.CreatedAt = ts.UTC()
	}
	if s.Spoiler != "" {
		tw.Text = s.Spoiler + "\n" + tw.Text
	}
	lang := s.Language
	if s.Reblog != nil {
		tw.Retweet, tw.Text, lang = true, refHTML(s.Reblog.Content), s.Reblog.Language
	}
	if lang != nil {
		tw.Lang = *lang
	}
	for _, tag := range s.Tags {
		if !strings.Contains(strings.ToLower(tw.Text), "#"+strings.ToLower(tag.Name)) {
			tw.Text += " #" + tag.Name
		}
	}
	for _, f := range s.Account.Fields {
		n := strings.ToLower(f.Name)
		if strings.Contains(n, "location") || strings.Contains(n, "📍") || n == "based in" {
			tw.UserLocation = refHTML(f.Value)
			break
		}
	}
	return tw
}
