package geocode

import (
	"strings"
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

// FuzzLocate checks that no string makes the geocoder panic and that every
// answer is a valid point at a known level, the same when asked again
// (from the cache) as the first time.
func FuzzLocate(f *testing.F) {
	for _, s := range []string{"Paris, TX", "London ON", "東京", "ÜT: 40.7,-74.0", "40°42'46\"N 74°0'21\"W",
		"he/him | London 🇬🇧", "U.S.A.", "S 33.92, E 18.42", "@x https://y.example", "\xff\xfe", "N", "1.5,",
		"-90.0,180.0", "🇺", "Toronto, Ontario, Canada, North America, Earth", "St. John's, NL", "a.b.c.d."} {
		f.Add(s)
	}
	for _, s := range popularProfiles {
		f.Add(s)
	}
	gc := newTest(f)
	f.Fuzz(func(t *testing.T, s string) {
		for i := range 2 {
			r, ok := gc.Locate(s)
			check(t, s, r, ok)
			if i == 1 {
				if r2, ok2 := gc.Locate(s); r2 != r || ok2 != ok {
					t.Fatalf("Locate(%q) changed: %+v then %+v", s, r, r2)
				}
			}
		}
		r, ok := gc.LocateText(s)
		check(t, s, r, ok)
		if ok && (r.Level != tweet.GeoCity || r.Exact) {
			t.Fatalf("LocateText(%q) = %+v, want a city", s, r)
		}
	})
}

// FuzzLocateText checks that no text, language or profile makes the text
// and profile readers panic, and that every answer is a city (text) or a
// valid place (profiles), the same when asked twice.
func FuzzLocateText(f *testing.F) {
	for _, s := range []string{"東京で地震", "서울에서 만나요", "Снег идёт в Москве", "ไปกรุงเทพวันนี้", "我在上海工作",
		"香港の人たちが東京でデモ", "#仙台 の夜", "Lahore: flights cancelled", "“Queens”", "#Beijing2022",
		"Journal de Montréal: x", "in Rio Grande do Sul", "Writer. 📍 Berlin", "📌Seattle, WA | coffee",
		"京都在住", "Based in Lisbon.", "Ana 📍 Porto", "Москв", "ー東京ー", "\xe6\x9d", "#\xff", "📍", "(", "“"} {
		for _, lang := range []string{"", "en", "ja", "pt-BR", "und", "xx-YY-zz-long"} {
			f.Add(s, lang)
		}
	}
	f.Add(strings.Repeat("東京大阪", 600), "ja")
	gc := newTest(f)
	f.Fuzz(func(t *testing.T, s, lang string) {
		r, ok := gc.LocateTextLang(s, lang)
		check(t, s, r, ok)
		if ok && (r.Level != tweet.GeoCity || r.Exact) {
			t.Fatalf("LocateTextLang(%q, %q) = %+v, want a city", s, lang, r)
		}
		if r2, ok2 := gc.LocateTextLang(s, lang); r2 != r || ok2 != ok {
			t.Fatalf("LocateTextLang(%q) changed: %+v then %+v", s, r, r2)
		}
		r, ok = gc.LocateBio(s, lang)
		check(t, s, r, ok)
		r, ok = gc.LocateName(s)
		check(t, s, r, ok)
	})
}

func check(t *testing.T, s string, r Result, ok bool) {
	t.Helper()
	if !ok {
		if r != (Result{}) {
			t.Fatalf("%q: not located but %+v", s, r)
		}
		return
	}
	if !tweet.ValidLonLat(r.Lon, r.Lat) {
		t.Fatalf("%q: invalid point %v,%v", s, r.Lon, r.Lat)
	}
	switch r.Level {
	case tweet.GeoCity, tweet.GeoRegion, tweet.GeoCountry:
	default:
		t.Fatalf("%q: level %v", s, r.Level)
	}
	if r.Exact != (r.Name == "") || !r.Exact && len(r.Country) != 2 {
		t.Fatalf("%q: exact %v with name %q country %q", s, r.Exact, r.Name, r.Country)
	}
}
