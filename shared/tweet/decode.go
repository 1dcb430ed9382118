package tweet

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// RubyDate is the layout of v1.1 created_at values.
const RubyDate = "Mon Jan 02 15:04:05 -0700 2006"

// noticeKeys are the top-level keys that mark a v1.1 stream notice, and
// the key of the scraper's hello line (wire.HelloKey), which reaches the
// decoder only when the socket is read with something other than the
// analyzer (nc into --input -).
var noticeKeys = []string{"delete", "limit", "scrub_geo", "disconnect", "warning",
	"status_withheld", "user_withheld", "event", "friends", "geostream"}

// Decoder turns lines into Tweets. It reuses its parse buffers, so a Decoder
// is not safe for concurrent use; give each goroutine its own. The zero value
// is ready to use.
//
// fastjson is used rather than encoding/json because it parses into a reusable
// tree without reflection: on the bench lines it is several times faster, and
// the decoder only reads a handful of fields out of kilobytes of JSON.
type Decoder struct {
	p fastjson.Parser
}

// Decode decodes one line (without its newline): an X API v2 envelope, a
// v1.1 status, a compact record, a Jetstream event (see DecodeJetstream) or
// a Mastodon Status, told apart by their keys. A notice returns a Tweet of
// KindNotice and a nil error; a line that is not understood returns a Tweet of
// KindMalformed and an error wrapping ErrMalformed. Strings in the result do
// not alias line.
func (d *Decoder) Decode(line []byte) (Tweet, error) {
	line = bytes.TrimSpace(line)
	v, err := d.p.ParseBytes(line)
	if err != nil {
		return malformed("parsing JSON: %v", err)
	}
	if v.Type() != fastjson.TypeObject {
		return malformed("want a JSON object, got %s", v.Type())
	}
	if data := v.Get("data"); data != nil {
		if data.Type() != fastjson.TypeObject {
			return malformed("v2 data is %s, not an object", data.Type())
		}
		return decodeV2(v, data)
	}
	if v.Exists("errors") {
		return Tweet{Kind: KindNotice, Notice: "errors"}, nil
	}
	if isJetstream(v) {
		t, _, err := decodeJetstream(v)
		return t, err
	}
	for _, k := range noticeKeys {
		if v.Exists(k) {
			return Tweet{Kind: KindNotice, Notice: k}, nil
		}
	}
	if isMastodonStatus(v) {
		return decodeMastodon(v)
	}
	if id := v.Get("id"); id != nil && id.Type() == fastjson.TypeString && !v.Exists("id_str") {
		return decodeCompact(v)
	}
	if v.Exists("id_str") || v.Exists("user") || v.Exists("extended_tweet") || v.Exists("full_text") {
		return decodeV1(v)
	}
	return malformed("not a tweet, notice or compact record")
}

func malformed(format string, args ...any) (Tweet, error) {
	return Tweet{Kind: KindMalformed}, fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// str returns the string at keys, or "" if it is missing or not a string.
func str(v *fastjson.Value, keys ...string) string {
	f := v.Get(keys...)
	if f == nil || f.Type() != fastjson.TypeString {
		return ""
	}
	b, _ := f.StringBytes()
	return string(b)
}

// num returns the number at v, tolerating numbers sent as strings.
func num(v *fastjson.Value) (float64, bool) {
	if v == nil {
		return 0, false
	}
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		return f, err == nil
	default:
		return 0, false
	}
}

// pair reads a two-number array.
func pair(v *fastjson.Value) (a, b float64, ok bool) {
	if v == nil || v.Type() != fastjson.TypeArray {
		return 0, 0, false
	}
	arr, _ := v.Array()
	if len(arr) < 2 {
		return 0, 0, false
	}
	a, ok1 := num(arr[0])
	b, ok2 := num(arr[1])
	return a, b, ok1 && ok2
}

// setPoint records an exact point if it is valid and flags it otherwise.
func (t *Tweet) setPoint(lon, lat float64) {
	if ValidLonLat(lon, lat) {
		t.Lon, t.Lat, t.Geo = lon, lat, GeoPoint
		return
	}
	t.BadGeo = true
}

func (t *Tweet) setPlace(lons, lats []float64) {
	if lon, lat, ok := BoxCentre(lons, lats); ok {
		t.Lon, t.Lat, t.Geo = lon, lat, GeoPlace
		return
	}
	t.BadGeo = true
}

// idString returns an id field as a string, keeping numbers' digits
// exactly. Invalid UTF-8 becomes U+FFFD, so an id survives the compact
// record unchanged.
func idString(v *fastjson.Value) string {
	if v == nil {
		return ""
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		if !utf8.Valid(b) {
			return strings.ToValidUTF8(string(b), "\uFFFD")
		}
		return string(b)
	case fastjson.TypeNumber:
		return string(v.MarshalTo(nil))
	}
	return ""
}

// xUnescaper undoes the escaping of X's tweet text, which writes &, < and
// > as &amp;, &lt; and &gt; and nothing else; so every '&' in the text
// begins one of the three ("&amp;lt;" is a "&lt;" the author typed).
var xUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// unescapeX returns the text an X tweet's author wrote.
func unescapeX(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return xUnescaper.Replace(s)
}

