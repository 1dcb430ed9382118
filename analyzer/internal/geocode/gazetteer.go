package geocode

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// gazetteerData is made by scripts/fetch-gazetteer.sh; see README.md.
//
//go:embed gazetteer.bin
var gazetteerData []byte

// GazetteerMagic starts the (gunzipped) gazetteer file. The generator writes
// it; a file without it is refused.
const GazetteerMagic = "GEOSTREAM-GAZETTEER 2\n"

// ErrBadGazetteer is returned when the embedded gazetteer does not decode.
var ErrBadGazetteer = errors.New("geocode: bad gazetteer")

// Ref kinds and flags, packed as id<<4 | kind<<2 | flags.
const (
	kindCity    = 0
	kindRegion  = 1
	kindCountry = 2
	flagAlt     = 1 // an alternate name, weighed down against primary names
	flagQual    = 2 // an abbreviation: a qualifier only ("NY", "ON", "FR")
)

type ref uint32

func (r ref) id() int32   { return int32(r >> 4) }
func (r ref) kind() uint8 { return uint8(r>>2) & 3 }
func (r ref) alt() bool   { return r&flagAlt != 0 }
func (r ref) qual() bool  { return r&flagQual != 0 }

type cityRec struct {
	name     string
	lon, lat float32
	pop      uint32
	country  uint16
	region1  int32 // admin1 region, or -1
	region2  int32 // admin2 region, or -1
}

type regionRec struct {
	code, name string
	lon, lat   float32
	pop        uint32
	country    uint16
	level      uint8 // 1 admin1, 2 admin2 or county group
	parent     int32 // admin1 of an admin2, or -1
	group      int32 // county group of an admin2 ("West Yorkshire"), or -1
	largest    int32 // most populous place, or -1
}

type countryRec struct {
	cc, name string
	lon, lat float32
	pop      uint32
	largest  int32
}

// gazetteer is the decoded, read-only place table. It is shared by every
// Geocoder and never written after loading.
type gazetteer struct {
	countries []countryRec
	regions   []regionRec
	cities    []cityRec
	keys      keyTable
	text      map[string]int32  // cities of ≥ textMinPop by name, for LocateText; -1 for a region's name
	textFirst map[string]uint8  // first word of a text key → most words in a key starting with it
	runOn     map[string]int32  // cities by their names in scripts written without spaces (東京, กรุงเทพ)
	runOnPre  map[string]uint8  // the first two runes of a runOn key → the most runes in a key starting so
	langs     map[string]uint8  // stop word languages (ISO 639-1) → bit
	stop      map[string]uint64 // key → the languages in which it is a stop word
}

// textMinPop is the population a place needs to be found in tweet text.
const textMinPop = 100000

var loadGazetteer = sync.OnceValues(func() (*gazetteer, error) { return decodeGazetteer(gazetteerData) })

type reader struct {
	b   []byte
	err error
}

func (r *reader) uv() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	r.b = r.b[n:]
	return v
}

// sv reads a zig-zag varint, as binary.AppendVarint writes it.
func (r *reader) sv() int64 {
	u := r.uv()
	return int64(u>>1) ^ -int64(u&1)
}

// str returns the next string, copied out of the reader's buffer.
func (r *reader) str() string { return strings.Clone(r.bytes()) }

// bytes returns the next string's bytes, aliasing the reader's buffer.
func (r *reader) bytes() string {
	n := r.uv()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = io.ErrUnexpectedEOF
		return ""
	}
	s := unsafeString(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) count(max int) int {
	n := r.uv()
	if n > uint64(max) || n > uint64(len(r.b)) {
		r.err = fmt.Errorf("count %d out of range", n)
		return 0
	}
	return int(n)
}

