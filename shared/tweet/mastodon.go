package tweet

import (
	"html"
	"strings"
	"time"
	"unicode"
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
	t.Text, t.Entities = htmlText(str(src, "content"), true)
	if cw := strings.TrimSpace(str(src, "spoiler_text")); cw != "" {
		t.Text = cw + "\n" + t.Text
		for i := range t.Entities {
			t.Entities[i].Start += len(cw) + 1
			t.Entities[i].End += len(cw) + 1
		}
	}
	t.Lang = str(src, "language")
	var tags []string
	for _, tag := range src.GetArray("tags") {
		tags = append(tags, str(tag, "name"))
	}
	t.Text, t.Entities = withHashtags(t.Text, tags, t.Entities)
	acct := v.Get("account")
	t.User = str(acct, "acct")
	t.UserName = truncate(HTMLText(str(acct, "display_name")), MaxDisplayName)
	t.UserBio = HTMLText(str(acct, "note"))
	t.UserLocation = profileLocation(acct.GetArray("fields"), t.UserName, t.UserBio)
	t.UserBio = truncate(t.UserBio, maxBio)
	return t, nil
}

// profileLocation picks the profile field most likely to hold a place: one
// named for a location ("Location", "Standort", "📍"), then one named for
// where someone lives or is from ("Based in", "Lives in", "City"). Without
// one, a "📍 Place" in the display name or the bio counts. It returns ""
// when nothing fits.
func profileLocation(fields []*fastjson.Value, name, bio string) string {
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
	if p := pinned(name); p != "" {
		return p
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
	t, _ := htmlText(s, false)
	return t
}

// htmlText is HTMLText, and with entities the links of s as Mastodon
// writes them: a hashtag (class "hashtag", its text "#tag"), a mention
// (class "mention", "@user", whose Value is user@host from the link), and
// any other link (Value: its href).
func htmlText(s string, entities bool) (string, []Entity) {
	if strings.IndexByte(s, '<') < 0 {
		if strings.IndexByte(s, '&') < 0 {
			return s, nil
		}
		return html.UnescapeString(s), nil
	}
	var b strings.Builder
	b.Grow(len(s))
	var es []Entity
	open := false // inside a link whose entity es ends with
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
		tag := s[i+1 : i+j]
		if breaksLine(tag) {
			if n := b.Len(); n > 0 && b.String()[n-1] != '\n' {
				b.WriteByte('\n')
			}
		}
		if entities {
			switch name := tagName(tag); {
			case name == "a" && !open && len(es) < maxEntityInput:
				es = append(es, linkEntity(tag, b.Len()))
				open = true
			case name == "/a" && open:
				es[len(es)-1].End = b.Len()
				open = false
			}
		}
		s = s[i+j+1:]
	}
	if open {
		es[len(es)-1].End = b.Len()
	}
	out := b.String()
	text := strings.TrimSpace(out)
	if len(es) == 0 {
		return text, nil
	}
	lead := len(out) - len(strings.TrimLeftFunc(out, unicode.IsSpace)) // as TrimSpace
	for i := range es {
		e := &es[i]
		e.Start, e.End = min(max(e.Start-lead, 0), len(text)), min(max(e.End-lead, 0), len(text))
		txt := text[e.Start:e.End]
		switch {
		case e.Kind == EntityTag && strings.HasPrefix(txt, "#"):
			e.Value = txt[1:]
		case e.Kind == EntityMention && strings.HasPrefix(txt, "@"):
			if e.Value = acctOf(e.Value); e.Value == "" {
				e.Value = txt[1:]
			}
		default:
			e.Kind = EntityLink // e.Value is its href
		}
	}
	return text, cleanEntities(text, es)
}

// tagName is the lower-cased name of a tag (the text between < and >),
// "/a" for a closing one.
func tagName(tag string) string {
	n := 0
	if n < len(tag) && tag[n] == '/' {
		n++
	}
	for n < len(tag) && (isLetterByte(tag[n]) || tag[n] >= '0' && tag[n] <= '9') {
		n++
	}
	return strings.ToLower(tag[:n])
}

// linkEntity is the entity an <a> tag opens at start: a hashtag or a
// mention by its class, otherwise a link; its Value is the href until the
// text is known.
func linkEntity(tag string, start int) Entity {
	e := Entity{Kind: EntityLink, Start: start, Value: html.UnescapeString(attr(tag, "href"))}
	switch class := " " + attr(tag, "class") + " "; {
	case strings.Contains(class, " hashtag "):
		e.Kind = EntityTag
	case strings.Contains(class, " mention "):
		e.Kind = EntityMention
	}
	return e
}

// attr returns the value of a tag's attribute, quoted with " or ', or "".
func attr(tag, name string) string {
	for i := 0; ; {
		j := strings.Index(tag[i:], name)
		if j < 0 {
			return ""
		}
		k := i + j + len(name)
		if (i+j == 0 || tag[i+j-1] == ' ' || tag[i+j-1] == '\t' || tag[i+j-1] == '\n') && k+1 < len(tag) && tag[k] == '=' &&
			(tag[k+1] == '"' || tag[k+1] == '\'') {
			q := tag[k+1]
			if end := strings.IndexByte(tag[k+2:], q); end >= 0 {
				return tag[k+2 : k+2+end]
			}
			return ""
		}
		i = k
	}
}

// acctOf turns a Mastodon profile link (https://host/@user) into the
// account it names, user@host; "" if it is not one.
func acctOf(href string) string {
	rest, ok := strings.CutPrefix(href, "https://")
	if !ok {
		return ""
	}
	host, user, ok := strings.Cut(rest, "/@")
	if !ok || host == "" || user == "" || strings.ContainsAny(host, "/@") || strings.ContainsAny(user, "/@?#") {
		return ""
	}
	return user + "@" + host
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