func decodeV2(env, data *fastjson.Value) (Tweet, error) {
	t := Tweet{
		ID:   idString(data.Get("id")),
		Text: str(data, "text"),
		Lang: str(data, "lang"),
	}
	ents := data.Get("entities")
	if note := str(data, "note_tweet", "text"); note != "" {
		t.Text, ents = note, data.Get("note_tweet", "entities")
	}
	sent := t.Text
	t.Text = unescapeX(t.Text)
	if t.ID == "" {
		return malformed("v2 tweet without id")
	}
	t.Entities = xEntities(sent, t.Text, v2Entities(ents))
	if ts := str(data, "created_at"); ts != "" {
		if c, err := time.Parse(time.RFC3339, ts); err == nil {
			t.CreatedAt = c.UTC()
		}
	}
	for _, r := range data.GetArray("referenced_tweets") {
		if str(r, "type") == "retweeted" {
			t.Retweet = true
		}
	}
	author := str(data, "author_id")
	t.User = author
	for _, u := range env.GetArray("includes", "users") {
		if author != "" && str(u, "id") == author {
			t.User = str(u, "username")
			t.UserName = str(u, "name")
			t.UserLocation = str(u, "location")
		}
	}
	if lon, lat, ok := pair(data.Get("geo", "coordinates", "coordinates")); ok {
		t.setPoint(lon, lat)
	}
	placeID := str(data, "geo", "place_id")
	if placeID == "" {
		return t, nil
	}
	for _, p := range env.GetArray("includes", "places") {
		if str(p, "id") != placeID {
			continue
		}
		t.Place = str(p, "full_name")
		if t.Geo != GeoNone {
			break
		}
		box := p.GetArray("geo", "bbox")
		if len(box) == 4 {
			w, ok1 := num(box[0])
			s, ok2 := num(box[1])
			e, ok3 := num(box[2])
			n, ok4 := num(box[3])
			if ok1 && ok2 && ok3 && ok4 {
				t.setPlace([]float64{w, e}, []float64{s, n})
			} else {
				t.BadGeo = true
			}
		}
		break
	}
	return t, nil
}

func decodeV1(v *fastjson.Value) (Tweet, error) {
	t := Tweet{
		ID:   idString(v.Get("id_str")),
		Lang: str(v, "lang"),
		User: str(v, "user", "screen_name"),
		// The retweeter's own profile, not the original author's: it is
		// the retweeter whose tweet this is.
		UserLocation: str(v, "user", "location"),
		UserName:     str(v, "user", "name"),
	}
	if t.ID == "" {
		t.ID = idString(v.Get("id"))
	}
	if t.ID == "" {
		return malformed("v1.1 status without id_str or id")
	}
	if ts := str(v, "created_at"); ts != "" {
		if c, err := time.Parse(RubyDate, ts); err == nil {
			t.CreatedAt = c.UTC()
		}
	}
	src := v
	if rt := v.Get("retweeted_status"); rt != nil && rt.Type() == fastjson.TypeObject {
		t.Retweet = true
		src = rt // the retweet's own text is truncated; the original's is whole
	}
	// Each text with the entities that index it.
	text, ents := str(src, "extended_tweet", "full_text"), src.Get("extended_tweet", "entities")
	if text == "" {
		text, ents = str(src, "full_text"), src.Get("entities")
	}
	if text == "" {
		text = str(src, "text")
	}
	t.Text = text
	sent := t.Text
	t.Text = unescapeX(t.Text)
	t.Entities = xEntities(sent, t.Text, v1Entities(ents))
	if c := v.Get("coordinates"); c != nil && c.Type() == fastjson.TypeObject {
		if lon, lat, ok := pair(c.Get("coordinates")); ok {
			t.setPoint(lon, lat)
		} else {
			t.BadGeo = true
		}
	}
	if t.Geo == GeoNone {
		// The deprecated geo field is [lat, lon].
		if lat, lon, ok := pair(v.Get("geo", "coordinates")); ok {
			t.setPoint(lon, lat)
		}
	}
	if p := v.Get("place"); p != nil && p.Type() == fastjson.TypeObject {
		t.Place = str(p, "full_name")
		if t.Geo == GeoNone {
			rings := p.GetArray("bounding_box", "coordinates")
			var lons, lats []float64
			for _, ring := range rings {
				for _, c := range ring.GetArray() {
					lon, lat, ok := pair(c)
					if !ok {
						t.BadGeo = true
						continue
					}
					lons, lats = append(lons, lon), append(lats, lat)
				}
			}
			if len(lons) > 0 {
				t.setPlace(lons, lats)
			}
		}
	}
	return t, nil
}

