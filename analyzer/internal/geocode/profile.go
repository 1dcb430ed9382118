package geocode

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/geostream/geostream/shared/tweet"
)

// maxBioLen bounds how much of a profile description LocateBio reads.
const maxBioLen = 1000

// LocateBio places the author of a profile description (a Bluesky
// description, a Mastodon note) by what it says of where they are, in this
// order: a pin ("📍 Berlin", "📌Seattle, WA"), a phrase that says where
// someone lives ("Based in Lisbon", "living in Osaka, Japan", "東京在住"),
// a line or a "|"-separated field that is a place and its region or country
// and nothing else ("Seattle, WA", "Osaka, Japan"), and last a place named
// in the running text by LocateTextLang's rules ("Professor at the
// University of Lisbon" is no place, "Living in Lisbon since 2019" is).
// lang is the description's language when known ("" otherwise).
//
// Unlike a location field, a description is prose: a two-letter word in it
// ("ML", "AI", "IG") is never a country code unless it follows a place
// ("Austin, TX"), and a lone word is never a place by itself ("Mobile",
// "Reading").
func (gc *Geocoder) LocateBio(bio, lang string) (Result, bool) {
	if bio == "" {
		return Result{}, false
	}
	if len(bio) > maxBioLen {
		bio = truncateUTF8(bio, maxBioLen)
	}
	if r, ok := gc.pinned(bio); ok {
		return r, true
	}
	if r, ok := gc.livesIn(bio); ok {
		return r, true
	}
	for _, field := range fields(bio) {
		if r, ok := gc.qualifiedField(field); ok {
			return r, true
		}
		if r, ok := gc.placeField(field); ok {
			return r, true
		}
	}
	return gc.LocateTextLang(bio, lang)
}

// LocateName places the author of a profile by a display name, which is
// nearly always a person's name ("Adam", "Chad Smith") and so places no one,
// unless it holds a pin: "Ana 📍 Porto", "Jo (📍Leeds)".
func (gc *Geocoder) LocateName(name string) (Result, bool) {
	if len(name) > maxBioLen {
		name = truncateUTF8(name, maxBioLen)
	}
	return gc.pinned(name)
}

// pins are the emoji that say "here": the round and the square pushpin.
var pins = []string{"📍", "📌"}

// pinned places the words after a pin as a profile location: up to the end
// of the line, a "|", a bullet, another emoji or a sentence's end.
func (gc *Geocoder) pinned(s string) (Result, bool) {
	for _, pin := range pins {
		for rest := s; ; {
			i := strings.Index(rest, pin)
			if i < 0 {
				break
			}
			rest = rest[i+len(pin):]
			if r, ok := gc.locateField(segment(rest)); ok {
				return r, true
			}
		}
	}
	return Result{}, false
}

// livesInPhrases say where the author lives, in lower case: the place follows.
var livesInPhrases = []string{
	"based in ", "living in ", "lives in ", "live in ", "located in ", "residing in ", "resident of ",
	"born and raised in ", "currently in ", "now in ", "home is ", "-based in ",
	"wohnhaft in ", "wohne in ", "lebe in ", "lebt in ", "vivo en ", "vive en ", "radicado en ", "moro em ",
	"mora em ", "vivo em ", "baseado em ", "j'habite à ", "habite à ", "basé à ", "basée à ", "vivo a ",
	"woon in ", "mieszkam w ", "живу в ", "живу у ",
}

// livesInAfter are the words that follow the place they name: "東京在住",
// "大阪出身" (living in, from), "Berlin-based".
var livesInAfter = []string{"在住", "住み", "出身", "-based", " based"}

func (gc *Geocoder) livesIn(bio string) (Result, bool) {
	lower := strings.ToLower(bio)
	if len(lower) != len(bio) {
		lower = "" // case folding changed the length: find phrases in bio itself, ASCII only
	}
	for _, p := range livesInPhrases {
		src := lower
		if src == "" {
			src = bio
		}
		for off := 0; ; {
			i := strings.Index(src[off:], p)
			if i < 0 {
				break
			}
			at := off + i + len(p)
			off = at
			if r, ok := gc.locateField(segment(bio[at:])); ok {
				return r, true
			}
		}
	}
	for _, a := range livesInAfter {
		i := strings.Index(bio, a)
		if i <= 0 {
			continue
		}
		before := lastWords(bio[:i])
		if r, ok := gc.locateField(before); ok {
			return r, true
		}
		if id, ok := gc.scanRunOnLast(before); ok {
			return gc.textResult(id), true
		}
	}
	return Result{}, false
}

// scanRunOnLast finds a city named at the end of a run of text without
// spaces: "東京在住" → 東京.
func (gc *Geocoder) scanRunOnLast(s string) (int32, bool) {
	if s == "" || !hasRunOn(s) {
		return 0, false
	}
	gc.scratch.tokenize(s)
	if len(gc.scratch.toks) == 0 {
		return 0, false
	}
	last := gc.scratch.toks[len(gc.scratch.toks)-1]
	w := gc.scratch.text(last)
	g := gc.g
	// The longest name that ends the word.
	for i := range w {
		if id, ok := g.runOn[w[i:]]; ok && utf8.RuneCountInString(w[i:]) >= 2 {
			return id, true
		}
	}
	return 0, false
}

