package geocode

import (
	"fmt"

	"github.com/geostream/geostream/shared/tweet"
)

// Result is where a string puts its author or its subject.
type Result struct {
	Lon, Lat float64
	// Level is GeoCity for a town or city (and for coordinates written in
	// the string), GeoRegion for a state, province or county, GeoCountry.
	Level tweet.GeoLevel
	// Name is the place as the gazetteer knows it: "London, Ontario, Canada".
	// Empty for coordinates.
	Name string
	// Country is the ISO 3166-1 alpha-2 code, "" for coordinates.
	Country string
	// Exact is set when the string held coordinates ("ÜT: 40.7,-74.0").
	Exact bool
	// Population is the place's, region's or country's (the sum of its
	// places' for the last two); 0 for coordinates.
	Population int
}

// Attribution is the credit the GeoNames licence (CC BY 4.0) asks for
// wherever places found by the geocoder are shown.
const Attribution = "Place names: GeoNames (geonames.org), CC BY 4.0"

// DefaultCacheSize is the default number of strings a Geocoder remembers in
// each of its two cache generations.
const DefaultCacheSize = 1 << 14

// Options configure a Geocoder.
type Options struct {
	// CacheSize bounds the cache of strings already located: at most
	// 2×CacheSize entries are kept. 0 means DefaultCacheSize; negative turns
	// the cache off.
	CacheSize int
}

// Validate reports whether the options make sense.
func (o Options) Validate() error {
	if o.CacheSize > 1<<24 {
		return fmt.Errorf("geocode: cache size %d is too large (at most %d)", o.CacheSize, 1<<24)
	}
	return nil
}

// Geocoder locates profile locations and place names in text against the
// embedded GeoNames gazetteer.
//
// A Geocoder is NOT safe for concurrent use: it reuses its buffers and its
// cache is unguarded. Give each goroutine its own; they share the gazetteer,
// which is decoded once, on the first New, and is read-only.
type Geocoder struct {
	g     *gazetteer
	z     tokenizer
	cache cache
	key   []byte

	// regionFirst keeps a region from giving way to its same-name city
	// while resolving "Western New York".
	regionFirst bool
	// minPop hides small places and regions while resolving a capitalised
	// abbreviation: "WA" is Washington, not Wa in Ghana.
	minPop uint32

	texts map[int32]Result // LocateText's answers by place, at most one per text city

	scratch tokenizer // for sameName, which runs while z is in use
	na, nb  []byte
}

// New returns a Geocoder. The first call decodes the embedded gazetteer
// (0.2 s, 20 MB kept on the heap); later calls share it.
func New(o Options) (*Geocoder, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	g, err := loadGazetteer()
	if err != nil {
		return nil, err
	}
	size := o.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	return &Geocoder{g: g, cache: newCache(size)}, nil
}

// NewWithGazetteer returns a Geocoder over a gazetteer other than the
// embedded one: data is a file in the generator's format (gzipped; see
// README.md), decoded on each call. For tools and tests that build their own.
func NewWithGazetteer(data []byte, o Options) (*Geocoder, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	g, err := decodeGazetteer(data)
	if err != nil {
		return nil, err
	}
	size := o.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	return &Geocoder{g: g, cache: newCache(size)}, nil
}

// Locate places a profile location ("Brooklyn, NY", "London ON", "somewhere
// in Texas", "🇬🇧", "40.7128° N, 74.0060° W"). ok is false for junk
// ("Earth", "in your heart", "he/him") and for names the gazetteer lacks.
// Results are cached by the exact string, which the cache keeps: a stream's
// profile locations repeat far more often verbatim than in another spelling,
// and a hit then costs no normalising at all.
func (gc *Geocoder) Locate(profileLocation string) (Result, bool) {
	if profileLocation == "" {
		return Result{}, false
	}
	if e, ok := gc.cache.get(profileLocation); ok {
		return e.r, e.ok
	}
	r, ok := gc.locate(profileLocation)
	gc.cache.put(profileLocation, r, ok)
	return r, ok
}

// CacheStats returns how many Locate calls the cache answered and how many
// it did not.
func (gc *Geocoder) CacheStats() (hits, misses uint64) { return gc.cache.hits, gc.cache.misses }

