package tweet

import (
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// Bluesky's Jetstream serves the network's repository events as JSON, one
// per WebSocket message:
//
//	{"did":"did:plc:…","time_us":1725911162329308,"kind":"commit",
//	 "commit":{"rev":"…","operation":"create","collection":"app.bsky.feed.post",
//	           "rkey":"…","record":{"$type":"app.bsky.feed.post","text":"…",
//	           "createdAt":"…","langs":["en"],"facets":[…],"tags":[…]},"cid":"…"}}
//
// plus "identity" and "account" events. Only a post's creation is a tweet;
// every other event is a notice named below.

// BlueskyPostCollection is the collection of Bluesky posts.
const BlueskyPostCollection = "app.bsky.feed.post"

// Notice names of the Jetstream events that are not new posts. An event of a
// kind not listed here is a notice named by its kind.
const (
	NoticeIdentity        = "identity"         // a handle or DID document changed
	NoticeAccount         = "account"          // an account was (de)activated
	NoticeDelete          = "delete"           // a post was deleted
	NoticeUpdate          = "update"           // a post record was rewritten
	NoticeOtherCollection = "other_collection" // a like, repost, follow, ...
)

// maxTags bounds the hashtags added to a post's text from its facets and
// tags, against hostile records.
const maxTags = 16

// JetstreamEvent is the envelope of a Jetstream event: what a reader needs
// to resume the stream (TimeUS, the cursor) and to recognise an event sent
// twice.
type JetstreamEvent struct {
	DID    string
	TimeUS int64 // microseconds since the Unix epoch; 0 if missing
	Kind   string
	// Commits only.
	Collection, Operation, RKey, Rev string
}

// isJetstream reports whether v has a Jetstream event's envelope.
func isJetstream(v *fastjson.Value) bool {
	return v.Exists("did") && v.Exists("kind")
}

// DecodeJetstream decodes a Jetstream event: its envelope, and the post it
// creates as a Tweet of KindTweet. Any other event is a KindNotice (see the
// Notice names); a line that is not a Jetstream event, or a post that breaks
// the app.bsky.feed.post lexicon, is KindMalformed with an error wrapping
// ErrMalformed. Strings in the results do not alias line.
func (d *Decoder) DecodeJetstream(line []byte) (Tweet, JetstreamEvent, error) {
	v, err := d.p.ParseBytes(line)
	if err != nil {
		t, err := malformed("parsing JSON: %v", err)
		return t, JetstreamEvent{}, err
	}
	if v.Type() != fastjson.TypeObject || !isJetstream(v) {
		t, err := malformed("not a Jetstream event")
		return t, JetstreamEvent{}, err
	}
	return decodeJetstream(v)
}

// known are the envelope's usual values, kept without allocating.
var known = []string{"commit", "identity", "account", "create", "delete", "update", BlueskyPostCollection}

// strKnown is str for fields whose values are mostly in known.
func strKnown(v *fastjson.Value, key string) string {
	f := v.Get(key)
	if f == nil || f.Type() != fastjson.TypeString {
		return ""
	}
	b, _ := f.StringBytes()
	for _, k := range known {
		if string(b) == k {
			return k
		}
	}
	return string(b)
}

func decodeJetstream(v *fastjson.Value) (Tweet, JetstreamEvent, error) {
	ev := JetstreamEvent{DID: str(v, "did"), Kind: strKnown(v, "kind")}
	if tu := v.Get("time_us"); tu != nil && tu.Type() == fastjson.TypeNumber {
		ev.TimeUS, _ = tu.Int64()
	}
	if ev.DID == "" || ev.Kind == "" {
		t, err := malformed("Jetstream event without did or kind")
		return t, ev, err
	}
	if ev.Kind != "commit" {
		return Tweet{Kind: KindNotice, Notice: ev.Kind}, ev, nil
	}
	c := v.Get("commit")
	if c == nil || c.Type() != fastjson.TypeObject {
		t, err := malformed("Jetstream commit without a commit object")
		return t, ev, err
	}
	ev.Collection, ev.Operation = strKnown(c, "collection"), strKnown(c, "operation")
	ev.RKey, ev.Rev = str(c, "rkey"), str(c, "rev")
	switch {
	case ev.Collection != BlueskyPostCollection:
		return Tweet{Kind: KindNotice, Notice: NoticeOtherCollection}, ev, nil
	case ev.Operation == "delete":
		return Tweet{Kind: KindNotice, Notice: NoticeDelete}, ev, nil
	case ev.Operation == "update":
		return Tweet{Kind: KindNotice, Notice: NoticeUpdate}, ev, nil
	case ev.Operation != "create":
		t, err := malformed("Jetstream commit operation %q", ev.Operation)
		return t, ev, err
	}
	t, err := decodeBlueskyPost(ev, c.Get("record"))
	if err == nil {
		readProfile(&t, v.Get(ProfileKey))
	}
	return t, ev, err
}

// MaxClockSkew is how far a Bluesky post's createdAt may be from the time
// Jetstream received it (time_us) before the post is marked ClockSkew.
// A post reaches Jetstream within seconds of being written (in a real
// recording, 0.3 s before to 32 s after its createdAt); minutes apart
// means a client's clock is wrong or the post was imported with an old
// date, and five minutes leaves room for a slow relay.
const MaxClockSkew = 5 * time.Minute

// decodeBlueskyPost decodes an app.bsky.feed.post record created by ev.
func decodeBlueskyPost(ev JetstreamEvent, rec *fastjson.Value) (Tweet, error) {
	if ev.RKey == "" {
		return malformed("Bluesky post without rkey")
	}
	if rec == nil || rec.Type() != fastjson.TypeObject {
		return malformed("Bluesky post without a record object")
	}
	text := rec.Get("text")
	if text == nil || text.Type() != fastjson.TypeString {
		return malformed("Bluesky post without text")
	}
	t := Tweet{
		ID:   "at://" + ev.DID + "/" + BlueskyPostCollection + "/" + ev.RKey,
		User: ev.DID,
		Text: str(rec, "text"),
	}
	for _, l := range rec.GetArray("langs") {
		if l.Type() == fastjson.TypeString {
			b, _ := l.StringBytes()
			t.Lang = string(b)
			break
		}
	}
	// The time Jetstream received the post; the client's own (createdAt,
	// set by the author's device) only when there is no other.
	created, err := time.Parse(time.RFC3339, str(rec, "createdAt"))
	switch {
	case ev.TimeUS > 0:
		t.CreatedAt = time.UnixMicro(ev.TimeUS).UTC()
		if d := created.Sub(t.CreatedAt); err == nil && (d > MaxClockSkew || d < -MaxClockSkew) {
			t.ClockSkew = true
		}
	case err == nil:
		t.CreatedAt = created.UTC()
	}
	recTags := rec.GetArray("tags")
	var tags []string
	t.Entities, tags = blueskyFacets(t.Text, rec.GetArray("facets"), min(len(recTags), maxTags))
	for _, tag := range recTags {
		if tag.Type() == fastjson.TypeString {
			b, _ := tag.StringBytes()
			tags = append(tags, string(b))
		}
	}
	t.Text, t.Entities = withHashtags(t.Text, tags, t.Entities)
	return t, nil
}

// blueskyFacets reads a post's facets (app.bsky.richtext.facet: a byte
// range of the text and what it is) as entities, with room for more
// entities, and the tags they name.
func blueskyFacets(text string, facets []*fastjson.Value, more int) ([]Entity, []string) {
	if len(facets) == 0 {
		return nil, nil
	}
	es := make([]Entity, 0, min(len(facets), maxEntityInput)+more)
	var tags []string
	for i, f := range facets {
		if i == maxEntityInput {
			break
		}
		idx := f.Get("index")
		start, ok1 := intAt(idx, "byteStart")
		end, ok2 := intAt(idx, "byteEnd")
		e := Entity{Start: start, End: end}
		for _, feat := range f.GetArray("features") {
			var kind EntityKind
			var value string
			switch str(feat, "$type") {
			case "app.bsky.richtext.facet#link":
				kind, value = EntityLink, str(feat, "uri")
			case "app.bsky.richtext.facet#mention":
				kind, value = EntityMention, str(feat, "did")
			case "app.bsky.richtext.facet#tag":
				kind, value = EntityTag, str(feat, "tag")
				tags = append(tags, value)
			}
			if e.Kind == 0 && kind != 0 { // the first feature a facet has says what it is
				e.Kind, e.Value = kind, value
			}
		}
		if e.Kind != 0 && ok1 && ok2 {
			es = append(es, e)
		}
	}
	return cleanEntities(text, es), tags
}

// intAt returns the integer at v's key, if it is one that fits an int.
func intAt(v *fastjson.Value, key string) (int, bool) {
	if v == nil {
		return 0, false
	}
	f := v.Get(key)
	if f == nil || f.Type() != fastjson.TypeNumber {
		return 0, false
	}
	n, err := f.Int()
	return n, err == nil
}

// ProfileKey is the top-level field that the scraper adds to a Jetstream
// post with its author's public profile (app.bsky.actor.defs
// #profileViewDetailed, in part):
//
//	"profile":{"handle":"alice.bsky.social","displayName":"Alice 📍 Berlin","description":"…"}
const ProfileKey = "profile"

// Bounds on a profile's fields, those of the app.bsky.actor.profile
// lexicon in bytes (a handle is a domain name).
const (
	MaxHandle      = 253
	MaxDisplayName = 640
	MaxDescription = 2560
)

// readProfile takes the author's handle, display name and description from
// the profile the scraper added, if any: the handle becomes User (the DID
// stays in the ID), the description UserBio, and a place after "📍" in the
// display name or the description UserLocation.
func readProfile(t *Tweet, p *fastjson.Value) {
	if p == nil || p.Type() != fastjson.TypeObject {
		return
	}
	if h := truncate(str(p, "handle"), MaxHandle); h != "" {
		t.User = h
	}
	t.UserName = truncate(str(p, "displayName"), MaxDisplayName)
	bio := truncate(str(p, "description"), MaxDescription)
	if t.UserLocation = pinned(t.UserName); t.UserLocation == "" {
		t.UserLocation = pinned(bio)
	}
	t.UserBio = truncate(bio, maxBio)
}

// withHashtags returns text with each tag that it does not already show as
// a hashtag appended as "#tag", so that hashtags kept beside the text (a
// Bluesky record's tags, a Mastodon status's) reach the clustering, and es
// with an entity for each. Its cost is linear in the text and the tags,
// whatever a hostile post holds.
func withHashtags(text string, tags []string, es []Entity) (string, []Entity) {
	if len(tags) == 0 {
		return text, es
	}
	have := hashtagsIn(text) // in lower case
	lower := ""              // text in lower case, for the few tags that are not one word
	scans := 0
	var b strings.Builder
	added := 0
	for _, tag := range tags {
		tag = strings.TrimSpace(strings.TrimPrefix(tag, "#"))
		if tag == "" || strings.ContainsAny(tag, " \t\r\n#") {
			continue
		}
		h := strings.ToLower(tag)
		if _, ok := have[h]; ok {
			continue
		}
		if !oneWord(tag) { // "snow-day": look for it as written, a bounded number of times
			if scans == maxTags {
				continue
			}
			scans++
			if lower == "" {
				lower = strings.ToLower(text)
			}
			if hasHashtag(lower, h) {
				have[h] = struct{}{}
				continue
			}
		}
		if added == maxTags {
			break
		}
		if b.Len() == 0 {
			b.WriteString(text)
		}
		b.WriteByte(' ')
		if len(es) < maxEntities {
			es = appendTagEntity(es, b.Len(), tag)
		}
		b.WriteByte('#')
		b.WriteString(tag)
		have[h] = struct{}{}
		added++
	}
	if b.Len() == 0 {
		return text, es
	}
	return b.String(), es
}

// hashtagsIn returns the hashtags of text, in lower case, without '#':
// each '#' followed by word bytes.
func hashtagsIn(text string) map[string]struct{} {
	have := map[string]struct{}{}
	for i := 0; i < len(text); i++ {
		if text[i] != '#' {
			continue
		}
		j := i + 1
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		if j > i+1 {
			have[strings.ToLower(text[i+1:j])] = struct{}{}
		}
		i = j - 1
	}
	return have
}

func oneWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

// hasHashtag reports whether text holds "#"+tag as a whole word: "#snow"
// in "#snow!" but not in "#snowfall".
func hasHashtag(text, tag string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], tag)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(tag)
		if start > 0 && text[start-1] == '#' && (end == len(text) || !isWordByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