// qualifiedField places a field of a description that is nothing but a place
// and what holds it: "Seattle, WA", "Osaka, Japan", "Leeds UK".
func (gc *Geocoder) qualifiedField(f string) (Result, bool) {
	if len(f) > maxLocateLen || strings.Count(f, " ") > 5 {
		return Result{}, false
	}
	z := &gc.z
	z.tokenize(f)
	toks := z.toks
	if len(toks) < 2 || len(toks) > 6 {
		return Result{}, false
	}
	for _, t := range toks {
		if t.flags&(tokDigit|tokUnderscore|tokHash) != 0 || t.brk == brkGroup {
			return Result{}, false
		}
	}
	// The last one, two or three words name a region or country; the rest
	// a city inside it, capitalised.
	for k := 1; k <= 3 && k < len(toks); k++ {
		head, tail := part(toks[:len(toks)-k]), part(toks[len(toks)-k:])
		if tail[0].brk == brkNone && len(head) > 1 && !allCaps(head) {
			continue
		}
		if !allCaps(head) || !allCaps(tail) {
			continue
		}
		q, ok := gc.qualOfCase(tail, true)
		if !ok {
			continue
		}
		for _, t := range head {
			if t.flags&tokLower == 0 && t.end-t.start <= 3 {
				q = nil // "ML, AI": codes, not a place and its country
			}
		}
		if q == nil {
			continue
		}
		refs := gc.g.lookup(gc.join(head))
		if r, ok := gc.pickRef(refs, []qual{q}, pickPlace); ok && r.kind() == kindCity {
			return gc.result(r), true
		}
	}
	return Result{}, false
}

// placeField places a field of a description that is a place's name and
// nothing else: "| Vienna |", "Japan", "New Orleans". A field that is a
// stop word of any language, a town of fewer than 100,000 people or a word
// that names places only rarely ("Music", "Reading") is not.
func (gc *Geocoder) placeField(f string) (Result, bool) {
	f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsMark(r) })
	if f == "" || len(f) > 40 {
		return Result{}, false
	}
	z := &gc.z
	z.tokenize(f)
	toks := z.toks
	if len(toks) == 0 || len(toks) > 3 || !allCaps(toks) {
		return Result{}, false
	}
	for _, t := range toks {
		if t.flags&(tokDigit|tokUnderscore|tokFlag) != 0 || t.brk != brkNone || t.flags&tokLower == 0 && t.flags&tokUpper != 0 {
			return Result{}, false // "ML", "AI": codes and shouting
		}
	}
	key := gc.join(toks)
	if textStop[key] || spanStop[key] || junk[key] || gc.g.stop[key] != 0 {
		return Result{}, false
	}
	// Primary names only ("Human" is an old name of Uman), and cities of
	// textMinPop: small towns are named after words ("Liberal", "March").
	var primary [8]ref
	n := 0
	for _, r := range gc.g.lookup(key) {
		if !r.alt() && !r.qual() && n < len(primary) {
			primary[n] = r
			n++
		}
	}
	r, ok := gc.pickRef(primary[:n], nil, pickPlace)
	if !ok || r.kind() == kindCity && gc.g.pop(r) < textMinPop {
		return Result{}, false
	}
	return gc.result(r), true
}

// locateField places a short piece of a profile as a location field, at
// city level only when it is one word: "📍 Berlin" yes, "📍 Mobile" too,
// but no lone two-letter code ("📍 AI").
func (gc *Geocoder) locateField(s string) (Result, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Result{}, false
	}
	r, ok := gc.Locate(s)
	if !ok || r.Exact {
		return r, ok
	}
	return r, r.Level != tweet.GeoLevelNone
}

// segment returns the start of s up to the end of its line, a "|", a bullet,
// a sentence's end, an emoji or 60 bytes.
func segment(s string) string {
	end := len(s)
	for i, r := range s {
		if i > 60 {
			end = i
			break
		}
		if r == '\n' || r == '\r' || r == '|' || r == '•' || r == '·' || r == '/' || r == ';' || r == '!' || r == '?' ||
			r == '。' || r == '(' || r == ')' || r > 0x2000 && !unicode.IsLetter(r) && !unicode.IsMark(r) && r != '’' {
			end = i
			break
		}
		if r == '.' && (i+1 == len(s) || s[i+1] == ' ') {
			end = i
			break
		}
	}
	return s[:end]
}

// lastWords returns the end of s after its last separator: the words that
// come right before a phrase such as "在住".
func lastWords(s string) string {
	i := strings.LastIndexFunc(s, func(r rune) bool {
		return r == '\n' || r == '|' || r == '/' || r == '・' || r == '。' || r == '、' || r == '!' ||
			r > 0x2000 && !unicode.IsLetter(r) && !unicode.IsMark(r)
	})
	if i >= 0 {
		_, size := utf8.DecodeRuneInString(s[i:])
		s = s[i+size:]
	}
	return strings.TrimSpace(s)
}

// fields splits a description into its lines and "|"- or bullet-separated fields.
func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '|' || r == '•' || r == '·' || r == '/' || r == '\u2028'
	})
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
