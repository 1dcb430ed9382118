package geocode

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxTextLen bounds how much of a tweet LocateText reads.
const maxTextLen = 2000

// LocateText finds the city of at least 100,000 people that a post's text
// names; LocateTextLang with no language.
func (gc *Geocoder) LocateText(text string) (Result, bool) {
	return gc.locateText(text, "", true)
}

// LocateTextLang finds the city of at least 100,000 people that a post's
// text names, in the post's language lang (an ISO 639
// code such as "en", "ja", "pt-BR"; "" or "und" when unknown).
//
// Names are matched as whole words ("New York", "São Paulo", "#London",
// "Chicago's"), in their own script too: inside text written without spaces
// ("東京で地震", "名古屋駅", "กรุงเทพ"), before a Korean particle ("서울에서")
// and with a Russian or Ukrainian case ending ("в Москве", "из Киева").
//
// A name counts only as a place, not as a word, a person, a club or a
// title. What makes it one is a cue: a preposition of place before it ("in",
// "à", "em", "di", "nach", "в"...), a pin emoji ("📍Berlin"), a parenthesis
// ("(Dubai)"), a region or country after it that holds it ("Portland,
// Oregon", "Tulsa OK"), or a hashtag. Without a cue a name counts in the
// middle of a sentence, capitalised, in a language that capitalises names,
// or in a script without case; never as the first word of a sentence
// ("Liverpool used...", "Jau so einer"), never when it is a stop word of
// the post's language, never in a post about football ("FC", "vs",
// "transfer") unless a preposition, a pin or a region says it is the place.
// It never counts in a title or an organisation ("Journal de Montréal",
// "Real Madrid", "Whitney Houston", "New York Times"), when the same name is
// a larger state or province that does not have it as its largest place
// ("Québec", "Ontario", "Rio Grande do Sul"), or when it is among the names
// text uses mostly as words or people's names ("Reading", "Nice", "Jackson",
// "Sofia"). A text that names two cities more than 50 km apart ("from
// Lahore to Karachi") is placed at neither. Shouted words, @handles and URLs
// are skipped. It is not cached: texts rarely repeat.
func (gc *Geocoder) LocateTextLang(text, lang string) (Result, bool) {
	return gc.locateText(text, lang, true)
}

func (gc *Geocoder) locateText(text, lang string, needCap bool) (Result, bool) {
	if len(text) > maxTextLen {
		text = truncateUTF8(text, maxTextLen)
	}
	if needCap && !mayHoldName(text) {
		return Result{}, false
	}
	z := &gc.z
	z.tokenize(text)
	toks := z.toks
	langBit := gc.langBit(lang)
	club := -1 // whether the post is about football: worked out once, when needed
	// Every name is read: a post that names two cities far apart is placed
	// at the one it names with the best cue, or else more often ("香港の人た
	// ちが東京でデモ": Tokyo, where the demonstration is), else at neither
	// ("from Lahore to Karachi").
	var cands [4]candidate
	nc := 0
	take := func(id int32, cue int) bool {
		for k := range cands[:nc] {
			c := &cands[k]
			a, b := &gc.g.cities[c.id], &gc.g.cities[id]
			if c.id == id || km(float64(a.lon), float64(a.lat), float64(b.lon), float64(b.lat)) <= sameCityKm {
				c.cue = max(c.cue, cue)
				c.n++
				return true
			}
		}
		if nc == len(cands) {
			return false
		}
		cands[nc] = candidate{id, cue, 1}
		nc++
		return true
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.flags&(tokDigit|tokFlag|tokUnderscore) != 0 {
			continue
		}
		w := z.text(t)
		r0, _ := utf8.DecodeRuneInString(w)
		if r0 >= utf8.RuneSelf && hasRunOn(w) {
			gc.scanRunOn(w, t.flags&tokHash != 0, toks, &club, take)
			continue
		}
		if needCap && !titleOrTag(t) {
			continue
		}
		id, n := gc.matchWords(toks, i, needCap)
		if n == 0 {
			var ok bool
			if r0 < 0x400 { // Latin, Greek: no inflected forms tried
				continue
			}
			if id, ok = gc.inflected(w, r0); !ok {
				continue
			}
			n = 1
		}
		if id < 0 {
			i += n - 1 // a region's name ("Rio Grande do Sul"): none of its words is a city
			continue
		}
		if q, ok := gc.qualAfter(toks, i+n); ok && toks[i+n].brk != brkNone && !gc.inQual(id, q) {
			if id, ok = gc.otherPlace(toks, i, i+n, q); !ok {
				i += n - 1
				continue
			}
		}
		if ok, strong := gc.accept(toks, i, i+n, id, langBit, &club); ok || !needCap {
			cue := 0
			if strong {
				cue = 2
			} else if toks[i].flags&tokHash != 0 {
				cue = 1
			}
			if !take(id, cue) {
				return Result{}, false
			}
		}
		i += n - 1
	}
	best, tie := -1, false
	for k := range cands[:nc] {
		c, b := &cands[k], &cands[max(best, 0)]
		switch {
		case best < 0 || c.cue > b.cue || c.cue == b.cue && c.n > b.n:
			best, tie = k, false
		case c.cue == b.cue && c.n == b.n:
			tie = true
		}
	}
	if best < 0 || tie {
		return Result{}, false
	}
	return gc.textResult(cands[best].id), true
}

