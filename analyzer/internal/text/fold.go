package text

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s as the tokenizer compares words: in Unicode normalization
// form NFKC (full-width letters, ligatures and styled letters such as 𝐓𝐞𝐱𝐭
// become plain ones), lower case by Unicode's simple case mapping (so
// "İstanbul" folds to "istanbul" and "ß" stays), final sigma as sigma, and
// without the characters that only shape a word: the Arabic tatweel, format
// characters (zero-width joiners and non-joiners, soft hyphens, direction
// marks) and variation selectors.
func Fold(s string) string {
	s = nfkc(s)
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = appendFold(b, r)
	}
	return string(b)
}

// nfkc returns s in NFKC, without copying when it already is.
func nfkc(s string) string {
	if isASCII(s) || norm.NFKC.QuickSpanString(s) == len(s) {
		return s
	}
	return norm.NFKC.String(s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendFold appends r folded to b; a rune that only shapes a word appends
// nothing.
func appendFold(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	}
	if ignorable(r) {
		return b
	}
	r = unicode.ToLower(r)
	if r == 'ς' {
		r = 'σ'
	}
	return utf8.AppendRune(b, r)
}

// ignorable reports whether r is dropped from inside a word.
func ignorable(r rune) bool {
	switch {
	case r < 0xAD:
		return false
	case r == 0x640: // Arabic tatweel
		return true
	case 0xFE00 <= r && r <= 0xFE0F, 0xE0100 <= r && r <= 0xE01EF: // variation selectors
		return true
	}
	return unicode.Is(unicode.Cf, r)
}
