package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Every script the tokenizer keeps words in, but those that need a shaping
// engine (Devanagari here), has a font: no character of those words is
// drawn as an empty box, and the ones Liberation Sans lacks come from a
// fallback.
func TestFontsCoverScripts(t *testing.T) {
	for _, words := range scriptWords {
		for _, w := range words {
			if strings.ContainsFunc(w, func(r rune) bool { return r >= 0x0900 && r <= 0x097F }) {
				if drawable(w) {
					t.Errorf("%q: Devanagari is drawable, want it named instead", w)
				}
				continue
			}
			if !drawable(w) {
				t.Errorf("%q: not drawable", w)
			}
		}
	}
	for _, r := range "東서北سا" + "ก" {
		if fi := fontFor(r); fi < 0 {
			t.Errorf("%q: font %d, want a fallback", r, fi)
		}
	}
	for _, r := range "aéжλש" {
		if fi := fontFor(r); fi != primaryFont {
			t.Errorf("%q: font %d, want Liberation Sans", r, fi)
		}
	}
	// Ideographs and kana are an em wide each in the CJK font.
	f := face{size: 14}
	if a, b := f.width("東京"), f.width("ニュース"); a != 28 || b != 56 {
		t.Errorf("width(東京) = %v, width(ニュース) = %v, want 28 and 56", a, b)
	}
}

// Right-to-left words are drawn in visual order and Arabic letters take
// their joined forms.
func TestVisual(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"hello", "hello"},
		{"שלום", "םולש"},
		{"עברית2024", "2024תירבע"},
		// seen + lam-alef (final) + meem (isolated), right to left
		{"سلام", "\uFEE1\uFEFC\uFEB3"},
		// meem init, reh final, hah init, beh medial, alef final
		{"مرحبا", "\uFE8E\uFE92\uFEA3\uFEAE\uFEE3"},
		// a mark stays after its letter: beh + fatha, isolated
		{"بَ", "\uFE8F\u064E"},
		// Persian peh (Presentation Forms-A) initial, then alef final
		{"پا", "\uFE8E\uFB58"},
	} {
		if got := visual(tc.in); got != tc.want {
			t.Errorf("visual(%q) = %+q, want %+q", tc.in, got, tc.want)
		}
	}
}

// A word the fonts cannot draw is named by its script, and the legend says
// the live page shows it.
func TestUnshownWordsNamed(t *testing.T) {
	if got, ok := shownWord("नमस्ते"); ok || got != "[Devanagari]" {
		t.Errorf("shownWord(नमस्ते) = %q, %v", got, ok)
	}
	for in, want := range map[string]string{
		"東京":          "東京",
		"東京\ufe0f":    "東京", // a variation selector draws nothing
		"\u200bseoul": "seoul",
		"ب\u200dب":    "\uFE90\uFE91", // the joiner joins, then goes
		"ب\u200cب":    "\uFE8F\uFE8F", // the non-joiner parts them
		"hangul한글":    "hangul한글",
		"kwun喺tong":   "kwun喺tong",
	} {
		if got, ok := shownWord(in); !ok || got != want {
			t.Errorf("shownWord(%+q) = %+q, %v, want %+q", in, got, ok, want)
		}
	}
	for in, want := range map[string]string{"❤\ufe0f": "[symbol]", "ᐟᐟ": "[Canadian Aboriginal]", "\U0001F600": "[symbol]"} {
		if got, ok := shownWord(in); ok || got != want {
			t.Errorf("shownWord(%+q) = %q, %v, want %q", in, got, ok, want)
		}
	}
	var r Renderer
	f := makeFrame(frameSpec{region: "world", width: 1600, height: 900, clusters: len(scriptWords), tweets: 3000, spread: 0.4, seed: 7,
		keywords: func(i int) []string { return scriptWords[i%len(scriptWords)] }})
	_, st, err := r.Image(f)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, tb := range st.Text {
		all = append(all, tb.Text)
		if !drawable(tb.Text) {
			t.Errorf("%q is drawn with empty boxes", tb.Text)
		}
	}
	text := strings.Join(all, " ")
	for _, want := range []string{"[Devanagari]", "the live page shows it", "東京", "서울", "москва", visual("שלום")} {
		if !strings.Contains(text, want) {
			t.Errorf("the legend lacks %q:\n%s", want, text)
		}
	}
}

func FuzzShownWord(f *testing.F) {
	for _, words := range scriptWords {
		for _, w := range words {
			f.Add(w)
		}
	}
	f.Add("لا")
	f.Add("ﻻ\u064E\u0644")
	f.Add("\u0644\u064E\u0627")
	f.Fuzz(func(t *testing.T, w string) {
		got, ok := shownWord(w)
		if !ok {
			if !strings.HasPrefix(got, "[") || !strings.HasSuffix(got, "]") {
				t.Fatalf("shownWord(%q) = %q, not a script's name", w, got)
			}
			return
		}
		if !drawable(got) {
			t.Fatalf("shownWord(%q) = %q is not drawable", w, got)
		}
		if utf8.ValidString(w) && !utf8.ValidString(got) {
			t.Fatalf("shownWord(%q) = %q is not UTF-8", w, got)
		}
		if utf8.RuneCountInString(got) > utf8.RuneCountInString(w) {
			t.Fatalf("shownWord(%q) = %q has more characters", w, got)
		}
	})
}