// matchWords returns the longest text name starting at toks[i] and how many
// tokens it takes (0 for none). Its id is -1 for a region's name.
func (gc *Geocoder) matchWords(toks []token, i int, needCap bool) (int32, int) {
	g, z := gc.g, &gc.z
	t := toks[i]
	w := z.text(t)
	most, ok := g.textFirst[w]
	if !ok && t.flags&tokPoss != 0 { // "Chicago's"
		most, ok = g.textFirst[w[:len(w)-1]]
	}
	if !ok {
		return 0, 0
	}
	n := min(int(most), len(toks)-i)
	// No boundary inside a name: "Paris, Texas" is two names.
	for j := 1; j < n; j++ {
		if toks[i+j].brk != brkNone || toks[i+j].flags&(tokFlag|tokSent|tokPin|tokParen) != 0 {
			n = j
			break
		}
	}
	for ; n >= 1; n-- {
		last := toks[i+n-1]
		if needCap && n > 1 && last.flags&tokCap == 0 {
			continue // "New York" and "Rio de Janeiro", not "New york times"
		}
		key := gc.join(toks[i : i+n])
		if last.flags&tokPoss != 0 {
			// "Chicago's" is Chicago, "Queen's" is no place: a possessive
			// is tried without its "s" only. A name that ends in "s" after
			// an apostrophe ("St. John's") is found under both.
			if id, ok := g.text[key[:len(key)-1]]; ok {
				return id, n
			}
			if n == 1 {
				continue
			}
		}
		if id, ok := g.text[key]; ok {
			return id, n
		}
	}
	return 0, 0
}

// candidate is a city a text names, its best cue (0 none, 1 a hashtag, 2
// a preposition, a pin, a particle, a region...) and how many times.
type candidate struct {
	id     int32
	cue, n int
}

// accept decides whether the city name toks[i:j] is a place in this text
// (see LocateTextLang), and whether a cue says so. club caches whether the
// post is about football.
func (gc *Geocoder) accept(toks []token, i, j int, id int32, langBit int, club *int) (ok, strong bool) {
	ok = gc.acceptWeak(toks, i, j, id, langBit, club)
	if !ok {
		return false, false
	}
	prep, _ := gc.preposition(toks, i)
	dateline := i == 0 && j < len(toks) && toks[j].flags&tokColon != 0 && toks[i].flags&(tokUpper|tokLower) != 0 && toks[i].flags&tokHash == 0
	return true, prep || dateline || toks[i].flags&(tokPin|tokParen) != 0 || gc.qualifiedAfter(toks, j, id)
}

