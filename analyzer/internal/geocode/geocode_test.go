package geocode

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

func newTest(tb testing.TB) *Geocoder {
	tb.Helper()
	gc, err := New(Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return gc
}

type want struct {
	name     string // prefix of Result.Name
	country  string
	level    tweet.GeoLevel
	lon, lat float64 // checked within 30 km when set
}

var (
	city    = tweet.GeoCity
	region  = tweet.GeoRegion
	country = tweet.GeoCountry
)

func TestLocate(t *testing.T) {
	tests := []struct {
		name, in string
		want     want
	}{
		// Ambiguous names: the most populous, unless a qualifier says otherwise.
		{"Paris alone is France", "Paris", want{"Paris, Île-de-France", "FR", city, 2.35, 48.85}},
		{"Paris TX", "Paris, TX", want{"Paris, Texas", "US", city, -95.56, 33.66}},
		{"Paris Texas spelt out", "paris texas", want{"Paris, Texas", "US", city, 0, 0}},
		{"London alone is England", "London", want{"London, England", "GB", city, -0.13, 51.51}},
		{"London ON", "London ON", want{"London, Ontario", "CA", city, -81.23, 42.98}},
		{"London, Ontario", "London, Ontario", want{"London, Ontario", "CA", city, 0, 0}},
		{"London CA is Canada, not a Californian hamlet", "London, CA", want{"London, Ontario", "CA", city, 0, 0}},
		{"Vancouver WA", "Vancouver, WA", want{"Vancouver, Washington", "US", city, 0, 0}},
		{"Birmingham AL", "Birmingham, AL", want{"Birmingham, Alabama", "US", city, 0, 0}},
		{"Perth alone is Australia", "Perth", want{"Perth, Western Australia", "AU", city, 0, 0}},
		{"Perth, Scotland", "Perth, Scotland", want{"Perth, Scotland", "GB", city, 0, 0}},
		{"Sydney NS", "Sydney, NS", want{"Sydney, Nova Scotia", "CA", city, 0, 0}},
		{"Athens GA", "Athens, GA", want{"Athens, Georgia", "US", city, 0, 0}},
		// Qualifiers: state abbreviations, full names, countries, three parts.
		{"Brooklyn NY", "Brooklyn, NY", want{"Brooklyn, New York", "US", city, -73.95, 40.65}},
		{"Austin TX without comma", "Austin TX", want{"Austin, Texas", "US", city, -97.74, 30.27}},
		{"three parts", "Toronto, Ontario, Canada", want{"Toronto, Ontario", "CA", city, -79.42, 43.70}},
		{"city and country", "Lagos, Nigeria", want{"Lagos", "NG", city, 3.39, 6.45}},
		{"city and country without comma", "Paris France", want{"Paris, Île-de-France", "FR", city, 0, 0}},
		{"dotted DC", "Washington, D.C.", want{"Washington, D.C.", "US", city, -77.04, 38.90}},
		{"Brazilian state", "Belo Horizonte - MG", want{"Belo Horizonte", "BR", city, 0, 0}},
		{"county as qualifier", "Maidstone, Kent", want{"Maidstone", "GB", city, 0, 0}},
		{"flag qualifies", "Birmingham 🇺🇸", want{"Birmingham, Alabama", "US", city, 0, 0}},
		{"unknown place falls back to its qualifier", "Smallvillezz, Kansas", want{"Kansas", "US", region, 0, 0}},
		{"abbreviation counts when it qualified", "the sticks, TX", want{"Texas", "US", region, 0, 0}},
		// Alone: New York is the city, NY is nothing.
		{"New York is the city", "New York", want{"New York City", "US", city, -74.01, 40.71}},
		{"NYC", "NYC", want{"New York City", "US", city, 0, 0}},
		{"LA is Los Angeles", "LA", want{"Los Angeles", "US", city, 0, 0}},
		{"Singapore is the city", "Singapore", want{"Singapore", "SG", city, 0, 0}},
		// Regions, counties and countries.
		{"somewhere in Texas", "somewhere in Texas", want{"Texas", "US", region, 0, 0}},
		{"Texas USA", "Texas, USA", want{"Texas", "US", region, 0, 0}},
		{"Florida is the state", "Florida", want{"Florida", "US", region, 0, 0}},
		{"Kent is the county", "Kent", want{"Kent, England", "GB", region, 0.8, 51.3}},
		{"West Yorkshire", "West Yorkshire", want{"West Yorkshire, England", "GB", region, 0, 0}},
		{"Greater Manchester", "Greater Manchester", want{"Greater Manchester", "GB", region, 0, 0}},
		{"Essex", "Essex, England", want{"Essex, England", "GB", region, 0, 0}},
		{"Irish county", "Co. Cork", want{"County Cork", "IE", region, 0, 0}},
		{"Orange County CA", "Orange County, CA", want{"Orange County, California", "US", region, 0, 0}},
		{"England", "England", want{"England", "GB", region, 0, 0}},
		{"USA", "USA", want{"United States", "US", country, 0, 0}},
		{"U.S.A. dotted", "U.S.A.", want{"United States", "US", country, 0, 0}},
		{"UK", "UK", want{"United Kingdom", "GB", country, 0, 0}},
		{"Mexico is the country", "Mexico", want{"Mexico", "MX", country, 0, 0}},
		{"a flag alone", "🇳🇬", want{"Nigeria", "NG", country, 0, 0}},
		// Accents, case, scripts, alternate names.
		{"São Paulo", "São Paulo", want{"São Paulo", "BR", city, -46.64, -23.55}},
		{"Sao Paulo without accent", "SAO PAULO, SP", want{"São Paulo", "BR", city, 0, 0}},
		{"Zürich", "Zürich", want{"Zürich", "CH", city, 8.55, 47.37}},
		{"Zurich unaccented", "zurich", want{"Zürich", "CH", city, 0, 0}},
		{"Tokyo in Japanese", "東京", want{"Tokyo", "JP", city, 139.69, 35.69}},
		{"Moscow in Russian", "Москва", want{"Moscow", "RU", city, 37.62, 55.75}},
		{"Seoul in Korean", "서울", want{"Seoul", "KR", city, 0, 0}},
		{"Riyadh in Arabic", "الرياض", want{"Riyadh", "SA", city, 0, 0}},
		{"German exonym", "München", want{"Munich", "DE", city, 0, 0}},
		{"Italian name", "Roma", want{"Rome", "IT", city, 0, 0}},
		{"old name", "Bombay", want{"Mumbai", "IN", city, 0, 0}},
		{"dotted Turkish capital I", "İstanbul, Türkiye", want{"Istanbul", "TR", city, 0, 0}},
		{"Saint spelt out", "Saint Louis, MO", want{"St. Louis", "US", city, 0, 0}},
		// Noise around the place.
		{"pronouns then a place", "he/him | London", want{"London, England", "GB", city, 0, 0}},
		{"emoji after", "Chicago, IL 🌆", want{"Chicago", "US", city, 0, 0}},
		{"first of several", "Philadelphia, PA | NYC", want{"Philadelphia", "US", city, 0, 0}},
		{"filler words", "based in Houston area", want{"Houston, Texas", "US", city, 0, 0}},
		{"compass word", "North London", want{"London, England", "GB", city, 0, 0}},
		{"postcode dropped", "London SW1A 1AA", want{"London, England", "GB", city, 0, 0}},
		{"handle dropped", "@someone NYC", want{"New York City", "US", city, 0, 0}},
		{"username dropped", "instagram//jade_emma_allen | Leeds", want{"Leeds", "GB", city, 0, 0}},
		{"digits run on", "İstanbul34!", want{"Istanbul", "TR", city, 0, 0}},
		{"state code after a city without comma", "Denver CO", want{"Denver", "US", city, 0, 0}},
		{"codes listing places", "NYC, CHI, PHL, LA", want{"New York City", "US", city, 0, 0}},
		{"a bare code is a state before a country", "City of Trees, ID", want{"Idaho", "US", region, 0, 0}},
		{"German for Iceland is not a qualifier", "Hong Kong Island", want{"Hong Kong", "HK", city, 0, 0}},
		{"largest first", "Japan, Tokyo", want{"Tokyo", "JP", city, 0, 0}},
		{"largest first without comma", "日本 東京", want{"Tokyo", "JP", city, 0, 0}},
		{"prefecture then city run together", "大阪府豊中市", want{"Toyonaka", "JP", city, 0, 0}},
		{"prefecture", "千葉県", want{"Chiba", "JP", region, 0, 0}},
		{"place inside a phrase", "London Borough of Newham", want{"London, England", "GB", city, 0, 0}},
		{"place after a word", "Free Hong Kong", want{"Hong Kong", "HK", city, 0, 0}},
		{"qualifier inside a phrase", "Coastal OR", want{"Oregon", "US", region, 0, 0}},
		{"compass word keeps the state", "Western New York", want{"New York, United States", "US", region, 0, 0}},
		{"nickname", "Lone Star State", want{"Texas", "US", region, 0, 0}},
		{"metropolitan area", "Bay Area", want{"San Francisco Bay Area", "US", region, -122.2, 37.7}},
		{"place in a metropolitan area", "San Jose, Bay Area", want{"San Jose, California", "US", city, 0, 0}},
		{"metropolitan abbreviation", "GTA", want{"Greater Toronto Area", "CA", region, 0, 0}},
		{"trailing filler one word at a time", "Kansas City..suburbs", want{"Kansas City, Missouri", "US", city, 0, 0}},
		// Coordinates in the string.
		{"ÜberTwitter", "ÜT: 40.7,-74.0", want{"", "", city, -74.0, 40.7}},
		{"hemispheres", "40.7128° N, 74.0060° W", want{"", "", city, -74.006, 40.7128}},
		{"iPhone", "iPhone: 51.5,-0.12", want{"", "", city, -0.12, 51.5}},
		{"southern and eastern", "S 33.92, E 18.42", want{"", "", city, 18.42, -33.92}},
		{"degrees minutes seconds", `40°42'46"N 74°0'21"W`, want{"", "", city, -74.0058, 40.7128}},
		{"decimal minutes", "N 41° 00.606 W 073° 50.591", want{"", "", city, -73.8432, 41.0101}},
	}
	gc := newTest(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := gc.Locate(tc.in)
			if !ok {
				t.Fatalf("Locate(%q) not located, want %+v", tc.in, tc.want)
			}
			w := tc.want
			if !strings.HasPrefix(got.Name, w.name) || got.Country != w.country || got.Level != w.level {
				t.Errorf("Locate(%q) = %q %s %s, want %q… %s %s", tc.in, got.Name, got.Country, got.Level, w.name, w.country, w.level)
			}
			if got.Exact != (w.name == "") {
				t.Errorf("Locate(%q).Exact = %v", tc.in, got.Exact)
			}
			if (w.lon != 0 || w.lat != 0) && km(got.Lon, got.Lat, w.lon, w.lat) > 30 {
				t.Errorf("Locate(%q) at %.4f,%.4f, want near %.4f,%.4f", tc.in, got.Lon, got.Lat, w.lon, w.lat)
			}
			if !tweet.ValidLonLat(got.Lon, got.Lat) {
				t.Errorf("invalid point %v,%v", got.Lon, got.Lat)
			}
		})
	}
}

