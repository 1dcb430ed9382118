package geocode

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Boundaries between tokens, from weakest to strongest.
const (
	brkNone  uint8 = iota // same part: "new york"
	brkPart               // a comma, parenthesis or semicolon: "paris, tx"
	brkGroup              // "|", "/", " - ", "&", an emoji: another place altogether
)

// Token flags.
const (
	tokCap        uint16 = 1 << iota // first letter upper case, or a script without case
	tokDigit                         // holds a digit (postcodes, house numbers)
	tokFlag                          // a flag emoji: text is its ISO country code
	tokDot                           // follows a '.' with no space: "u.s.a"
	tokLower                         // holds a lower-case letter ("Ca", "in"; not "CA")
	tokUnderscore                    // holds '_': a username, never a place
	tokHash                          // a hashtag: follows '#'
	tokUpper                         // holds an upper-case letter
	tokPoss                          // ends in an apostrophe and "s": "chicagos" was "Chicago's"
	tokSent                          // starts the text or follows '.', '!', '?', ':', ';' or a line break
	tokPin                           // follows a pin emoji: "📍Berlin"
	tokParen                         // follows an opening parenthesis: "(Dubai)"
	tokQuote                         // follows an opening quotation mark: "“Queens”"
	tokQuoteEnd                      // a closing quotation mark follows it
	tokGlued                         // digits run on from the letters before: "beijing" "2022"
	tokColon                         // follows a colon: "Lahore: flights cancelled"
)

// token is one normalised word: text is buf[start:end] of its tokenizer.
type token struct {
	start, end int32
	brk        uint8 // boundary before the token
	flags      uint16
}

// tokenizer splits strings into normalised tokens, reusing its buffers. The
// zero value is ready to use; it is not safe for concurrent use.
type tokenizer struct {
	buf  []byte
	toks []token
}

func (z *tokenizer) text(t token) string { return unsafeString(z.buf[t.start:t.end]) }

// Normalize returns the key form of a place name: accents folded, lower case,
// punctuation, symbols and emoji as separators, apostrophes dropped, dotted
// initials joined ("U.S.A." → "usa"), single spaces. Handles (@name), URLs and
// flags are dropped. The gazetteer's keys are in this form.
func Normalize(s string) string {
	var z tokenizer
	return string(z.appendKey(nil, s))
}

// appendKey appends the key form of s to dst.
func (z *tokenizer) appendKey(dst []byte, s string) []byte {
	z.tokenize(s)
	n := len(dst)
	for _, t := range z.toks {
		if t.flags&tokFlag != 0 {
			continue
		}
		if len(dst) > n {
			dst = append(dst, ' ')
		}
		dst = append(dst, z.buf[t.start:t.end]...)
	}
	return dst
}