// v2Entities reads an X API v2 entities object: urls, mentions and
// hashtags with start and end in code points.
func v2Entities(v *fastjson.Value) []xEntity {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	urls, mentions, tags := v.GetArray("urls"), v.GetArray("mentions"), v.GetArray("hashtags")
	es := make([]xEntity, 0, min(len(urls)+len(mentions)+len(tags), 3*maxEntityInput))
	add := func(arr []*fastjson.Value, kind EntityKind, sign byte, name string) {
		for i, x := range arr {
			start, ok1 := intAt(x, "start")
			end, ok2 := intAt(x, "end")
			if i == maxEntityInput || !ok1 || !ok2 {
				break
			}
			es = append(es, xEntity{Entity{kind, start, end, ""}, sign, bytesAt(x, name)})
			if kind == EntityLink {
				es[len(es)-1].Value = xURL(x)
			} else {
				es[len(es)-1].Value = string(es[len(es)-1].want)
			}
		}
	}
	add(urls, EntityLink, 0, "url")
	add(mentions, EntityMention, '@', "username")
	add(tags, EntityTag, '#', "tag")
	return es
}

// v1Entities reads a v1.1 entities object: urls, media, user_mentions and
// hashtags with indices [start, end] in code points.
func v1Entities(v *fastjson.Value) []xEntity {
	if v == nil || v.Type() != fastjson.TypeObject {
		return nil
	}
	urls, media, mentions, tags := v.GetArray("urls"), v.GetArray("media"), v.GetArray("user_mentions"), v.GetArray("hashtags")
	es := make([]xEntity, 0, min(len(urls)+len(media)+len(mentions)+len(tags), 4*maxEntityInput))
	add := func(arr []*fastjson.Value, kind EntityKind, sign byte, name string) {
		for i, x := range arr {
			idx := x.GetArray("indices")
			if i == maxEntityInput || len(idx) != 2 {
				break
			}
			start, err1 := idx[0].Int()
			end, err2 := idx[1].Int()
			if err1 != nil || err2 != nil {
				break
			}
			es = append(es, xEntity{Entity{kind, start, end, ""}, sign, bytesAt(x, name)})
			if kind == EntityLink {
				es[len(es)-1].Value = xURL(x)
			} else {
				es[len(es)-1].Value = string(es[len(es)-1].want)
			}
		}
	}
	add(urls, EntityLink, 0, "url")
	add(media, EntityLink, 0, "url")
	add(mentions, EntityMention, '@', "screen_name")
	add(tags, EntityTag, '#', "text")
	return es
}

// bytesAt returns the string at v's key as the parser holds it (valid
// until its next parse), or nil.
func bytesAt(v *fastjson.Value, key string) []byte {
	f := v.Get(key)
	if f == nil || f.Type() != fastjson.TypeString {
		return nil
	}
	b, _ := f.StringBytes()
	return b
}

// xURL is the address a t.co link stands for.
func xURL(x *fastjson.Value) string {
	if u := str(x, "expanded_url"); u != "" {
		return u
	}
	return str(x, "url")
}

func decodeCompact(v *fastjson.Value) (Tweet, error) {
	t := Tweet{
		ID:    idString(v.Get("id")),
		Text:  str(v, "text"),
		Lang:  str(v, "lang"),
		User:  str(v, "user"),
		Place: str(v, "place"),

		UserLocation: str(v, "user_location"),
		UserBio:      str(v, "user_bio"),
		UserName:     str(v, "user_name"),
	}
	if rt := v.Get("rt"); rt != nil && rt.Type() == fastjson.TypeTrue {
		t.Retweet = true
	}
	if sk := v.Get("clock_skew"); sk != nil && sk.Type() == fastjson.TypeTrue {
		t.ClockSkew = true
	}
	t.Entities = compactEntities(t.Text, v.GetArray("entities"))
	if ts := str(v, "created_at"); ts != "" {
		if c, err := time.Parse(time.RFC3339, ts); err == nil {
			t.CreatedAt = c.UTC()
		}
	}
	lonV, latV := v.Get("lon"), v.Get("lat")
	if lonV != nil && latV != nil && lonV.Type() != fastjson.TypeNull && latV.Type() != fastjson.TypeNull {
		lon, ok1 := num(lonV)
		lat, ok2 := num(latV)
		if ok1 && ok2 {
			t.setPoint(lon, lat)
			if ap := v.Get("approx"); t.Geo == GeoPoint && ap != nil && ap.Type() == fastjson.TypeTrue {
				t.Geo = GeoPlace
			}
		} else {
			t.BadGeo = true
		}
	}
	return t, nil
}

// compactEntities reads the compact record's entities, each an array
// [kind, start, end, value] with offsets in bytes (see AppendCompact).
func compactEntities(text string, arr []*fastjson.Value) []Entity {
	var es []Entity
	for i, a := range arr {
		if i == maxEntityInput {
			break
		}
		f := a.GetArray()
		if len(f) != 4 || f[0].Type() != fastjson.TypeString || f[3].Type() != fastjson.TypeString {
			continue
		}
		kind, _ := f[0].StringBytes()
		value, _ := f[3].StringBytes()
		start, err1 := f[1].Int()
		end, err2 := f[2].Int()
		if k := entityKind(string(kind)); k != 0 && err1 == nil && err2 == nil {
			es = append(es, Entity{Kind: k, Start: start, End: end, Value: string(value)})
		}
	}
	return cleanEntities(text, es)
}