func (gc *Geocoder) locate(s string) (Result, bool) {
	if len(s) > maxLocateLen {
		return Result{}, false // a profile location is at most 30 characters; this is something else
	}
	if lon, lat, ok := parseCoords(s); ok {
		return Result{Lon: lon, Lat: lat, Level: tweet.GeoCity, Exact: true}, true
	}
	z := &gc.z
	z.tokenize(s)
	if len(z.toks) == 0 || junk[gc.joinAll()] {
		return Result{}, false
	}
	// Groups ("NYC | LA", "London / Paris") are tried in order; the first
	// that resolves wins.
	toks := z.toks
	for start := 0; start < len(toks); {
		end := start + 1
		for end < len(toks) && toks[end].brk < brkGroup {
			end++
		}
		if r, ok := gc.group(toks[start:end]); ok {
			return r, true
		}
		start = end
	}
	return Result{}, false
}

// maxLocateLen bounds the strings Locate looks at, and maxPartWords the
// words between two commas: a place name is short, and each word more
// multiplies the ways of splitting it.
const (
	maxLocateLen = 200
	maxPartWords = 10
)

// part is a run of tokens between commas.
type part []token

// group resolves one group: its first part is the place, the others qualify it.
func (gc *Geocoder) group(toks []token) (Result, bool) {
	var parts [8]part
	n := 0
	for start := 0; start < len(toks) && n < len(parts); {
		end := start + 1
		for end < len(toks) && toks[end].brk == brkNone && toks[end].flags&tokFlag == 0 && toks[start].flags&tokFlag == 0 {
			end++
		}
		p := gc.clean(toks[start:end])
		if len(p) > 0 {
			parts[n] = p
			n++
		}
		start = end
	}
	if n == 0 {
		return Result{}, false
	}
	ps := parts[:n]
	// Flags qualify whatever they follow or precede: move them to the end.
	sortFlagsLast(ps)
	if ps[0][0].flags&tokFlag != 0 {
		// Only flags: the first names a country.
		return gc.qualifierResult(ps)
	}
	// Qualifiers: the parts after the first that name a region or country.
	quals := gc.qualsOf(ps[1:])
	r, ok := gc.resolve(ps[0], quals, 0)
	if (!ok || r.Level != tweet.GeoCity) && len(ps) > 1 {
		// Largest first: "Japan, Tokyo", "USA, New York", "Texas, Houston":
		// the second part may lie inside the first.
		if q, isQual := gc.qualOf(ps[0]); isQual {
			if r2, ok2 := gc.resolve(ps[1], append([]qual{q}, gc.qualsOf(ps[2:])...), 1); ok2 && (!ok || r2.Level < r.Level) {
				return r2, true
			}
		}
	}
	if ok {
		return r, true
	}
	if len(quals) > 0 && gc.abbreviationsOnly(quals) {
		// "NYC, CHI, PHL, LA": codes that contradict a big place are a list
		// of places, not its qualifiers.
		if r, ok := gc.resolve(ps[0], nil, 1); ok && r.Level == tweet.GeoCity && r.Population >= textMinPop {
			return r, true
		}
	}
	// The place is unknown or does not lie in its qualifiers: fall back to
	// the most specific qualifier that lies in the others ("Smallville,
	// Kansas" → Kansas). Abbreviations count here: they were qualifiers.
	return gc.qualifierResult(ps[1:])
}

// sortFlagsLast moves flag parts after the others, keeping their order.
func sortFlagsLast(ps []part) {
	var tmp [8]part
	n := 0
	for _, p := range ps {
		if p[0].flags&tokFlag == 0 {
			tmp[n] = p
			n++
		}
	}
	for _, p := range ps {
		if p[0].flags&tokFlag != 0 {
			tmp[n] = p
			n++
		}
	}
	copy(ps, tmp[:n])
}

// clean drops the tokens of a part that cannot be a place name (postcodes,
// house numbers) and returns nothing for junk parts ("he him", "earth").
func (gc *Geocoder) clean(p part) part {
	out := p[:0] // in place: the part's tokens are not read again
	for _, t := range p {
		if t.flags&(tokDigit|tokUnderscore) != 0 {
			continue
		}
		out = append(out, t)
	}
	p = out
	if len(p) == 0 {
		return nil
	}
	allPronouns := true
	for _, t := range p {
		if !pronouns[gc.z.text(t)] {
			allPronouns = false
			break
		}
	}
	if allPronouns || junk[gc.join(p)] {
		return nil
	}
	return p
}