// tokenize fills z.toks with the tokens of s.
func (z *tokenizer) tokenize(s string) {
	z.buf, z.toks = z.buf[:0], z.toks[:0]
	nonASCII := !isASCII(s)
	if nonASCII {
		s = norm.NFKD.String(s)
	}
	brk := brkNone
	inTok := false
	var cur token
	lastDot := false // the byte before the current position was '.'
	// What came between the previous token and the next one.
	// The flags that what came between the previous token and the next
	// one gives the next: tokSent, tokPin, tokParen, tokQuote, tokGlued,
	// tokColon.
	gap := tokSent
	start := func(t *token) {
		t.flags |= gap
		gap = 0
	}
	end := func() {
		if inTok {
			cur.end = int32(len(z.buf))
			z.toks = append(z.toks, cur)
			inTok = false
		}
	}
	raise := func(b uint8) {
		end()
		if b > brk {
			brk = b
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		// Fast path for ASCII.
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_' && inTok:
				isDigit := '0' <= c && c <= '9'
				if inTok && c != '_' && isDigit != (cur.flags&tokDigit != 0) && cur.flags&tokUnderscore == 0 {
					end() // "istanbul34" → "istanbul" "34"; "sw1a" → "sw" "1" "a"
					gap |= tokGlued
				}
				if !inTok {
					if isHandleOrURL(s, i) {
						i = skipWord(s, i)
						raise(brkNone)
						continue
					}
					cur = token{start: int32(len(z.buf)), brk: brk}
					start(&cur)
					if lastDot {
						cur.flags |= tokDot
					}
					if i > 0 && s[i-1] == '#' {
						cur.flags |= tokHash
					}
					if 'A' <= c && c <= 'Z' {
						cur.flags |= tokCap
					}
					brk, inTok = brkNone, true
				}
				switch {
				case isDigit:
					cur.flags |= tokDigit
				case c == '_':
					cur.flags |= tokUnderscore // a username: "jade_emma_allen"
				case 'a' <= c && c <= 'z':
					cur.flags |= tokLower
				case 'A' <= c && c <= 'Z':
					cur.flags |= tokUpper
					c += 'a' - 'A'
				}
				z.buf = append(z.buf, c)
			case c == '\'' || c == '`':
				// dropped: "st john's" → "st johns"
				if inTok && possessive(s, i+1) {
					cur.flags |= tokPoss
				}
			case c == '.' || c == '!' || c == '?':
				end()
				gap |= tokSent
			case c == ',' || c == ';' || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == ':' || c == '"':
				if c == '"' && inTok {
					cur.flags |= tokQuoteEnd
				}
				raise(brkPart)
				if c == '"' {
					gap |= tokQuote
				}
				switch c {
				case ';':
					gap |= tokSent
				case ':':
					gap |= tokSent | tokColon
				case '(':
					gap |= tokParen
				}
			case c == '|' || c == '/' || c == '\\' || c == '&' || c == '+' || c == '\n' || c == '\r' || c == '~' || c == '>' || c == '<' || c == '=':
				raise(brkGroup)
				if c == '\n' || c == '\r' {
					gap |= tokSent
				}
			case c == '-':
				// A hyphen inside a word joins ("stratford-upon-avon");
				// with a space on either side it separates places.
				if (i > 0 && s[i-1] == ' ') || (i+1 < len(s) && s[i+1] == ' ') {
					raise(brkGroup)
				} else {
					raise(brkNone)
				}
			case c == '@':
				end()
				i = skipWord(s, i+1)
				lastDot = false
				continue
			default:
				end() // space, tab, '#', '!', '?', '*', '_', ...
			}
			lastDot = c == '.'
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		lastDot = false
		switch {
		case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicator: a flag is a pair
			r2, size2 := utf8.DecodeRuneInString(s[i:])
			end()
			if r2 >= 0x1F1E6 && r2 <= 0x1F1FF {
				i += size2
				start := int32(len(z.buf))
				z.buf = append(z.buf, byte('a'+r-0x1F1E6), byte('a'+r2-0x1F1E6))
				z.toks = append(z.toks, token{start: start, end: start + 2, brk: max(brk, brkPart), flags: tokFlag})
				brk = brkPart
			}
		case unicode.Is(unicode.Mn, r) || r == 0x200D || r == 0xFE0F || r == 0xFE0E:
			// combining marks (accents), zero-width joiner, variation selectors
		case r == 0x2019 || r == 0x2018 || r == 0x02BC || r == 0x02BB || r == 0x00B4:
			// apostrophes, dropped like '
			if inTok && possessive(s, i) {
				cur.flags |= tokPoss
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			if !inTok {
				cur = token{start: int32(len(z.buf)), brk: brk}
				start(&cur)
				if i-size > 0 && s[i-size-1] == '#' {
					cur.flags |= tokHash
				}
				if unicode.IsUpper(r) || !unicode.IsLower(r) {
					cur.flags |= tokCap
				}
				brk, inTok = brkNone, true
			}
			if unicode.IsDigit(r) {
				cur.flags |= tokDigit
			}
			if unicode.IsLower(r) {
				cur.flags |= tokLower
			} else if unicode.IsUpper(r) {
				cur.flags |= tokUpper
			}
			z.buf = appendFolded(z.buf, r)
		case unicode.IsSpace(r) || r == 0x00B7 || r == 0x00B0 || r == 0x2032 || r == 0x2033:
			end() // spaces, middle dot, degree and minute signs
		case r == 0x3001 || r == 0xFF0C || r == 0x060C: // ideographic, fullwidth, Arabic commas
			raise(brkPart)
		case r == 0x3002 || r == 0xFF01 || r == 0xFF1F || r == 0x2028 || r == 0x2029: // 。！？, line and paragraph separators
			raise(brkPart)
			gap |= tokSent
		case r == 0xFF08: // fullwidth (
			raise(brkPart)
			gap |= tokParen
		case r == 0x201C || r == 0x00AB || r == 0x300C || r == 0x300E || r == 0x201E: // “ « 「 『 „
			raise(brkGroup)
			gap |= tokQuote
		case r == 0x201D || r == 0x00BB || r == 0x300D || r == 0x300F: // ” » 」 』
			if inTok {
				cur.flags |= tokQuoteEnd
			}
			raise(brkGroup)
		default:
			raise(brkGroup)                   // dashes, bullets, arrows, emoji, other symbols
			if r == 0x1F4CD || r == 0x1F4CC { // 📍 📌
				gap |= tokPin
			}
		}
	}
	end()
	z.joinInitials()
	if nonASCII {
		z.splitCJK()
	}
}

// cjkSplits end the prefecture (or province) that leads a CJK address
// written without spaces: "大阪府豊中市", "東京都新宿区", "北海道札幌市".
var cjkSplits = []string{"県", "府", "東京都", "北海道", "省"}

// splitCJK cuts a token after a leading prefecture and puts the rest first,
// as a place with its qualifier: "大阪府豊中市" → "豊中市", "大阪府".
func (z *tokenizer) splitCJK() {
	for i := 0; i < len(z.toks); i++ {
		t := z.toks[i]
		text := z.buf[t.start:t.end]
		for _, sep := range cjkSplits {
			j := bytes.Index(text, []byte(sep))
			if j <= 0 && sep != "東京都" && sep != "北海道" || j < 0 {
				continue
			}
			cut := t.start + int32(j+len(sep))
			if cut >= t.end {
				continue
			}
			head := token{start: t.start, end: cut, brk: brkPart, flags: t.flags}
			tail := token{start: cut, end: t.end, brk: t.brk, flags: t.flags}
			z.toks = append(z.toks, token{})
			copy(z.toks[i+2:], z.toks[i+1:])
			z.toks[i], z.toks[i+1] = tail, head
			i++
			break
		}
	}
}

// cjkStems are administrative suffixes of CJK place names.
var cjkStems = []string{"市", "区", "區", "町", "村", "県", "縣", "府", "省", "都"}

// cjkStem returns a CJK name without its administrative suffix: "豊中市" →
// "豊中". The stem must keep at least two characters.
func cjkStem(s string) (string, bool) {
	for _, suf := range cjkStems {
		if strings.HasSuffix(s, suf) && utf8.RuneCountInString(s) >= 3 {
			return s[:len(s)-len(suf)], true
		}
	}
	return "", false
}

// joinInitials merges dotted single letters: "u" "s" "a" → "usa".
func (z *tokenizer) joinInitials() {
	out := z.toks[:0]
	for i := 0; i < len(z.toks); i++ {
		t := z.toks[i]
		if t.end-t.start == 1 && t.flags&tokFlag == 0 {
			j := i + 1
			for j < len(z.toks) && z.toks[j].flags&tokDot != 0 && z.toks[j].brk == brkNone &&
				z.toks[j].end-z.toks[j].start == 1 && z.toks[j].start == z.toks[j-1].end {
				j++
			}
			if j > i+1 {
				t.end = z.toks[j-1].end
				i = j - 1
			}
		}
		out = append(out, t)
	}
	z.toks = out
}

// appendFolded appends the lower-case, accent-free form of r.
func appendFolded(b []byte, r rune) []byte {
	switch r {
	case 'ß':
		return append(b, "ss"...)
	case 'æ', 'Æ':
		return append(b, "ae"...)
	case 'œ', 'Œ':
		return append(b, "oe"...)
	case 'ø', 'Ø':
		return append(b, 'o')
	case 'đ', 'Đ', 'ð', 'Ð':
		return append(b, 'd')
	case 'ł', 'Ł':
		return append(b, 'l')
	case 'ı':
		return append(b, 'i')
	case 'þ', 'Þ':
		return append(b, "th"...)
	case 'ħ', 'Ħ':
		return append(b, 'h')
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// isHandleOrURL reports whether the word starting at i is a URL.
func isHandleOrURL(s string, i int) bool {
	switch s[i] {
	case 'h', 'H':
		w := s[i:]
		return hasPrefixFold(w, "http://") || hasPrefixFold(w, "https://")
	case 'w', 'W':
		return hasPrefixFold(s[i:], "www.")
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// skipWord returns the index after the run of non-space bytes at i.
func skipWord(s string, i int) int {
	for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != ',' && s[i] != '|' {
		i++
	}
	return i
}

// possessive reports whether s[j:] starts with an "s" that ends a word: the
// rest of "Chicago's".
func possessive(s string, j int) bool {
	if j >= len(s) || s[j] != 's' && s[j] != 'S' {
		return false
	}
	if j+1 == len(s) {
		return true
	}
	if c := s[j+1]; c < utf8.RuneSelf {
		return !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_')
	}
	r, _ := utf8.DecodeRuneInString(s[j+1:])
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
}
