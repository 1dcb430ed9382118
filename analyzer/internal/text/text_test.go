package text

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/geostream/geostream/shared/tweet"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		// Words of every script, whole.
		{"lower case and stop words", "The Game is ON tonight", "game tonight"},
		{"accented letters stay in their word", "München Québec négociant étudiants não", "münchen québec négociant étudiants"},
		{"dotted capital I folds to i", "İstanbul ISTANBUL", "istanbul istanbul"},
		{"final sigma folds to sigma", "ΟΔΟΣ οδος οδός", "οδοσ οδοσ οδόσ"},
		{"compatibility forms fold to plain letters", "𝐓𝐞𝐫𝐫𝐢𝐭𝐨𝐢𝐫𝐞 ＳＯＮＧ ﬁnale", "territoire song finale"},
		{"cyrillic", "Вечерок с Аватаром, дошли и в мульте до Тоф", "вечерок аватаром дошли мульте тоф"},
		{"arabic without tatweel", "#أردنـ أضرار الجلوس", "#أردن أضرار الجلوس"},
		{"digits alone dropped, letters with digits kept", "2024 1,000 x1 covid19 4k", "x1 covid19 4k"},
		{"one letter dropped", "a b c plan b", "plan"},
		{"one letter over and over dropped", "aaaa www zzz aa", "aa"},
		{"punctuation splits", "storm,flood...power-outage!!", "storm flood power outage"},
		{"catalan middle dot stays", "col·legi", "col·legi"},
		{"german gender forms stay whole", "Lehrer*innen und Bürger:innen, Ärzt_in", "lehrer*innen bürger:innen ärzt_in"},
		{"versions and variants stay whole", "#JN.1 JN.1 web3.0 3.14", "#jn.1 jn.1 web3.0"},
		// Apostrophes.
		{"english clitics cut", "Ana's dog won't bark, they're loud", "ana dog bark loud"},
		{"french and italian elisions cut", "l'école d'accord qu'il dell'anno c’était", "école accord anno"},
		{"other apostrophes join", "aujourd'hui O'Brien rock'n'roll", "obrien rocknroll"},
		// Links and handles, with or without a scheme, give nothing.
		{"links with a scheme", "score https://t.co/AbC123 and http://example.org/x?y=1 win", "score win"},
		{"links without a scheme", "read nytimes.com/2024/01/05/world/x.html now", "read"},
		{"www links", "see www.x.org and WWW.Example.COM.", ""},
		{"bluesky link text", "journal www.journaldemontreal.com/2024/02/05/m... bsky.app/profile/alice.bsky.social", "journal"},
		{"bare handles and hosts", "alice.bsky.social example.com bsky.app", ""},
		{"a link right after Japanese", "読んでbsky.app/profile/x", "読む"},
		{"links to pages named in another script", "ja.wikipedia.org/wiki/東京 です", ""},
		{"e-mail addresses", "write bob@example.com or x.y@mail.co.uk", "write"},
		{"sentences run together are no links", "storm.The rain.Today wind.It node.js", "storm rain wind node js"},
		{"a host named with a capital", "Auf Apoguide.de findet ihr", "findet"},
		{"a www link cut short", "Nasenspray www.techno-science.n... schützt", "nasenspray schützt"},
		{"Japanese right after a host", "見てgithub.com直下のembed", "直下 embed"},
		{"a mention behind direction marks", "dans \u2066\u202a@ladepechedumidi\u202c\u2069 sur", "@ladepechedumidi"},
		{"scheme links in any case", "HTTPS://EXAMPLE.ORG/A b", ""},
		{"at-uris", "at://did:plc:abc/app.bsky.feed.post/3k", ""},
		// Hashtags and mentions.
		{"hashtags and mentions kept whole", "#SuperBowl halftime @marie_nola wow", "#superbowl halftime @marie_nola wow"},
		{"handles with dots are one mention", "cc @alice.bsky.social and @bob@mastodon.social.", "@alice.bsky.social @bob@mastodon.social"},
		{"hashtags of any script", "#東京 #Москва #JN.1. ＃全角", "#東京 #москва #jn.1 #全角"},
		{"hashtags of digits or one letter are no words", "#1 #2024 #a #ok", "#ok"},
		{"a sigil inside a word is punctuation", "rock#roll a@b", "rock roll"},
		{"mentions after a retweet mark or another script", "RT@Uky_Sugoy: ok عندك@zzx3553", "@uky_sugoy عندك @zzx3553"},
		{"lone sigils dropped", "# @ ## @@", ""},
		// Stop words of every language, and residue.
		{"stop words of other languages", "die den mit de la que comme und", ""},
		{"social-media residue", "RT @bob: via amp ww xx", "@bob"},
		{"english content word kept in english", "The war in Gaza will not die", "war gaza die"},
		{"english content word dropped in german", "Das war gut, die Katze ist da", "katze"},
		{"content words of the lists kept", "fire at home, research world computer москва", "fire home research world computer москва"},
		{"country codes of the english list are words", "San Francisco, CA and the UK", "san francisco ca uk"},
		// Japanese, Chinese, Korean, Thai.
		{"japanese nouns and verbs", "BlueskyのApp Storeのレビュー、個人的な理由で参考にならない", "bluesky app store レビュー 個人 理由 参考"},
		{"japanese verbs in dictionary form", "開けてくれよ しばしば存在を忘れてしまう", "開ける 存在 忘れる"},
		{"japanese kanji only in a post with kana", "東京で地震", "東京 地震"},
		{"japanese loanwords the dictionary splits stay whole", "ブルスコに侵入した", "ブルスコ 侵入"},
		{"chinese in pairs", "我吃东西", "我吃 吃东 东西"},
		{"one han character alone", "雨", "雨"},
		{"korean particles cut", "서울에서 날씨 서울로 가요 책을 것으로", "서울 날씨 서울 가요 책을"},
		{"korean nouns that end like a particle stay", "고양이 민주주의 음악가", "고양이 민주주의 음악가"},
		{"korean stop words with a particle", "나는 그것으로 좋아", "그것"},
		{"korean laughter is no word", "ㅋㅋㅋ ㅠㅠ", ""},
		{"thai in pairs", "สวัสดี", "สวั วัส สดี"},
		{"empty", "", ""},
		{"bad utf-8 is punctuation", "caf\xffé storm\xfe\xfeword", "caf storm word"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(Tokenize(nil, tc.in), " ")
			if got != tc.want {
				t.Fatalf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPrepareJapanese(t *testing.T) {
	done := make(chan struct{})
	go func() { PrepareJapanese(); close(done) }()
	PrepareJapanese()
	<-done
	if got := Tokenize(nil, "東京で地震"); !slices.Equal(got, []string{"東京", "地震"}) {
		t.Fatalf("after PrepareJapanese: %q", got)
	}
}

func TestTokenizeAppends(t *testing.T) {
	dst := []string{"kept"}
	got := Tokenize(dst, "storm warning")
	if !slices.Equal(got, []string{"kept", "storm", "warning"}) {
		t.Fatalf("got %q", got)
	}
}

// TestTokensHaveNoSpareRoom: a post's words take no more room than they
// need, for a caller that keeps the slice.
func TestTokensHaveNoSpareRoom(t *testing.T) {
	for _, s := range []string{"storm warning", "rain rain rain in the city of london tonight, again and again",
		"今日は朝から雨が降っています", "#storm @alice.bsky.social flood"} {
		if got := Tokenize(nil, s); len(got) == 0 || cap(got) != len(got) {
			t.Errorf("%q: %d words in room for %d", s, len(got), cap(got))
		}
	}
}

// TestStopWordsOfEveryLanguage checks that each of the twenty languages has
// its list and that the commonest function words of each are dropped.
func TestStopWordsOfEveryLanguage(t *testing.T) {
	common := map[string]string{
		"en": "the and", "ja": "これ から", "pt": "não você", "de": "und nicht", "es": "pero como",
		"fr": "avec dans", "ko": "그리고 하지만", "it": "della sono", "nl": "niet zijn", "ru": "это было",
		"uk": "але вони", "pl": "jest się", "tr": "için daha", "zh": "我们 这个", "ar": "التي الذي",
		"fa": "این است", "id": "yang dengan", "th": "และ ของ", "ca": "però també", "sv": "och inte",
	}
	if len(common) != len(Languages) {
		t.Fatalf("test covers %d languages, there are %d", len(common), len(Languages))
	}
	for _, lang := range Languages {
		for _, w := range strings.Fields(common[lang]) {
			if !IsStopWord(w) {
				t.Errorf("%s: %q is not a stop word", lang, w)
			}
		}
	}
	for _, w := range []string{"war", "die", "hat", "fire", "home", "research", "москва", "война", "ano", "tempo"} {
		if IsStopWord(w) {
			t.Errorf("content word %q is a stop word", w)
		}
	}
}

// TestEnglishContentVotes checks how a stop word of another language that
// is an English content word is judged by the post's other stop words.
func TestEnglishContentVotes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"war", "war"},                                // no clue: kept
		{"the war is over", "war"},                    // English
		{"der Krieg war lang und hart", "krieg hart"}, // German
		{"man sagt, es war so", ""},                   // German
		{"a man and his hat", "man hat"},              // English
		{"die die die die die die die die die die", "die die die die die die die die die die"},
	}
	for _, tc := range tests {
		got := strings.Join(Tokenize(nil, tc.in), " ")
		if got != tc.want {
			t.Errorf("Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTokenizePost(t *testing.T) {
	link := func(s, sub string) tweet.Entity {
		i := strings.Index(s, sub)
		return tweet.Entity{Kind: tweet.EntityLink, Start: i, End: i + len(sub)}
	}
	mention := func(s, sub string) tweet.Entity {
		i := strings.Index(s, sub)
		return tweet.Entity{Kind: tweet.EntityMention, Start: i, End: i + len(sub), Value: "did:plc:x"}
	}
	tag := func(s, sub string) tweet.Entity {
		i := strings.Index(s, sub)
		return tweet.Entity{Kind: tweet.EntityTag, Start: i, End: i + len(sub)}
	}
	s1 := "read this storyabout.museum piano"
	s2 := "hugs @Alice.example for it"
	s3 := "#Tokyo2020 and #東京 tonight"
	s4 := "oké émeute"
	tests := []struct {
		name string
		s    string
		ents []tweet.Entity
		want string
	}{
		{"a link span is no word, whatever it looks like", s1, []tweet.Entity{link(s1, "storyabout.museum")}, "read piano"},
		{"a mention span is one token", s2, []tweet.Entity{mention(s2, "@Alice.example")}, "hugs @alice.example"},
		{"tag spans are hashtags", s3, []tweet.Entity{tag(s3, "#Tokyo2020"), tag(s3, "#東京")}, "#tokyo2020 #東京 tonight"},
		{"spans out of order", s3, []tweet.Entity{tag(s3, "#東京"), tag(s3, "#Tokyo2020")}, "#tokyo2020 #東京 tonight"},
		{"no spans", s1, nil, "read storyabout museum piano"},
		{"span out of range", s1, []tweet.Entity{{Kind: tweet.EntityLink, Start: 5, End: 500}}, "read storyabout museum piano"},
		{"negative span", s1, []tweet.Entity{{Kind: tweet.EntityLink, Start: -1, End: 4}}, "read storyabout museum piano"},
		{"empty span", s1, []tweet.Entity{{Kind: tweet.EntityLink, Start: 4, End: 4}}, "read storyabout museum piano"},
		{"span not on a rune boundary", s4, []tweet.Entity{{Kind: tweet.EntityLink, Start: 4, End: 6}}, "oké émeute"},
		{"unknown kind", s1, []tweet.Entity{{Kind: 9, Start: 0, End: 4}}, "read storyabout museum piano"},
		{"overlapping spans: the first wins", s1, []tweet.Entity{link(s1, "storyabout.museum"), mention(s1, "about.museum thing")}, "read piano"},
		{"a mention span with a space is plain text", s2, []tweet.Entity{mention(s2, "Alice.example for")}, "hugs alice example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(TokenizePost(nil, tc.s, tc.ents), " ")
			if got != tc.want {
				t.Fatalf("TokenizePost(%q, %v) = %q, want %q", tc.s, tc.ents, got, tc.want)
			}
		})
	}
}

// checkTokens fails t if any token breaks the tokenizer's promises.
func checkTokens(t *testing.T, s string, toks []string) {
	t.Helper()
	for _, w := range toks {
		if w == "" || !utf8.ValidString(w) || strings.ContainsFunc(w, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == 0x85 || r == 0xA0 || r == 0x3000
		}) {
			t.Fatalf("bad token %q from %q", w, s)
		}
		if IsStopWord(w) {
			t.Fatalf("stop word %q kept from %q", w, s)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"The #Game https://t.co/x @a", "\xff\xfe", "http://", "##@@", "BlueskyのApp Storeのレビュー",
		"서울에서 날씨", "สวัสดีครับ", "www.x.org/a b@c.de", "l'école d’accord", "İstanbul ﬁ 𝐓",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTokens(t, s, Tokenize(nil, s))
	})
}

