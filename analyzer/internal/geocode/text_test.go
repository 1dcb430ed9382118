package geocode

import (
	"strings"
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

// TestLocateTextOwnScript: city names in their own script, inside text
// without spaces, before particles and with case endings.
func TestLocateTextOwnScript(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"ja", "東京で地震", "Tokyo"},
		{"ja", "大阪の夜は長い", "Osaka"},
		{"ja", "名古屋駅なう", "Nagoya"},
		{"ja", "今日は京都へ行く", "Kyoto"},
		{"ja", "#仙台 の夜", "Sendai"},
		{"ja", "新宿で待ち合わせ", "Tokyo"}, // a district names its city
		{"ko", "서울 날씨", "Seoul"},
		{"ko", "서울에서 만나요", "Seoul"},
		{"ko", "부산의 밤", "Busan"},
		{"ru", "Москва сегодня", "Moscow"},
		{"ru", "Снег идёт в Москве", "Moscow"},
		{"ru", "Он вернулся из Киева", "Kyiv"},
		{"zh", "我在上海工作", "Shanghai"},
		{"th", "ไปกรุงเทพวันนี้", "Bangkok"},
		{"", "東京で地震", "Tokyo"}, // no language given
	}
	gc := newTest(t)
	for _, tc := range tests {
		got, ok := gc.LocateTextLang(tc.in, tc.lang)
		if !ok || !strings.HasPrefix(got.Name, tc.want) || got.Level != tweet.GeoCity {
			t.Errorf("LocateTextLang(%q, %q) = %q (%v), want %q…", tc.in, tc.lang, got.Name, ok, tc.want)
		}
	}
}

// TestLocateTextRefuses: names that are not the place in these texts. Each
// row was placed before the cues and refusals existed.
func TestLocateTextRefuses(t *testing.T) {
	tests := []struct{ why, lang, in string }{
		{"a province, whose largest city is another", "en", "Flu season hits hard across Québec this winter"},
		{"a province, not the Californian city", "en", "Bird flu found on three farms in Ontario"},
		{"a state, read whole", "pt", "Floods again in Rio Grande do Sul today"},
		{"the Strip, not the city", "en", "Thinking of everyone in Gaza tonight"},
		{"a club at the start of a sentence", "en", "Liverpool signed a new striker today"},
		{"a club in a post about football", "en", "Nobody will beat Dortmund this season #BVB"},
		{"a club in a transfer", "en", "What a signing for Madrid this summer"},
		{"a club by its full name", "en", "watching Liverpool FC tonight"},
		{"a club run together", "en", "Real Madrid won again"},
		{"a newspaper", "fr", "Journal de Montréal: la grippe frappe fort"},
		{"an industry", "en", "I think Hollywood made the wrong call"},
		{"a cat food, named like a district", "en", "my cat only eats Churu treats these days"},
		{"a word of another language at a sentence's start", "id", "Capricorn ; Asmara: jadilah yang terbaik"},
		{"a German word at a sentence's start", "de", "Jau so einer ist das"},
		{"a person", "en", "I loved what Sofia said on the show"},
		{"a possessive, not Queens", "en", "She loves the Queen's speech"},
		{"a title in quotes", "en", "“Queens” is streaming now"},
		{"an event", "en", "Sponsoring #Beijing2022 is shameful"},
		{"a route: two cities far apart", "en", "flights from Lahore to Karachi cancelled"},
		{"a state after 'state of'", "es", "greetings from the state of Oaxaca"},
		{"a team in a score", "ja", "広島同点！"},
		{"teams in a match", "ja", "浦和と仙台の泥試合"},
		{"a school", "ja", "仙台育英おめでとう"},
		{"a person with an honorific", "ja", "松本さんに会った"},
		{"a prefecture", "ja", "岡山県のニュース"},
		{"a name inside a katakana loanword", "ja", "バーニーズで買い物"},
		{"a stop word of the post's language", "no", "Vi ventet lenge Medan bussen kom"},
	}
	gc := newTest(t)
	for _, tc := range tests {
		if got, ok := gc.LocateTextLang(tc.in, tc.lang); ok {
			t.Errorf("%s: LocateTextLang(%q, %q) = %q, want nothing", tc.why, tc.in, tc.lang, got.Name)
		}
	}
}