func (gc *Geocoder) acceptWeak(toks []token, i, j int, id int32, langBit int, club *int) bool {
	t := toks[i]
	if t.flags&tokQuote != 0 && toks[j-1].flags&tokQuoteEnd != 0 {
		return false // a title: “Queens”
	}
	if t.flags&tokHash != 0 && j < len(toks) && toks[j].flags&tokGlued != 0 {
		return false // an event: "#Beijing2022", "#Tokyo2020"
	}
	if t.flags&tokHash == 0 && !gc.standsAlone(toks, i, j, id) {
		return false
	}
	prep, title := gc.preposition(toks, i)
	if title {
		return false // "Journal de Montréal", "University of Chicago"
	}
	// A dateline: the text starts with the name and a colon ("Lahore: 4
	// flights cancelled"); a comma may follow a person's name as well
	// ("Karaman, Kukes'i değerlendirdi").
	dateline := i == 0 && j < len(toks) && toks[j].flags&tokColon != 0 && t.flags&(tokUpper|tokLower) != 0 && t.flags&tokHash == 0
	strong := prep || dateline || t.flags&(tokPin|tokParen) != 0 || gc.qualifiedAfter(toks, j, id)
	if strong {
		return true
	}
	if j == i+1 && gc.stopWord(gc.z.text(t), langBit) {
		return false // a word of the post's language
	}
	if *club < 0 {
		*club = 0
		if gc.aboutFootball(toks) {
			*club = 1
		}
	}
	if *club == 1 {
		return false // "Trump will hate Dortmund now", "#Palermo, primo allenamento"
	}
	if t.flags&tokHash != 0 {
		return true
	}
	if t.flags&(tokUpper|tokLower) == 0 {
		// A script without case: no capital tells a name from a word.
		// Right to left scripts write words run into their article and
		// prepositions ("الخبر" is "the news" and Khobar): only a cue
		// counts there.
		r, _ := utf8.DecodeRuneInString(gc.z.text(t))
		return !rightToLeft(r)
	}
	// In a script with case, a capital at the start of a sentence says
	// nothing: "Liverpool used...", "Miyazaki dropping...", "Jau so einer":
	// in Latin script a word of one language is often a town of another.
	// A large city's name in its own other script is not ("Москва сегодня").
	if t.flags&tokSent == 0 {
		return true
	}
	r, _ := utf8.DecodeRuneInString(gc.z.text(t))
	return r >= 0x250 && gc.g.cities[id].pop >= textAltPop
}

// standsAlone reports whether the name toks[i:j] is not run together with
// a capitalised word before it or after it in the same part: "Whitney
// Houston", "Real Madrid", "Chennai Express" are not places, "Portland
// Oregon" is, because Oregon holds Portland.
func (gc *Geocoder) standsAlone(toks []token, i, j int, id int32) bool {
	if i > 0 && toks[i].brk == brkNone && toks[i].flags&(tokSent|tokPin|tokParen) == 0 && capitalised(toks[i-1]) && toks[i-1].flags&tokHash == 0 {
		if w := gc.z.text(toks[i-1]); w != "i" && !placePrepositions[w] {
			return false
		}
	}
	if j < len(toks) && toks[j].brk == brkNone && capitalised(toks[j]) && toks[j].flags&(tokSent|tokHash) == 0 &&
		toks[j-1].flags&tokPoss == 0 { // "London's Oxford Circus"
		return gc.qualifiedAfter(toks, j, id)
	}
	return true
}

// qualifiedAfter reports whether the words from toks[j] name a region or
// country that holds the city id: "Portland, Oregon", "Tulsa, OK", "Krakow,
// Poland", "Fremont CA", "Lagos 🇳🇬".
func (gc *Geocoder) qualifiedAfter(toks []token, j int, id int32) bool {
	q, ok := gc.qualAfter(toks, j)
	return ok && gc.inQual(id, q)
}

