package geocode

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// streamTweet is one tweet of a synthetic stream: a profile location and a text.
type streamTweet struct{ profile, text string }

var (
	popularProfiles = []string{
		"London", "London, England", "New York, NY", "Los Angeles, CA", "Lagos, Nigeria", "United States",
		"Chicago, IL", "Toronto, Ontario", "Houston, TX", "USA", "UK", "Atlanta, GA", "Nigeria", "India",
		"Paris, France", "Washington, DC", "Brooklyn, NY", "Manchester", "California, USA", "Texas",
		"Mumbai, India", "Johannesburg, South Africa", "Sydney, Australia", "Dublin, Ireland", "Florida",
		"São Paulo, Brasil", "Jakarta", "Kuala Lumpur", "Philadelphia, PA", "Boston, MA", "Seattle, WA",
		"England, United Kingdom", "Canada", "Melbourne, Victoria", "Nairobi, Kenya", "Accra, Ghana",
	}
	junkProfiles = []string{
		"Earth", "everywhere", "Worldwide 🌎", "in your heart", "he/him", "she/her | 21", "🏳️‍🌈", "somewhere",
		"Planet Earth", "the internet", "Hogwarts", "follow me on ig @someone", "DM for collab", "🇺🇦🌻",
		"where the wild things are", "your mom's house", "vibes only", "living my best life",
	}
	tailWords = []string{"north", "side", "of", "the", "little", "green", "hill", "valley", "river", "town",
		"lake", "dream", "cloud", "sun", "star", "moon", "love", "home", "city", "land"}
	qualifiers = []string{"NY", "CA", "TX", "ON", "UK", "USA", "Nigeria", "India", "Texas", "England",
		"Canada", "Australia", "Brasil", "FL", "GA", "IL", "Ohio", "Germany", "France", "Kenya"}
	texts = []string{
		"can't believe what just happened at the game tonight",
		"good morning everyone, coffee first",
		"the traffic in Lagos today is something else",
		"just landed in New York, so tired",
		"this song has been on repeat all week #music",
		"who else is watching the match? @friend",
		"rain again, of course https://t.co/abc",
		"reading a really good book about Paris in the 1920s",
		"Nice weather for a change",
		"sending love to everyone in Houston after the storm",
		"Honestly the best part of the whole trip was the food, we ate our way through the old town and I would " +
			"go back tomorrow if I could. Who has recommendations for next time? #travel #foodie",
		"BREAKING: Officials say the vote count will continue overnight, with results from the last three " +
			"counties expected by Thursday morning https://t.co/xyz",
		"@someone @another lol no way that actually happened 😂😂 I need the full story tomorrow",
		"Sunday vibes ☀️ coffee, a long walk by the river and absolutely no emails. Hope you are all having a " +
			"good one",
	}
)

// syntheticStream returns n tweets with a mix like a real stream's: a third
// without a profile location, popular locations repeated often (Zipf),
// junk, and a long tail of one-off strings the cache has not seen.
func syntheticStream(n int, seed uint64) []streamTweet {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g, err := loadGazetteer()
	if err != nil {
		panic(err)
	}
	zipf := rand.NewZipf(r, 1.2, 1, uint64(len(popularProfiles)-1))
	out := make([]streamTweet, n)
	for i := range out {
		t := &out[i]
		t.text = texts[r.IntN(len(texts))]
		switch x := r.Float64(); {
		case x < 0.35:
			// no profile location
		case x < 0.65:
			t.profile = popularProfiles[zipf.Uint64()]
		case x < 0.75:
			t.profile = junkProfiles[r.IntN(len(junkProfiles))]
		case x < 0.90:
			// a real place, spelt as users do, rarely repeated
			c := g.cities[r.IntN(len(g.cities))]
			t.profile = c.name
			if r.IntN(2) == 0 {
				t.profile += ", " + qualifiers[r.IntN(len(qualifiers))]
			}
		default:
			t.profile = fmt.Sprintf("%s %s %s %d", tailWords[r.IntN(len(tailWords))],
				tailWords[r.IntN(len(tailWords))], tailWords[r.IntN(len(tailWords))], r.IntN(1000))
		}
	}
	return out
}

// BenchmarkStream measures the cost per tweet of locating an unlocated
// stream: the profile location first, the text when that fails.
func BenchmarkStream(b *testing.B) {
	stream := syntheticStream(100000, 1)
	gc := newTest(b)
	b.ReportAllocs()
	b.ResetTimer()
	located := 0
	for i := 0; b.Loop(); i++ {
		t := stream[i%len(stream)]
		if _, ok := gc.Locate(t.profile); ok {
			located++
			continue
		}
		if _, ok := gc.LocateText(t.text); ok {
			located++
		}
	}
	b.ReportMetric(float64(located)/float64(b.N), "located/op")
	b.ReportMetric(float64(gc.cache.hits)/float64(gc.cache.hits+gc.cache.misses), "cache-hit-rate")
}

// BenchmarkLocateUncached is the cost of one profile location the cache
// has not seen.
func BenchmarkLocateUncached(b *testing.B) {
	for _, in := range []string{"London", "Brooklyn, NY", "Toronto, Ontario, Canada", "somewhere in Texas", "Earth", "東京"} {
		b.Run(in, func(b *testing.B) {
			gc, err := New(Options{CacheSize: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				gc.Locate(in)
			}
		})
	}
}

// BenchmarkLocateText is the cost of scanning one tweet's text.
func BenchmarkLocateText(b *testing.B) {
	gc := newTest(b)
	for _, in := range []string{texts[0], texts[3], "The quick Brown Fox Jumps Over The Lazy Dog While Everyone Watches From The Stands"} {
		b.Run(fmt.Sprintf("%d-bytes", len(in)), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				gc.LocateText(in)
			}
		})
	}
}

// BenchmarkLocateTextScripts is the cost of scanning texts in other scripts
// and languages: Japanese without spaces, Russian with case endings, Korean
// with particles, and an English one in a post about football.
func BenchmarkLocateTextScripts(b *testing.B) {
	gc := newTest(b)
	for _, tc := range []struct{ name, lang, text string }{
		{"ja", "ja", "おはようございます。今日は朝から名古屋駅で待ち合わせ、そのあと新大阪まで新幹線で移動しました。疲れたけど楽しかった！"},
		{"ja-none", "ja", "今日は一日中雨だったので家でゆっくり本を読んでいました。明日は晴れるといいな。"},
		{"ru", "ru", "Вчера в Москве снова шёл снег, а сегодня обещают солнце и мороз"},
		{"ko", "ko", "오늘 서울에서 친구를 만났어요 날씨가 정말 좋았어요"},
		{"en-football", "en", "Nobody will beat Dortmund this season, what a match #BVB"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.text)))
			b.ReportAllocs()
			for b.Loop() {
				gc.LocateTextLang(tc.text, tc.lang)
			}
		})
	}
}

// BenchmarkLocateBio is the cost of reading one profile description.
func BenchmarkLocateBio(b *testing.B) {
	gc := newTest(b)
	for _, in := range []string{"Writer and runner. 📍 Lisbon", "PhD student in ecology | cats | she/her | views my own"} {
		b.Run(fmt.Sprintf("%d-bytes", len(in)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				gc.LocateBio(in, "")
			}
		})
	}
}

// BenchmarkLoad is the one-off cost of decoding the gazetteer.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeGazetteer(gazetteerData); err != nil {
			b.Fatal(err)
		}
	}
}