func FuzzTokenizePost(f *testing.F) {
	f.Add("before ", "nytimes.com/x", " after @bob #tag", 0, 4, 2)
	f.Add("東京で", "bsky.app", "地震 #東京", 1, 3, 1)
	f.Add("", "\xff", "x", 2, 0, 9)
	f.Fuzz(func(t *testing.T, a, l, b string, start, end, kind int) {
		// A post with a link span around l and another span somewhere.
		s := a + l + b
		ents := []tweet.Entity{
			{Kind: tweet.EntityLink, Start: len(a), End: len(a) + len(l)},
			{Kind: tweet.EntityKind(kind), Start: start, End: end},
		}
		got := TokenizePost(nil, s, ents)
		checkTokens(t, s, got)
		if len(l) == 0 || !utf8.RuneStart(s[len(a)]) || len(a)+len(l) < len(s) && !utf8.RuneStart(s[len(a)+len(l)]) {
			return // the link span is not valid: nothing more to check
		}
		// The link's text gives no token: the same post with the link
		// blanked out gives the same tokens.
		blank := a + strings.Repeat(" ", len(l)) + b
		if !slices.Equal(got, TokenizePost(nil, blank, ents)) {
			t.Fatalf("link %q changed the tokens of %q: %q vs %q", l, s, got, TokenizePost(nil, blank, ents))
		}
	})
}