// qualAfter returns the region or country that the words from toks[j] name,
// if they do: "Oregon" in "Portland, Oregon", "MA" in "#Orleans, MA", a flag.
func (gc *Geocoder) qualAfter(toks []token, j int) (qual, bool) {
	if j >= len(toks) || toks[j].brk == brkGroup && toks[j].flags&tokFlag == 0 {
		return nil, false
	}
	if toks[j].flags&tokFlag != 0 {
		refs := gc.g.lookup(gc.z.text(toks[j]))
		return refs, len(refs) > 0
	}
	for k := 1; k <= 3 && j+k <= len(toks); k++ {
		if k > 1 && toks[j+k-1].brk != brkNone || toks[j+k-1].flags&tokCap == 0 {
			break
		}
		if q, ok := gc.qualOfCase(part(toks[j:j+k]), true); ok {
			return q, true
		}
	}
	return nil, false
}

// inQual reports whether the city id lies in a region or country of q.
func (gc *Geocoder) inQual(id int32, q qual) bool {
	city := ref(uint32(id) << 4)
	for _, r := range q {
		if r.kind() != kindCity && gc.contains(r, city) {
			return true
		}
	}
	return false
}

// otherPlace returns the place of the name toks[i:j] inside q, when a
// region or country that does not hold the city id follows the name:
// "#Liverpool, NY" is Liverpool, New York, "Bethlehem, Pennsylvania" not
// Belém, of any size; ok is false when q holds no place of that name.
func (gc *Geocoder) otherPlace(toks []token, i, j int, q qual) (int32, bool) {
	key := gc.join(toks[i:j])
	if toks[j-1].flags&tokPoss != 0 {
		key = key[:len(key)-1]
	}
	r, ok := gc.pickRef(gc.g.lookup(key), []qual{q}, pickPlace)
	if !ok || r.kind() != kindCity {
		return 0, false
	}
	return r.id(), true
}

// placePrepositions are the words before a name that make it a place: "in
// Berlin", "à Paris", "em Lisboa", "di Jakarta", "nach Wien", "в Москве".
// Keys are normalised (accents folded).
var placePrepositions = set(
	"in", "at", "from", "near", "into", "to", "around", "outside", "across", "visiting", "towards", "toward",
	"inside", "throughout", "downtown",
	"au", "en", "aux", "depuis", "vers", "pres", "dans",
	"em", "no", "na", "nos", "nas", "desde", "hacia", "para", "al", "pra",
	"im", "nach", "aus", "bei", "ab",
	"uit", "naar", "bij", "te",
	"da", "per", "nel", "nella",
	"di", "ke", "dari", "dekat",
	"w", "we", "z", "ze", "do",
	"в", "во", "из", "на", "у", "под", "около", "до", "от", "через", "з", "із",
)

// titlePrepositions join a capitalised word to a name in titles and the names
// of organisations: "Journal de Montréal", "University of Chicago", "Bank of
// America", "Universidade Católica do Rio Grande do Sul".
var titlePrepositions = set("of", "de", "du", "des", "del", "della", "di", "do", "da", "von", "van", "der", "to")

// regionWords before "of" or "de" make the name after them a region's: "the
// state of Oaxaca", "estado de São Paulo", "provincia di Roma".
var regionWords = set("state", "estado", "province", "provincia", "provincie", "region", "regiao", "county",
	"condado", "departamento", "prefecture", "oblast", "canton", "district", "distrito", "bundesland", "land")

// preposition reports whether a place preposition stands right before
// toks[i], and whether the name is in a title instead ("Journal de
// Montréal").
func (gc *Geocoder) preposition(toks []token, i int) (prep, title bool) {
	if i == 0 || toks[i].brk != brkNone || toks[i].flags&(tokSent|tokPin|tokParen) != 0 {
		return false, false
	}
	p := toks[i-1]
	w := gc.z.text(p)
	if p.flags&(tokDigit|tokHash|tokFlag) != 0 {
		return false, false
	}
	if titlePrepositions[w] && i >= 2 && p.brk == brkNone && p.flags&tokSent == 0 {
		b := toks[i-2]
		if regionWords[gc.z.text(b)] {
			return false, true // "the state of Oaxaca"
		}
		// "Train to Busan" is a title, "Welcome to London" a greeting,
		// "Lahore to Karachi" a route.
		if capitalised(b) && b.flags&(tokHash|tokUpper) != 0 && b.flags&tokLower != 0 &&
			(w != "to" || b.flags&tokSent == 0 && !gc.isTextName(gc.z.text(b))) {
			return false, true
		}
	}
	return placePrepositions[w] && (p.flags&tokUpper == 0 || p.flags&tokSent != 0), false
}