// qualsOf returns the qualifiers among parts.
func (gc *Geocoder) qualsOf(ps []part) []qual {
	var quals []qual
	for _, p := range ps {
		if q, ok := gc.qualOf(p); ok {
			quals = append(quals, q)
		}
	}
	return quals
}

// qualifierResult resolves the first qualifier part that names a region or
// country inside the later ones.
func (gc *Geocoder) qualifierResult(ps []part) (Result, bool) {
	for i, p := range ps {
		quals := gc.qualsOf(ps[i+1:])
		if r, ok := gc.pick(gc.g.lookup(gc.join(p)), quals, pickQualifier); ok {
			return r, true
		}
	}
	return Result{}, false
}

// abbreviationsOnly reports whether every qualifier names regions and
// countries only by abbreviations.
func (gc *Geocoder) abbreviationsOnly(quals []qual) bool {
	for _, q := range quals {
		for _, r := range q {
			if r.kind() != kindCity && !r.qual() {
				return false
			}
		}
	}
	return true
}

// qual is a qualifier: the refs of a part that names at least one region or
// country ("CA" is California or Canada). Its places are ignored.
type qual []ref

// qualOf returns the refs of a part if it may name a region or country.
// Inside a part ("Austin TX") an abbreviation must be written in capitals:
// "in", "me", "or" and "at" are words more often than Indiana, Maine,
// Oregon and Austria. After a comma ("Bakersfield, Ca") any case will do.
func (gc *Geocoder) qualOf(p part) (qual, bool) {
	return gc.qualOfCase(p, false)
}

func (gc *Geocoder) qualOfCase(p part, strict bool) (qual, bool) {
	if gc.allFiller(p) {
		return nil, false
	}
	refs := gc.g.lookup(gc.join(p))
	lower := false
	for _, t := range p {
		lower = lower || t.flags&tokLower != 0
	}
	for _, r := range refs {
		// Inside a part, a lower-case word must be a full, primary name:
		// "Hong Kong Island" is not in Iceland (German "Island").
		if r.kind() != kindCity && (!strict || !lower || !r.qual() && !r.alt()) {
			return refs, true
		}
	}
	return nil, false
}

// resolve finds the place a part names under quals, trying in turn: the whole
// part (less a CJK administrative suffix: "豊中市" → "豊中"); the part less a
// trailing qualifier ("London ON", "Austin TX", "Toronto Ontario Canada") or
// a leading one ("日本 東京"); the part less filler words ("somewhere in
// Texas", "North London", "Houston area"); a qualifier found in the part
// by itself ("La France", "Coastal OR"); and, at the top level, the longest
// run of words inside the part that names a sizeable place ("London Borough
// of Newham", "Free Hong Kong"), before the qualifier.
func (gc *Geocoder) resolve(p part, quals []qual, depth int) (Result, bool) {
	if len(p) == 0 || len(p) > maxPartWords || depth > 4 {
		return Result{}, false
	}
	refs := gc.g.lookup(gc.join(p))
	if len(p) == 1 && p[0].end-p[0].start <= 3 && p[0].flags&tokLower == 0 && hasQual(refs) {
		gc.minPop = abbrevMinPop
	}
	r, ok := gc.pickRef(refs, quals, pickPlace)
	gc.minPop = 0
	if ok {
		return gc.result(r), true
	}
	if len(p) == 1 {
		if k, ok := cjkStem(gc.z.text(p[0])); ok {
			if r, ok := gc.pickRef(gc.g.lookup(k), quals, pickPlace); ok {
				return gc.result(r), true
			}
		}
	}
	var found qual // a qualifier inside the part, for step 5
	for k := 1; k <= 3 && k < len(p); k++ {
		for _, lead := range [2]bool{false, true} {
			qp, rest := p[len(p)-k:], p[:len(p)-k]
			if lead {
				qp, rest = p[:k], p[k:]
			}
			q, ok := gc.qualOfCase(qp, true)
			if !ok {
				continue
			}
			if found == nil {
				found = q
			}
			more := append(append(make([]qual, 0, len(quals)+1), q), quals...)
			if r, ok := gc.resolve(rest, more, depth+1); ok {
				return r, true
			}
		}
	}
	// Filler words: all the leading ones, then the trailing ones one by one
	// ("Kansas City suburbs" is Kansas City, not Kansas).
	lo := 0
	for lo < len(p) && filler[gc.z.text(p[lo])] {
		lo++
	}
	// "Western New York" is the state, "North London" still the city.
	compass := false
	for _, t := range p[:lo] {
		compass = compass || compassWords[gc.z.text(t)]
	}
	for hi := len(p); hi > lo; hi-- {
		if hi < len(p) && !filler[gc.z.text(p[hi])] {
			break
		}
		if lo == 0 && hi == len(p) {
			continue // the whole part, tried above
		}
		saved := gc.regionFirst
		gc.regionFirst = saved || compass
		r, ok := gc.resolve(p[lo:hi], quals, depth+1)
		gc.regionFirst = saved
		if ok {
			return r, true
		}
	}
	if depth > 0 {
		return Result{}, false
	}
	if found != nil {
		// "213 Main St, Bay St. Louis MS": a run of words inside the part,
		// under the qualifier found there; else the qualifier itself
		// ("La France", "Coastal OR").
		if r, ok := gc.span(p, append([]qual{found}, quals...)); ok {
			return r, true
		}
		if r, ok := gc.pickRef(found, quals, pickQualifier); ok {
			return gc.result(r), true
		}
	}
	return gc.span(p, quals)
}

