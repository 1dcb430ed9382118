package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Top-level domains that end a link written without a scheme or a path.
var (
	// strongTLDs end a link in any case ("Example.COM").
	strongTLDs = set("com net org edu gov mil int info biz xyz io")
	// wordTLDs and two-letter country domains end a link whose labels after
	// the first are in lower case or that has three labels or more, so that
	// "great.Today" and "No.It" stay words but "bsky.social", "Apoguide.de"
	// and "alice.bsky.social" do not.
	wordTLDs = set("app dev ai me tv social blog news online site top club live link page art shop store tech cloud space website world life today fun wiki media email zone network one ink pro name blue tel lol wtf moe gay")
	// notTLDs are two-letter endings that are more often file types.
	notTLDs = set("js ts")
)

// linkEnd returns the end of the link that starts at s[i] (an ASCII letter or
// digit), or 0 if none does: a URL with a scheme ("https://…", "at://…"),
// "www." and a host, or a host with a path ("nytimes.com/2024/…") or with
// a top-level domain a link ends with ("bsky.app", "alice.bsky.social").
func linkEnd(s string, i int) int {
	j, dot := i, false
	for j < len(s) && (isASCIIAlnum(s[j]) || s[j] == '+' || s[j] == '-' || s[j] == '.') {
		dot = dot || s[j] == '.'
		j++
	}
	if j < len(s) && s[j] == ':' && j-i <= 16 && strings.HasPrefix(s[j:], "://") && !('0' <= s[i] && s[i] <= '9') {
		return pathEnd(s, j+3)
	}
	if !dot {
		return 0 // the common case: a plain word
	}
	return hostLink(s, i)
}

// hostLink returns the end of the link without a scheme at s[i], or 0.
func hostLink(s string, i int) int {
	www := len(s)-i > 4 && strings.EqualFold(s[i:i+4], "www.") && isASCIIAlnum(s[i+4])
	end, labels, tld, lower := host(s, i)
	if end == 0 {
		if !www {
			return 0
		}
		// "www.techno-science.n...": a link text cut short.
		return pathEnd(s, i)
	}
	j := end
	if j < len(s) && s[j] == ':' { // a port
		k := j + 1
		for k < len(s) && '0' <= s[k] && s[k] <= '9' {
			k++
		}
		if k > j+1 {
			j = k
		}
	}
	if j < len(s) && s[j] == '/' {
		return pathEnd(s, j)
	}
	if j < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[j:]); class(r) == clsOther || unicode.IsMark(r) {
			return 0 // "example.comé" or the like; Japanese may follow a link
		}
	}
	t := strings.ToLower(tld)
	switch {
	case www, strongTLDs[t]:
	case (wordTLDs[t] || len(t) == 2 && !notTLDs[t]) && (lower || labels >= 3):
	default:
		return 0
	}
	return j
}

// hostEnd returns the end of the host name at s[i] if it has a top-level
// domain of letters (for e-mail addresses), or 0.
func hostEnd(s string, i int) int {
	end, _, _, _ := host(s, i)
	return end
}

// host reads a host name at s[i]: two labels or more of ASCII letters, digits
// and hyphens, separated by dots, the last of two letters or more. It returns
// its end (0 if there is none), how many labels it has, its top-level domain
// and whether its labels after the first are in lower case.
func host(s string, i int) (end, labels int, tld string, lower bool) {
	lower = true
	j := i
	for {
		k := j
		for k < len(s) && (isASCIIAlnum(s[k]) || s[k] == '-') {
			if 'A' <= s[k] && s[k] <= 'Z' && labels > 0 {
				lower = false
			}
			k++
		}
		if k == j {
			break
		}
		labels++
		tld = s[j:k]
		end = k
		if k+1 < len(s) && s[k] == '.' && isASCIIAlnum(s[k+1]) {
			j = k + 1
			continue
		}
		break
	}
	if labels < 2 || len(tld) < 2 || len(tld) > 24 {
		return 0, 0, "", false
	}
	for k := 0; k < len(tld); k++ {
		if !('a' <= tld[k]|0x20 && tld[k]|0x20 <= 'z') {
			return 0, 0, "", false
		}
	}
	return end, labels, tld, lower
}

// pathEnd returns the end of a link's rest at s[i]: up to a space, a quote
// or angle bracket, or any punctuation or symbol outside ASCII ("。", "…",
// an emoji). Letters of any script go on, for links to pages named in them.
func pathEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '"' || c == '<' || c == '>' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) {
			return i
		}
		i += n
	}
	return i
}
