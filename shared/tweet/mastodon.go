package tweet

import (
	"html"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// A Mastodon Status (the payload of a streaming "update" event) is
//
//	{"id":"…","uri":"https://…/statuses/…","created_at":"…","language":"en",
//	 "spoiler_text":"","content":"<p>HTML</p>","reblog":null|Status,
//	 "tags":[{"name":"…","url":"…"}],
//	 "account":{"acct":"user@host","note":"<p>bio</p>",
//	            "fields":[{"name":"Location","value":"Berlin","verified_at":null}],…},…}
//
// It carries no coordinates. Its author's profile may say where they are: a
// field named for a place ("Location", "📍 Lives in:", "Based in"), becomes
// UserLocation, and the bio (note) UserBio.

// maxBio bounds the bio kept for the gazetteer: places are named early, and
// a window holds many tweets.
const maxBio = 500

// isMastodonStatus reports whether v has a Mastodon Status's shape: HTML
// content and an account object (no X line or compact record has both).
func isMastodonStatus(v *fastjson.Value) bool {
	a := v.Get("account")
	return v.Exists("content") && a != nil && a.Type() == fastjson.TypeObject
}

func decodeMastodon(v *fastjson.Value) (Tweet, error) {
	t := Tweet{ID: str(v, "uri")}
	if t.ID == "" {
		t.ID = idString(v.Get("id"))
	}
	if t.ID == "" {
		return malformed("Mastodon status without uri or id")
	}
	if c, err := time.Parse(time.RFC3339, str(v, "created_at")); err == nil {
		t.CreatedAt = c.UTC()
	}
	// A boost is the booster's status, by the booster, with the original's
	// words (as for a v1.1 retweet).
	src := v
	if rb := v.Get("reblog"); rb != nil && rb.Type() == fastjson.TypeObject {
		t.Retweet, src = true, rb
	}
	content := src.Get("content")
	if content == nil || content.Type() != fastjson.TypeString {
		return malformed("Mastodon status content is not a string")
	}
	t.Text = HTMLText(str(src, "content"))
	if cw := strings.TrimSpace(str(src, "spoiler_text")); cw != "" {
		t.Text = cw + "\n" + t.Text
	}
	t.Lang = str(src, "language")
	var tags []string
	for _, tag := range src.GetArray("tags") {
		tags = append(tags, str(tag, "name"))
	}
	t.Text = withHashtags(t.Text, tags)
	acct := v.Get("account")
	t.User = str(acct, "acct")
	t.UserBio = HTMLText(str(acct, "note"))
	t.UserLocation = profileLocation(acct.GetArray("fields"), t.UserBio)
	t.UserBio = truncate(t.UserBio, maxBio)
	return t, nil
}

// profileLocation picks the profile field most likely to hold a place: one
// named for a location ("Location", "Standort", "📍"), then one named for
// where someone lives or is from ("Based in", "Lives in", "City"). Without
// one, a "📍 Place" in the bio counts. It returns "" when nothing fits.
func profileLocation(fields []*fastjson.Value, bio string) string {
	best, bestScore := "", 0
	for _, f := range fields {
		score := locationScore(str(f, "name"))
		if score <= bestScore {
			continue
		}
		if value := strings.TrimSpace(HTMLText(str(f, "value"))); value != "" {
			best, bestScore = value, score
		}
	}
	if best != "" {
		return best
	}
	return pinned(bio)
}

// Words in a profile field's name that say it holds a place: strong ones
// name a location, weak ones a home. Matched against the lower-cased name.
var (
	strongLocationWords = []string{"location", "located", "📍", "standort", "ubicación", "ubicacion",
		"localização", "localizacao", "localisation", "localité", "posizione", "locatie", "lokalizacja", "場所", "所在地"}
	weakLocationWords = []string{"based in", "based", "lives in", "living in", "live in", "home", "city", "town",
		"hometown", "where", "from", "wohnort", "ort", "ville", "ciudad", "cidade", "città", "citta", "stad", "region", "country",
		"🌍", "🌎", "🌏", "🏠", "🏡", "住"}
)

func locationScore(name string) int {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || len(name) > 64 {
		return 0
	}
	for _, w := range strongLocationWords {
		if strings.Contains(name, w) {
			return 2
		}
	}
	for _, w := range weakLocationWords {
		if hasWord(name, w) {
			return 1
		}
	}
	return 0
}

// hasWord reports whether w occurs in s not inside a longer word ("ort"
// in "Ort:" but not in "Support").
func hasWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		before := start == 0 || !isLetterByte(s[start-1])
		after := end == len(s) || !isLetterByte(s[end])
		if before && after {
			return true
		}
		i = start + 1
	}
}

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// pinned returns the text after a "📍" in s, up to the end of its line or a
// separator ("📍 Toronto | she/her" gives "Toronto").
func pinned(s string) string {
	const pin = "📍"
	i := strings.Index(s, pin)
	if i < 0 {
		return ""
	}
	rest := s[i+len(pin):]
	if j := strings.IndexAny(rest, "\n|·•/;"); j >= 0 {
		rest = rest[:j]
	}
	return truncate(strings.TrimSpace(rest), 100)
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// HTMLText turns the HTML of a Mastodon status or bio into plain text: tags
// dropped, a line break for <br> and between paragraphs, character
// references decoded. Links keep their text, so a hashtag stays "#tag" and a
// mention "@user". It never fails: an unclosed tag ends the text.
func HTMLText(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		if strings.IndexByte(s, '&') < 0 {
			return s
		}
		return html.UnescapeString(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		if i > 0 {
			b.WriteString(html.UnescapeString(s[:i]))
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		if breaksLine(s[i+1 : i+j]) {
			if n := b.Len(); n > 0 && b.String()[n-1] != '\n' {
				b.WriteByte('\n')
			}
		}
		s = s[i+j+1:]
	}
	return strings.TrimSpace(b.String())
}

// breaksLine reports whether the tag (the text between < and >) starts or
// ends a line: br, and the block elements Mastodon's HTML uses.
func breaksLine(tag string) bool {
	tag = strings.TrimPrefix(tag, "/")
	n := 0
	for n < len(tag) && (isLetterByte(tag[n]) || tag[n] >= '0' && tag[n] <= '9') {
		n++
	}
	switch strings.ToLower(tag[:n]) {
	case "br", "p", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6":
		return true
	}
	return false
}