// TestLocateTextCues: what makes a name a place.
func TestLocateTextCues(t *testing.T) {
	tests := []struct{ why, in, want string }{
		{"a preposition", "Snow again in Chicago tonight", "Chicago"},
		{"a preposition at a sentence's start", "In Chicago it snows", "Chicago"},
		{"a dateline", "Lahore: flights cancelled", "Lahore"},
		{"a region after it", "spotted in Krakow, Poland", "Kraków"},
		{"a region code after it", "Great day at Fremont CA", "Fremont, California"},
		{"a pin", "Impfung heute 📍Hamburg", "Hamburg"},
		{"a parenthesis", "I'm at Crowne Plaza (Dubai)", "Dubai"},
		{"a hashtag", "Last of the light #sydney #waves", "Sydney"},
		{"a possessive before a place", "a long queue in London's Oxford Circus", "London"},
		{"mid-sentence, capitalised", "we had a great week and Berlin was lovely", "Berlin"},
		{"a preposition beats a football word", "the transfer news from Madrid today", "Madrid"},
		{"the better cue of two cities", "香港の人たちが東京でデモ", "Tokyo"},
		{"a stop word of another language", "I love Medan in the rain", "Medan"},
		{"a region after it that holds another place of the name", "We're hiring in #Liverpool, NY!", "Liverpool, New York"},
		{"a small place by its region", "Good morning @ Roseville, Michigan", "Roseville, Michigan"},
	}
	gc := newTest(t)
	for _, tc := range tests {
		got, ok := gc.LocateTextLang(tc.in, "en")
		if !ok || !strings.HasPrefix(got.Name, tc.want) {
			t.Errorf("%s: LocateTextLang(%q) = %q (%v), want %q…", tc.why, tc.in, got.Name, ok, tc.want)
		}
	}
	// A stop word of Norwegian is a name in English.
	if _, ok := gc.LocateTextLang("Vi ventet lenge Medan bussen kom", "en"); !ok {
		t.Error("Medan mid-sentence in an English post not placed")
	}
}

func TestLocateBio(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Writer and runner. 📍 Berlin", "Berlin"},
		{"📌Seattle, WA | coffee", "Seattle, Washington"},
		{"Photographer | Seattle, WA | she/her", "Seattle, Washington"},
		{"Based in Lisbon. Opinions mine.", "Lisbon"},
		{"Engineer. Living in Osaka, Japan", "Osaka"},
		{"京都在住の会社員です", "Kyoto"},
		{"Berlin-based designer", "Berlin"},
		{"data person | Vienna | cats", "Vienna"},
		{"Fotografia e café. Living in Lisbon since 2019.", "Lisbon"},
		// Not places: codes, words, institutions, a bio without a place.
		{"ML researcher | AI, IG", ""},
		{"Reading, writing, Mobile dev", ""},
		{"Professor at Harvard", ""},
		{"Music | Human | Liberal", ""},
		{"I bake bread.", ""},
		{"", ""},
	}
	gc := newTest(t)
	for _, tc := range tests {
		got, ok := gc.LocateBio(tc.in, "")
		if tc.want == "" {
			if ok {
				t.Errorf("LocateBio(%q) = %q, want nothing", tc.in, got.Name)
			}
			continue
		}
		if !ok || !strings.HasPrefix(got.Name, tc.want) {
			t.Errorf("LocateBio(%q) = %q (%v), want %q…", tc.in, got.Name, ok, tc.want)
		}
	}
}

func TestLocateName(t *testing.T) {
	gc := newTest(t)
	for _, name := range []string{"Adam", "Chad", "Paul Smith", "Jordan 🇺🇸", "Sofia ✨", "Georgia", ""} {
		if got, ok := gc.LocateName(name); ok {
			t.Errorf("LocateName(%q) = %q: a person's name placed its author", name, got.Name)
		}
	}
	if got, ok := gc.LocateName("Ana 📍 Porto"); !ok || !strings.HasPrefix(got.Name, "Porto") {
		t.Errorf("LocateName with a pin = %q (%v), want Porto", got.Name, ok)
	}
}

// TestPlaceReadsLanguage: Place passes the post's language on.
func TestPlaceReadsLanguage(t *testing.T) {
	gc := newTest(t)
	p := Policy{Text: true, Level: tweet.GeoCity}
	tw := tweet.Tweet{Text: "Vi ventet lenge Medan bussen kom", Lang: "no"}
	if gc.Place(&tw, p) {
		t.Errorf("a Norwegian stop word placed the post at %v,%v", tw.Lon, tw.Lat)
	}
	tw = tweet.Tweet{Text: "Vi ventet lenge Medan bussen kom", Lang: "en"}
	if !gc.Place(&tw, p) {
		t.Errorf("the same name in an English post not placed")
	}
	tw = tweet.Tweet{Text: "東京で地震", Lang: "ja"}
	if !gc.Place(&tw, p) || tw.Geo != tweet.GeoText {
		t.Errorf("東京で地震 not placed by its text")
	}
}