// isTextName reports whether a word may end a city's name in text.
func (gc *Geocoder) isTextName(w string) bool {
	_, ok := gc.g.text[w]
	return ok
}

// footballWords say that a post is about football, where city names stand
// for clubs: "VfL Wolfsburg", "RB Leipzig", "#BVB", "Iran vs Taipei".
var footballWords = set("fc", "cf", "afc", "sc", "vfl", "vfb", "bvb", "rb", "ssc", "hsv", "psg", "fcb", "ac",
	"vs", "transfer", "signing", "midfielder", "striker", "goalkeeper", "defender", "futbol", "football",
	"soccer", "bundesliga", "laliga", "liga", "ligue", "uefa", "fifa", "allenamento", "calcio", "fussball",
	"futebol", "premierleague", "championsleague", "epl", "mls", "nba", "nfl", "nhl", "mlb", "playoffs",
	"fiba", "touchdown", "quarterback", "rclens", "gegen")

// sportsRunOn say the same in Japanese and Chinese text, where a city names
// its team ("広島同点！", "浦和と仙台の泥試合"): match, tie, comeback, the high
// school championship, victory, baseball, football, supporter, the Giants.
var sportsRunOn = []string{"試合", "同点", "逆転", "甲子園", "優勝", "野球", "サッカー", "サホ", "巨人", "比赛", "比賽", "球队", "球隊"}

func (gc *Geocoder) aboutFootball(toks []token) bool {
	for _, t := range toks {
		w := gc.z.text(t)
		if footballWords[w] {
			return true
		}
		if w[0] >= utf8.RuneSelf && hasRunOn(w) {
			for _, s := range sportsRunOn {
				if strings.Contains(w, s) {
					return true
				}
			}
		}
	}
	return false
}

// sameCityKm is how far apart two names' places may be and still be one
// place: a city and its other name, or its neighbour.
const sameCityKm = 50