func TestLocateRejects(t *testing.T) {
	tests := []string{
		"", "   ", "earth", "Earth", "Planet Earth", "planet earth 🌍", "Somewhere on Earth", "everywhere",
		"Everywhere & Nowhere", "worldwide", "Worldwide 🌎", "in your heart", "In Your Heart ❤️", "somewhere",
		"he/him", "she/her", "they/them", "she | her", "https://example.org/me", "www.example.org",
		"@someone", "#hashtag", "the internet", "Mars", "the moon", "Paradise", "home", "🏠", "❤️", "...",
		"12345", "n/a", "Hogwarts", "your mom's house",
		// abbreviations are never places by themselves, nor small towns
		"NY", "CA", "ON", "TX", "FR", "GBR", "NSW", "WA", "ID",
		// words that are also codes
		"In a city near you", "In my skin...", "Where MONEY be at!", "Wherever the wind takes me.",
		"Along the road less travelled", "Never Never Land",
		// numbers that are not coordinates
		"Area 51, 2", "0.0,0.0", "99.5, 200.1", "1.5 2.5 3.5",
		"a string longer than any profile location could be " + strings.Repeat("London ", 40),
	}
	gc := newTest(t)
	for _, in := range tests {
		if got, ok := gc.Locate(in); ok {
			t.Errorf("Locate(%q) = %+v, want not located", in, got)
		}
	}
}