// spanAltLen is the length a key needs for a run of words inside a part to
// match an alternate name: "Frankfurt" yes, "Nico" (Nice) no.
const spanAltLen = 7

// abbrevMinPop is the population a place needs to be named by a word that
// is also a state or country code: "LA", "SF", "KL" but not "Wa", Ghana.
const abbrevMinPop = 300000

func hasQual(refs []ref) bool {
	for _, r := range refs {
		if r.qual() {
			return true
		}
	}
	return false
}

// spanMinPop is the population a place found inside a longer part needs:
// small towns share their names with too many words.
const spanMinPop = 15000

// span finds the longest run of capitalised words inside p that names a
// region, a country or a place of at least spanMinPop people by its primary
// name; among runs of one length, the most populous.
func (gc *Geocoder) span(p part, quals []qual) (Result, bool) {
	if len(p) < 2 || len(p) > 8 {
		return Result{}, false
	}
	for n := len(p) - 1; n >= 1; n-- {
		var best ref
		var bestPop uint32
		found := false
		for i := 0; i+n <= len(p); i++ {
			s := p[i : i+n]
			if gc.allFiller(s) || n == 1 && s[0].end-s[0].start < 4 || !allCaps(s) {
				continue
			}
			key := gc.join(s)
			if junk[key] || spanStop[key] {
				continue
			}
			r, ok := gc.pickRef(gc.g.lookup(key), quals, pickPlace)
			if !ok || r.alt() && len(key) < spanAltLen || r.qual() || r.kind() == kindCity && gc.g.pop(r) < spanMinPop {
				continue
			}
			if pop := gc.g.pop(r); !found || pop > bestPop {
				best, bestPop, found = r, pop, true
			}
		}
		if found {
			return gc.result(best), true
		}
	}
	return Result{}, false
}

// allCaps reports whether every word of p starts with a capital (or is in a
// script without case).
func allCaps(p part) bool {
	for _, t := range p {
		if t.flags&tokCap == 0 {
			return false
		}
	}
	return true
}

func (gc *Geocoder) allFiller(p part) bool {
	for _, t := range p {
		if !filler[gc.z.text(t)] {
			return false
		}
	}
	return true
}

// How pick treats abbreviations.
const (
	pickPlace     = iota // "NY" is never a place by itself
	pickQualifier        // but it may stand for its region when it qualified an unknown place
)

// altWeight weighs an alternate name's population against primary names:
// "Roma" is Rome (2.3M / 10) rather than Roma, Queensland (7k).
const altWeight = 10

// pick is pickRef's result.
func (gc *Geocoder) pick(refs []ref, quals []qual, mode int) (Result, bool) {
	r, ok := gc.pickRef(refs, quals, mode)
	if !ok {
		return Result{}, false
	}
	return gc.result(r), true
}