// km is the great-circle distance between two points.
func km(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// langBit returns the bit of a language among the gazetteer's stop word
// lists, -1 when lang is unknown or has no list.
func (gc *Geocoder) langBit(lang string) int {
	if lang == "" {
		return -1
	}
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	var buf [8]byte
	if len(lang) > len(buf) {
		return -1
	}
	for i := 0; i < len(lang); i++ {
		c := lang[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	l := string(buf[:len(lang)])
	if l == "in" {
		l = "id" // the old code of Indonesian, which X still sends
	}
	if b, ok := gc.g.langs[l]; ok {
		return int(b)
	}
	return -1
}

// stopWord reports whether the key, in Latin script, is a stop word of the
// language: "Jau" in Latvian, "Medan" in Norwegian, "Lima" (five) in
// Indonesian. Not when the language is unknown: every list holds some
// large city's name in some language. Nor in other scripts, where the lists
// hold a few cities' own names (Russian's has "Москва").
func (gc *Geocoder) stopWord(key string, langBit int) bool {
	if langBit < 0 || key == "" || key[0] >= utf8.RuneSelf {
		return false
	}
	return gc.g.stop[key]&(1<<langBit) != 0
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

// capitalised reports whether a word starts with a capital: in a script with
// case only ("서울 날씨" is two words, not a name of two).
func capitalised(t token) bool {
	return t.flags&tokCap != 0 && t.flags&tokUpper != 0 && t.flags&tokDigit == 0
}

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

// runOnScript reports whether r is a letter of a script written without
// spaces between words: Han, kana, Thai, Lao, Khmer, Myanmar.
func runOnScript(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
		unicode.Khmer, unicode.Myanmar) || r == 0x30FC // ー, the kana length mark
}

// placeParticles follow a place in Japanese and Chinese text: "東京で",
// "大阪に", "京都へ", "福岡から", "名古屋駅", "在北京" aside. Normalised, as
// the text is: voicing marks dropped ("で" is "て").
var placeParticles = []string{"て", "に", "へ", "から", "まて", "駅", "在住", "市内", "市", "空港"}

func placeParticle(rest string) bool {
	for _, p := range placeParticles {
		if strings.HasPrefix(rest, p) {
			return true
		}
	}
	return false
}

// kana reports whether r is katakana (with its length mark) or hiragana.
func kana(r rune) bool {
	return r >= 0x3040 && r <= 0x30FF || r >= 0x31F0 && r <= 0x31FF || r >= 0xFF66 && r <= 0xFF9F
}

// hasRunOn reports whether w holds a letter of a script written without spaces.
func hasRunOn(w string) bool {
	for _, r := range w {
		if runOnScript(r) {
			return true
		}
	}
	return false
}

func rightToLeft(r rune) bool {
	return unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana, unicode.Nko)
}

// runOnBigPop is the population above which a name in a script without
// spaces is taken wherever it stands ("東京湾", "新大阪駅"); smaller
// places need a boundary on both sides, since they share their names with
// people ("松本さん") and words.
const runOnBigPop = 5000000

// honorifics follow a person's name in Japanese, Chinese and Korean text:
// "松本さん" is a person, not Matsumoto. Normalised (voicing marks dropped:
// "選手" stays, "ちゃん" stays, "くん" stays).
var honorifics = []string{"さん", "ちゃん", "くん", "君", "氏", "様", "さま", "選手", "先生", "監督", "先輩", "容疑者",
	"社長", "議員", "知事", "首相", "総理", "大統領",
	// A prefecture or province named after its capital is the region:
	// "岡山県", "大阪府", "广东省"; and "北京时间" is a time zone, "北京政府"
	// a government.
	"県", "府", "省", "州", "时间", "時間", "政府", "当局", "當局",
	// "香港人": its people, not the place.
	"人"}

// runOnAfter are the characters that may follow a smaller place's name in
// Han text: particles are kana and need no list; these are suffixes.
const runOnAfter = "市駅都港区城店空町村線方面在出産発行向周大公"

// scanRunOn finds the cities named inside a word of a script without
// spaces, longest name first at each position, and gives each to take
// until it says no more, with its cue: 2 for a particle of place after it
// ("東京で"), 1 for a hashtag. toks are the text's, for its subject (club).
func (gc *Geocoder) scanRunOn(w string, hash bool, toks []token, club *int, take func(int32, int) bool) {
	g := gc.g
	if len(g.runOn) == 0 {
		return
	}
	var offs [maxTextLen/3 + 2]int32 // rune starts; a rune is at least one byte, CJK three
	var runes []int32 = offs[:0]
	for i := range w {
		if len(runes) == cap(runes)-1 {
			break
		}
		runes = append(runes, int32(i))
	}
	n := len(runes)
	runes = append(runes, int32(len(w)))
	for p := 0; p < n; p++ {
		r, _ := utf8.DecodeRuneInString(w[runes[p]:])
		if !runOnScript(r) {
			continue
		}
		if p+2 > n {
			break
		}
		most, ok := g.runOnPre[w[runes[p]:runes[p+2]]]
		if !ok {
			continue
		}
		for k := min(int(most), n-p); k >= 2; k-- {
			key := w[runes[p]:runes[p+k]]
			id, ok := g.runOn[key]
			if !ok {
				continue
			}
			if gc.runOnPlace(w, runes, p, p+k, id) {
				if *club < 0 {
					*club = 0
					if gc.aboutFootball(toks) {
						*club = 1
					}
				}
				cue := 0
				if placeParticle(w[runes[p+k]:]) {
					cue = 2
				} else if hash && p == 0 {
					cue = 1
				}
				if *club == 1 || !take(id, cue) {
					return // "広島同点！": a team
				}
			}
			p += k - 1
			break
		}
	}
}

// runOnPlace decides whether the name w[runes[p]:runes[q]] is a place.
func (gc *Geocoder) runOnPlace(w string, runes []int32, p, q int, id int32) bool {
	rest := w[runes[q]:]
	for _, h := range honorifics {
		if strings.HasPrefix(rest, h) {
			return false
		}
	}
	var prev, next rune
	if p > 0 {
		prev, _ = utf8.DecodeRuneInString(w[runes[p-1]:])
	}
	if rest != "" {
		next, _ = utf8.DecodeRuneInString(rest)
	}
	first, _ := utf8.DecodeRuneInString(w[runes[p]:])
	last, _ := utf8.DecodeLastRuneInString(w[runes[p]:runes[q]])
	// A name in kana is a word of its own only between other scripts:
	// katakana runs loanwords together ("バーニーズ" holds "ニース", Nice).
	if kana(first) && kana(prev) || kana(last) && kana(next) {
		return false
	}
	if gc.g.cities[id].pop >= runOnBigPop {
		return true
	}
	if unicode.Is(unicode.Han, prev) {
		return false
	}
	return next == 0 || !unicode.Is(unicode.Han, next) || strings.ContainsRune(runOnAfter, next)
}

// koreanParticles follow a noun in Korean: "서울에서", "서울의", "부산에".
// Longest first; normalised as keys are (Hangul decomposed into jamo).
var koreanParticles = normalizedSuffixes("에서는", "에서도", "에서", "에게", "으로", "까지", "부터", "에는", "에도",
	"에", "의", "은", "는", "이", "가", "을", "를", "로", "도", "와", "과", "만", "시")

// slavicEndings are Russian and Ukrainian case endings of city names, each
// with the nominative endings to try in its place: "Москве" → "Москва",
// "Киева" → "Киев", "Одессы" → "Одесса", "Петербурге" → "Петербург".
var slavicEndings = []struct {
	end  string
	noms []string
}{
	{"ом", []string{""}}, {"ой", []string{"а", "я"}}, {"ою", []string{"а"}}, {"ем", []string{"", "ь"}},
	{"е", []string{"а", "", "я", "ь"}}, {"і", []string{"а", "", "я", "ь"}}, {"у", []string{"а", ""}},
	{"ы", []string{"а"}}, {"и", []string{"а", "я", "ь"}}, {"а", []string{""}}, {"я", []string{"ь"}},
	{"ю", []string{"я", "ь"}},
}

func normalizedSuffixes(words ...string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = Normalize(w)
	}
	return out
}

// inflected finds a city whose name w is in an inflected form: a Korean noun
// with its particle, a Russian or Ukrainian name with its case ending.
func (gc *Geocoder) inflected(w string, r0 rune) (int32, bool) {
	g := gc.g
	var buf [64]byte
	switch {
	case unicode.Is(unicode.Hangul, r0):
		for _, p := range koreanParticles {
			if len(w) > len(p) && strings.HasSuffix(w, p) {
				if id, ok := g.text[w[:len(w)-len(p)]]; ok && id >= 0 {
					return id, true
				}
			}
		}
	case unicode.Is(unicode.Cyrillic, r0):
		for _, e := range slavicEndings {
			if len(w) <= len(e.end)+4 || !strings.HasSuffix(w, e.end) {
				continue
			}
			stem := w[:len(w)-len(e.end)]
			for _, nom := range e.noms {
				if len(stem)+len(nom) > len(buf) {
					continue
				}
				k := append(append(buf[:0], stem...), nom...)
				if id, ok := g.text[unsafeString(k)]; ok && id >= 0 {
					return id, true
				}
			}
		}
	}
	return 0, false
}
