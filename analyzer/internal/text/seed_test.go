package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenizeSeed(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
	}{
		{"lower case and stop words", "The Game is ON tonight", "game tonight"},
		{"urls removed", "score https://t.co/AbC123 and http://example.org/x?y=1 done", "score done"},
		{"punctuation to spaces", "storm,flood...power-outage!!", "storm flood power outage"},
		{"hashtags and mentions kept", "#SuperBowl halftime @marie_nola wow", "#superbowl halftime @marie nola wow"},
		{"sigil inside a word is punctuation", "rock#roll a@b", "rock roll"},
		{"non-ascii dropped", "café ☕ über naïve", "caf ber na"},
		{"short tokens dropped", "a b cd e 7 42 x1", "cd x1"},
		{"original extra stop words", "RT @bob: get amp re this", "@bob"},
		{"apostrophes joined", "don't won't it's Ana's", "anas"},
		{"lone sigils dropped", "# @ ## #a #ok", "#ok"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(TokenizeSeed(nil, tc.in), " ")
			if got != tc.want {
				t.Fatalf("TokenizeSeed(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzTokenizeSeed(f *testing.F) {
	for _, s := range []string{"The #Game https://t.co/x @a", "\xff\xfe", "http://", "##@@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range TokenizeSeed(nil, s) {
			if len(w) < 2 || strings.ContainsAny(w, " \t\n") || !utf8.ValidString(w) {
				t.Fatalf("bad token %q from %q", w, s)
			}
			for i := 0; i < len(w); i++ {
				c := w[i]
				if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i == 0 && (c == '#' || c == '@'))) {
					t.Fatalf("token %q from %q has byte %q", w, s, c)
				}
			}
			if isSeedStopWord(w) {
				t.Fatalf("stop word %q kept", w)
			}
		}
	})
}
