package geocode

import "unicode/utf8"

// maxTextLen bounds how much of a tweet LocateText reads.
const maxTextLen = 2000

// LocateText finds the first place name in a tweet's text: a city of at
// least 100,000 people, written as whole words ("New York", "São Paulo",
// "#London", "Chicago's") in title case, as place names are, or as a
// hashtag. Shouted
// words ("CARI PACAR ITU") do not count, nor names run together with another
// capitalised word, which make a person, a club or a title ("Whitney
// Houston", "Real Madrid", "Chennai Express", "New York Times") unless that
// word is a region or country ("Portland Oregon"). The names that text uses
// mostly as ordinary words or people's names ("Reading", "Nice", "Mobile",
// "Jackson") are never matched. @handles and URLs are skipped. It is not
// cached: texts rarely repeat.
func (gc *Geocoder) LocateText(text string) (Result, bool) {
	return gc.locateText(text, true)
}

func (gc *Geocoder) locateText(text string, needCap bool) (Result, bool) {
	if len(text) > maxTextLen {
		text = text[:maxTextLen]
	}
	if needCap && !mayHoldName(text) {
		return Result{}, false
	}
	g, z := gc.g, &gc.z
	z.tokenize(text)
	toks := z.toks
	for i, t := range toks {
		if needCap && !titleOrTag(t) || t.flags&(tokDigit|tokFlag|tokUnderscore) != 0 {
			continue
		}
		most, ok := g.textFirst[z.text(t)]
		if !ok && t.flags&tokPoss != 0 { // "Chicago's"
			w := z.text(t)
			most, ok = g.textFirst[w[:len(w)-1]]
		}
		if !ok {
			continue
		}
		n := min(int(most), len(toks)-i)
		// No boundary inside a name: "Paris, Texas" is two names.
		for j := 1; j < n; j++ {
			if toks[i+j].brk != brkNone || toks[i+j].flags&tokFlag != 0 {
				n = j
				break
			}
		}
		for ; n >= 1; n-- {
			if needCap && n > 1 && toks[i+n-1].flags&tokCap == 0 {
				continue // "New York" and "Rio de Janeiro", not "New york times"
			}
			key := gc.join(toks[i : i+n])
			id, ok := g.text[key]
			if !ok && toks[i+n-1].flags&tokPoss != 0 { // "New York's"
				id, ok = g.text[key[:len(key)-1]]
			}
			if !ok {
				continue
			}
			if needCap && t.flags&tokHash == 0 && !gc.standsAlone(toks, i, i+n) {
				break
			}
			return gc.textResult(id), true
		}
	}
	return Result{}, false
}

// titleOrTag reports whether a word is in title case ("Paris", not "PARIS"
// or "paris"), in a script without case, or a hashtag.
func titleOrTag(t token) bool {
	if t.flags&tokHash != 0 {
		return true
	}
	// Words in scripts without case have neither flag and count.
	return t.flags&tokCap != 0 && (t.flags&tokLower != 0 || t.flags&tokUpper == 0)
}

// standsAlone reports whether the name toks[i:j] is not run together with
// a capitalised word before it or after it in the same part.
func (gc *Geocoder) standsAlone(toks []token, i, j int) bool {
	if i > 0 && toks[i].brk == brkNone && capitalised(toks[i-1]) && gc.z.text(toks[i-1]) != "i" {
		return false
	}
	if j < len(toks) && toks[j].brk == brkNone && capitalised(toks[j]) {
		if _, ok := gc.qualOf(toks[j : j+1]); !ok {
			return false
		}
	}
	return true
}

func capitalised(t token) bool { return t.flags&tokCap != 0 && t.flags&tokDigit == 0 }

// textResult returns the Result of a text city, building each once: there
// are only a few thousand.
func (gc *Geocoder) textResult(id int32) Result {
	if r, ok := gc.texts[id]; ok {
		return r
	}
	if gc.texts == nil {
		gc.texts = make(map[int32]Result)
	}
	r := gc.result(ref(uint32(id) << 4))
	gc.texts[id] = r
	return r
}

// mayHoldName is a quick test before tokenizing: a name needs a capital, a
// hashtag or a letter outside ASCII.
func mayHoldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c == '#' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}