// pickRef chooses among the refs of one key those that lie in every
// qualifier: the most populous, weighing alternate names down; a region or
// country gives way to its own largest place when that place has the same
// name, as strongly ("New York", "Singapore", "東京", but not "Mexico",
// which is only an alternate name of Mexico City).
func (gc *Geocoder) pickRef(refs []ref, quals []qual, mode int) (ref, bool) {
	g := gc.g
	var best ref
	var bestScore uint32
	var bestCity ref
	var bestCityScore uint32
	found, foundCity := false, false
	for _, r := range refs {
		if r.qual() && mode == pickPlace {
			continue
		}
		if !gc.inAll(r, quals) {
			continue
		}
		score := g.pop(r)
		if r.alt() {
			score /= altWeight
		}
		if !r.qual() && score < gc.minPop {
			continue
		}
		if mode == pickQualifier && r.qual() && r.kind() == kindCountry {
			score /= 1000 // "Somewhere, CA" is California before Canada, "ID" Idaho before Indonesia
		}
		if !found || score > bestScore {
			best, bestScore, found = r, score, true
		}
		if r.kind() == kindCity && (!foundCity || score > bestCityScore) {
			bestCity, bestCityScore, foundCity = r, score, true
		}
	}
	if !found {
		return 0, false
	}
	if best.kind() != kindCity && foundCity && mode == pickPlace && !gc.regionFirst && (!bestCity.alt() || best.alt()) {
		var largest int32
		if best.kind() == kindRegion {
			largest = g.regions[best.id()].largest
		} else {
			largest = g.countries[best.id()].largest
		}
		if largest == bestCity.id() {
			best = bestCity
		}
	}
	return best, true
}

// inAll reports whether r lies in every qualifier (in any of each one's meanings).
func (gc *Geocoder) inAll(r ref, quals []qual) bool {
	for _, q := range quals {
		in := false
		for _, c := range q {
			if c != r && gc.contains(c, r) {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	return true
}

// contains reports whether the region or country outer holds r.
func (gc *Geocoder) contains(outer, r ref) bool {
	g := gc.g
	var country uint16
	var regs [3]int32
	switch r.kind() {
	case kindCity:
		c := &g.cities[r.id()]
		country, regs[0], regs[1] = c.country, c.region1, c.region2
		if c.region2 >= 0 {
			regs[2] = g.regions[c.region2].group
		} else {
			regs[2] = -1
		}
	case kindRegion:
		x := &g.regions[r.id()]
		country, regs[0], regs[1], regs[2] = x.country, x.parent, x.group, -1
	default:
		country, regs = uint16(r.id()), [3]int32{-1, -1, -1}
	}
	switch outer.kind() {
	case kindCountry:
		return r.kind() != kindCountry && uint16(outer.id()) == country
	case kindRegion:
		id := outer.id()
		return regs[0] == id || regs[1] == id || regs[2] == id
	}
	return false
}

func (gc *Geocoder) result(r ref) Result {
	g := gc.g
	switch r.kind() {
	case kindCity:
		c := &g.cities[r.id()]
		co := &g.countries[c.country]
		name := c.name + ", " + co.name
		if c.region1 >= 0 && !gc.sameName(g.regions[c.region1].name, c.name) {
			name = c.name + ", " + g.regions[c.region1].name + ", " + co.name
		}
		return Result{Lon: float64(c.lon), Lat: float64(c.lat), Level: tweet.GeoCity, Name: name, Country: co.cc,
			Population: int(c.pop)}
	case kindRegion:
		x := &g.regions[r.id()]
		co := &g.countries[x.country]
		name := x.name
		if x.parent >= 0 {
			name += ", " + g.regions[x.parent].name
		}
		return Result{Lon: float64(x.lon), Lat: float64(x.lat), Level: tweet.GeoRegion,
			Name: name + ", " + co.name, Country: co.cc, Population: int(x.pop)}
	default:
		co := &g.countries[r.id()]
		return Result{Lon: float64(co.lon), Lat: float64(co.lat), Level: tweet.GeoCountry,
			Name: co.name, Country: co.cc, Population: int(co.pop)}
	}
}

// sameName reports whether two names have the same key ("Zürich", "Zurich"),
// using the Geocoder's scratch buffers.
func (gc *Geocoder) sameName(a, b string) bool {
	if a == b {
		return true
	}
	gc.na = gc.scratch.appendKey(gc.na[:0], a)
	gc.nb = gc.scratch.appendKey(gc.nb[:0], b)
	return string(gc.na) == string(gc.nb)
}

// join returns the key of a part's tokens, in a buffer reused by the next call.
func (gc *Geocoder) join(p part) string {
	gc.key = gc.key[:0]
	for i, t := range p {
		if i > 0 {
			gc.key = append(gc.key, ' ')
		}
		gc.key = append(gc.key, gc.z.buf[t.start:t.end]...)
	}
	return unsafeString(gc.key)
}

func (gc *Geocoder) joinAll() string { return gc.join(part(gc.z.toks)) }