func TestLocateText(t *testing.T) {
	tests := []struct {
		in, want string // want: a prefix of Result.Name, "" for none
	}{
		{"Halftime show was unreal tonight, the crowd here in New Orleans is going wild", "New Orleans"},
		{"rain again in Manchester, who is surprised #weather", "Manchester, England"},
		{"Greetings from #London", "London, England"},
		{"flying to Los Angeles tomorrow", "Los Angeles"},
		{"saudades de São Paulo", "São Paulo"},
		{"o dia hoje em Sao Paulo", "São Paulo"},
		{"it is hot in Rio de Janeiro", "Rio de Janeiro"},
		{"first London, then Paris", ""},                   // two cities far apart: neither is where the post is
		{"I love new york", ""},                            // not capitalised: "new" and "york" are words too
		{"Whitney Houston forever", ""},                    // a person
		{"Hala Madrid!", ""},                               // a club
		{"Chennai Express was great", ""},                  // a title
		{"says the New York Times", ""},                    // a newspaper
		{"CARI PACAR ITU BUKAN", ""},                       // shouting
		{"#Palermo tonight", "Palermo"},                    // a hashtag counts
		{"protest in Portland Oregon", "Portland, Oregon"}, // a region after the name is fine
		{"I love Paris", "Paris"},
		{"New york times says", ""},                      // all words of a name must be capitals
		{"Reading a good book", ""},                      // common word
		{"Nice one, mate", ""},                           // common word
		{"my Mobile died", ""},                           // common word
		{"Michael Jackson forever", ""},                  // a person
		{"@London_Fan thanks", ""},                       // a handle
		{"see https://London.example", ""},               // a URL
		{"a small Town of 2,000 people", ""},             // under 100k people
		{"we had Chicago's best pizza", "Chicago"},       // a possessive
		{"meet New York’s finest", "New York City"},      // a possessive, typographic apostrophe
		{"stuck in Los Angeles' traffic", "Los Angeles"}, // a possessive after "s"
		{"Chicagos", ""},                                 // no apostrophe: not a possessive
		{"Denver'sville", ""},                            // the "s" starts another word
		{"", ""},
		{"東京に行きたい", "Tokyo"}, // a name inside text without spaces
	}
	gc := newTest(t)
	for _, tc := range tests {
		got, ok := gc.LocateText(tc.in)
		if tc.want == "" {
			if ok {
				t.Errorf("LocateText(%q) = %q, want nothing", tc.in, got.Name)
			}
			continue
		}
		if !ok || !strings.HasPrefix(got.Name, tc.want) || got.Level != tweet.GeoCity {
			t.Errorf("LocateText(%q) = %q %v (%v), want %q…", tc.in, got.Name, got.Level, ok, tc.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"São Paulo", "sao paulo"},
		{"  ZÜRICH,,  Switzerland ", "zurich switzerland"},
		{"St. John's", "st johns"},
		{"U.S.A.", "usa"},
		{"Washington D.C.", "washington dc"},
		{"Stratford-upon-Avon", "stratford upon avon"},
		{"Straße", "strasse"},
		{"Łódź", "lodz"},
		{"ＴＯＫＹＯ", "tokyo"},
		{"London 🇬🇧", "london"},
		{"NYC✨|LA", "nyc la"},
		{"@handle London https://x.example/y", "london"},
		{"東京都", "東京都"},
		{"Москва", "москва"},
	}
	for _, tc := range tests {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCache(t *testing.T) {
	gc, err := New(Options{CacheSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := gc.Locate("Brooklyn, NY")
	for _, s := range []string{"Brooklyn, NY", "Paris", "London", "Brooklyn, NY", "Austin TX", "Lagos", "Earth", "Brooklyn, NY"} {
		gc.Locate(s)
	}
	again, ok := gc.Locate("Brooklyn, NY")
	if !ok || again != first {
		t.Errorf("cached answer %+v differs from %+v", again, first)
	}
	if n := len(gc.cache.young) + len(gc.cache.old); n > 4 {
		t.Errorf("cache holds %d entries, want ≤ 4", n)
	}
	if hits, misses := gc.CacheStats(); hits < 3 || misses < 6 {
		t.Errorf("%d cache hits and %d misses, want ≥ 3 and ≥ 6", hits, misses)
	}
	off, err := New(Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := off.Locate("Brooklyn, NY"); !ok || r != first || off.cache.young != nil {
		t.Errorf("uncached Locate = %+v, %v", r, ok)
	}
	if _, err := New(Options{CacheSize: 1 << 30}); err == nil {
		t.Error("huge cache accepted")
	}
}

func TestBadGazetteer(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":      nil,
		"not gzip":   []byte("hello"),
		"truncated":  gazetteerData[:len(gazetteerData)/2],
		"wrong data": gzipped(t, []byte("GEOSTREAM-GAZETTEER 1\n\xff\xff\xff")),
		"no magic":   gzipped(t, []byte("something else")),
	} {
		if _, err := decodeGazetteer(data); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// TestKeysMatchNormalize guards against the generator and this package
// disagreeing on the key form: every place's display name must be a key.
func TestKeysMatchNormalize(t *testing.T) {
	g, err := loadGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(g.cities); i += 997 {
		c := g.cities[i]
		found := false
		for _, r := range g.lookup(Normalize(c.name)) {
			if r.kind() == kindCity && int(r.id()) == i {
				found = true
			}
		}
		if !found {
			t.Errorf("place %d %q is not under key %q", i, c.name, Normalize(c.name))
		}
	}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPlaceByPolicy(t *testing.T) {
	gc, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	point := tweet.Tweet{Kind: tweet.KindTweet, Geo: tweet.GeoPoint, Lon: 1, Lat: 2, UserLocation: "Paris, France"}
	tests := []struct {
		name   string
		tw     tweet.Tweet
		policy string
		level  string
		want   tweet.GeoSource
		lvl    tweet.GeoLevel
	}{
		{"a point is kept", point, "point,place,profile,text", "city", tweet.GeoPoint, tweet.GeoCity},
		{"a point not allowed gives way to the profile", point, "place,profile", "city", tweet.GeoProfile, tweet.GeoCity},
		{"a place is kept", tweet.Tweet{Geo: tweet.GeoPlace, Lon: 1, Lat: 2}, "place", "city", tweet.GeoPlace, tweet.GeoCity},
		{"a city profile", tweet.Tweet{UserLocation: "Austin, TX"}, "point,profile", "city", tweet.GeoProfile, tweet.GeoCity},
		{"a region profile is not a city", tweet.Tweet{UserLocation: "somewhere in Texas"}, "point,profile", "city", tweet.GeoNone, tweet.GeoLevelNone},
		{"a region profile at region level", tweet.Tweet{UserLocation: "somewhere in Texas"}, "point,profile", "region", tweet.GeoProfile, tweet.GeoRegion},
		{"a country profile at country level", tweet.Tweet{UserLocation: "Deutschland"}, "profile", "country", tweet.GeoProfile, tweet.GeoCountry},
		{"junk, then a city in the text", tweet.Tweet{UserLocation: "in your heart", Text: "Snow again in Chicago tonight"}, "profile,text", "city", tweet.GeoText, tweet.GeoCity},
		{"text not allowed", tweet.Tweet{Text: "Snow again in Chicago tonight"}, "point,place,profile", "city", tweet.GeoNone, tweet.GeoLevelNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy(tc.policy, tc.level)
			if err != nil {
				t.Fatal(err)
			}
			tw := tc.tw
			located := gc.Place(&tw, p)
			if tw.Geo != tc.want || located != (tc.want != tweet.GeoNone) {
				t.Fatalf("got %v (located %v), want %v", tw.Geo, located, tc.want)
			}
			if located && tw.Level != tc.lvl {
				t.Fatalf("level %v, want %v", tw.Level, tc.lvl)
			}
			if !located && (tw.Lon != 0 || tw.Lat != 0) {
				t.Fatalf("an unlocated tweet kept coordinates %v,%v", tw.Lon, tw.Lat)
			}
		})
	}
	if _, err := ParsePolicy("gps", "city"); err == nil {
		t.Error("an unknown method was accepted")
	}
	if _, err := ParsePolicy("point", "street"); err == nil {
		t.Error("an unknown level was accepted")
	}
	var none *Geocoder // a policy that infers nothing needs no gazetteer
	tw := tweet.Tweet{Geo: tweet.GeoPoint, Lon: 1, Lat: 2}
	if !none.Place(&tw, Policy{Point: true, Level: tweet.GeoCity}) {
		t.Fatal("a point was dropped without a gazetteer")
	}
}