func decodeGazetteer(data []byte) (*gazetteer, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadGazetteer, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadGazetteer, err)
	}
	if !bytes.HasPrefix(raw, []byte(GazetteerMagic)) {
		return nil, fmt.Errorf("%w: no magic", ErrBadGazetteer)
	}
	r := &reader{b: raw[len(GazetteerMagic):]}
	g := &gazetteer{}
	g.countries = make([]countryRec, r.count(1000))
	for i := range g.countries {
		if len(r.b) < 2 {
			return nil, fmt.Errorf("%w: truncated", ErrBadGazetteer)
		}
		c := &g.countries[i]
		c.cc = string(r.b[:2])
		r.b = r.b[2:]
		c.name = r.str()
		c.lon, c.lat = float32(float64(r.sv())/1e5), float32(float64(r.sv())/1e5)
		c.pop = uint32(r.uv())
		c.largest = -1
	}
	g.regions = make([]regionRec, r.count(1<<20))
	for i := range g.regions {
		x := &g.regions[i]
		x.country = uint16(r.uv())
		x.level = uint8(r.uv())
		x.parent = int32(r.uv()) - 1
		x.code, x.name = r.str(), r.str()
		x.lon, x.lat = float32(float64(r.sv())/1e5), float32(float64(r.sv())/1e5)
		x.pop = uint32(r.uv())
		x.group = int32(r.uv()) - 1
		x.largest = -1
		if int(x.country) >= len(g.countries) || int(x.parent) >= len(g.regions) || int(x.group) >= len(g.regions) {
			return nil, fmt.Errorf("%w: region %d out of range", ErrBadGazetteer, i)
		}
	}
	g.cities = make([]cityRec, r.count(1<<22))
	var lon, lat int64
	for i := range g.cities {
		c := &g.cities[i]
		c.name = r.str()
		c.country = uint16(r.uv())
		c.region1, c.region2 = int32(r.uv())-1, int32(r.uv())-1
		lon += r.sv()
		lat += r.sv()
		c.lon, c.lat = float32(float64(lon)/1e5), float32(float64(lat)/1e5)
		c.pop = uint32(r.uv())
		if int(c.country) >= len(g.countries) || int(c.region1) >= len(g.regions) || int(c.region2) >= len(g.regions) {
			return nil, fmt.Errorf("%w: place %d out of range", ErrBadGazetteer, i)
		}
		// Places come most populous first: the first seen is the largest.
		if co := &g.countries[c.country]; co.largest < 0 {
			co.largest = int32(i)
		}
		for _, ri := range [...]int32{c.region1, c.region2} {
			if ri >= 0 && g.regions[ri].largest < 0 {
				g.regions[ri].largest = int32(i)
			}
		}
		if c.region2 >= 0 {
			if gi := g.regions[c.region2].group; gi >= 0 && g.regions[gi].largest < 0 {
				g.regions[gi].largest = int32(i)
			}
		}
	}
	nkeys := r.count(1 << 24)
	kt := &g.keys
	kt.offs = make([]uint32, 1, nkeys+1)
	kt.refOffs = make([]uint32, 1, nkeys+1)
	var blob []byte
	for range nkeys {
		k := r.bytes()
		n := r.count(1 << 20)
		blob = append(blob, k...)
		kt.offs = append(kt.offs, uint32(len(blob)))
		for range n {
			v := ref(r.uv())
			if !g.valid(v) {
				return nil, fmt.Errorf("%w: key %q: bad ref %d", ErrBadGazetteer, k, v)
			}
			kt.refs = append(kt.refs, v)
		}
		kt.refOffs = append(kt.refOffs, uint32(len(kt.refs)))
	}
	kt.blob = unsafeString(slices.Clip(blob))
	kt.refs = slices.Clip(kt.refs)
	kt.index()
	nlangs := r.count(64)
	g.langs = make(map[string]uint8, nlangs)
	for i := range nlangs {
		g.langs[r.str()] = uint8(i)
	}
	nstop := r.count(1 << 20)
	g.stop = make(map[string]uint64, nstop)
	for range nstop {
		k := r.str()
		g.stop[k] = r.uv()
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadGazetteer, r.err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadGazetteer, len(r.b))
	}
	g.buildText()
	return g, nil
}

func (g *gazetteer) valid(v ref) bool {
	id := int(v.id())
	switch v.kind() {
	case kindCity:
		return id < len(g.cities)
	case kindRegion:
		return id < len(g.regions)
	case kindCountry:
		return id < len(g.countries)
	}
	return false
}

// lookup returns the refs of key, most populous first.
func (g *gazetteer) lookup(key string) []ref { return g.keys.lookup(key) }

// keyTable maps keys to refs: an open-addressing hash table over one blob
// of key bytes. It holds 340k keys in a third of what a map[string] takes.
type keyTable struct {
	blob    string   // every key, back to back
	offs    []uint32 // key i is blob[offs[i]:offs[i+1]]
	refs    []ref
	refOffs []uint32 // refs of key i are refs[refOffs[i]:refOffs[i+1]]
	slots   []uint32 // key index + 1, or 0 for empty
	seed    maphash.Seed
}

func (kt *keyTable) key(i uint32) string { return kt.blob[kt.offs[i]:kt.offs[i+1]] }

func (kt *keyTable) len() int { return len(kt.offs) - 1 }

// index builds the slots at a load of at most 2/3.
func (kt *keyTable) index() {
	n := 1
	for n < kt.len()*3/2+1 {
		n <<= 1
	}
	kt.slots = make([]uint32, n)
	kt.seed = maphash.MakeSeed()
	mask := uint64(n - 1)
	for i := range uint32(kt.len()) {
		h := maphash.String(kt.seed, kt.key(i)) & mask
		for kt.slots[h] != 0 {
			h = (h + 1) & mask
		}
		kt.slots[h] = i + 1
	}
}

func (kt *keyTable) lookup(k string) []ref {
	if len(kt.slots) == 0 {
		return nil
	}
	mask := uint64(len(kt.slots) - 1)
	for h := maphash.String(kt.seed, k) & mask; ; h = (h + 1) & mask {
		s := kt.slots[h]
		if s == 0 {
			return nil
		}
		if kt.key(s-1) == k {
			return kt.refs[kt.refOffs[s-1]:kt.refOffs[s]]
		}
	}
}

// pop returns the population of a ref's target.
func (g *gazetteer) pop(r ref) uint32 {
	switch r.kind() {
	case kindCity:
		return g.cities[r.id()].pop
	case kindRegion:
		return g.regions[r.id()].pop
	default:
		return g.countries[r.id()].pop
	}
}

// Populations for names in text: a place's name in a Latin script other
// than its own primary one ("Wien", "München", "Sevilla") is taken for
// places of at least textAltPop people, the rest of GeoNames' alternate
// names being too often words; names in other scripts (東京, Москва, 서울)
// for all places of at least textMinPop.
const textAltPop = 500000

// regionWins is how much more populous than a city an admin1 region named
// after it, by a form of its name less a generic word ("Gaza Strip"), must
// be for the name in text to mean the region. Berlin's state is about twice
// its city, the Gaza Strip three times Gaza.
const regionWins = 5 // halves: 2.5×

// buildText indexes the names of places of at least textMinPop people (the
// most populous place of each name), for place names in tweet text; and the
// names of regions and countries of two or more words, so that "Rio Grande do
// Sul" is read as a whole and not as the city of Rio Grande.
func (g *gazetteer) buildText() {
	g.text = map[string]int32{}
	g.textFirst = map[string]uint8{}
	g.runOn = map[string]int32{}
	g.runOnPre = map[string]uint8{}
	for i := range uint32(g.keys.len()) {
		k := g.keys.key(i)
		if textStop[k] {
			continue
		}
		refs := g.keys.refs[g.keys.refOffs[i]:g.keys.refOffs[i+1]]
		id, ok := g.textCity(k, refs)
		runOn := false
		for _, r := range k {
			runOn = runOnScript(r)
			break
		}
		switch {
		case ok && runOn:
			if n := utf8.RuneCountInString(k); n >= 2 && g.stop[k] == 0 {
				g.runOn[k] = id
				_, a := utf8.DecodeRuneInString(k)
				_, b := utf8.DecodeRuneInString(k[a:])
				pre := k[:a+b]
				g.runOnPre[pre] = max(g.runOnPre[pre], uint8(min(n, 255)))
			}
		case ok:
			g.text[k] = id
		case !runOn && strings.IndexByte(k, ' ') > 0 && g.namesRegion(refs):
			g.text[k] = -1
		}
	}
	for k := range g.text {
		first, words := k, uint8(1)
		for i := 0; i < len(k); i++ {
			if k[i] == ' ' {
				if words == 1 {
					first = k[:i]
				}
				words++
			}
		}
		if words > g.textFirst[first] {
			g.textFirst[first] = words
		}
	}
}

// textCity returns the city a key names in text, if any: the most populous
// city of that name, by its primary name, or by an alternate one in another
// script or a well-known exonym; unless a region or country of that name
// outweighs it.
func (g *gazetteer) textCity(k string, refs []ref) (int32, bool) {
	var c ref
	found := false
	for _, r := range refs {
		if r.kind() == kindCity && !r.qual() {
			c, found = r, true
			break
		}
	}
	if !found {
		return 0, false
	}
	pop := g.cities[c.id()].pop
	if pop < textMinPop {
		return 0, false
	}
	if c.alt() {
		latin := false
		for _, r := range k {
			latin = r < 0x250
			break
		}
		if latin && pop < textAltPop {
			return 0, false
		}
	}
	for _, r := range refs {
		if r.qual() || r.kind() == kindCity {
			continue
		}
		var rpop uint32
		var largest int32
		level := uint8(0)
		if r.kind() == kindRegion {
			x := &g.regions[r.id()]
			rpop, largest, level = x.pop, x.largest, x.level
		} else {
			co := &g.countries[r.id()]
			rpop, largest = co.pop, co.largest
		}
		if rpop > pop && largest != c.id() {
			return 0, false // "Québec", "Ontario": the province, whose largest city is another
		}
		if !c.alt() && r.alt() && level == 1 && uint64(rpop)*2 >= uint64(pop)*regionWins {
			return 0, false // "Gaza": the Strip
		}
	}
	return c.id(), true
}

// namesRegion reports whether refs hold a region of the first level or a
// country by its primary name.
func (g *gazetteer) namesRegion(refs []ref) bool {
	for _, r := range refs {
		if r.qual() || r.alt() {
			continue
		}
		switch r.kind() {
		case kindCountry:
			return true
		case kindRegion:
			if g.regions[r.id()].level == 1 {
				return true
			}
		}
	}
	return false
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
