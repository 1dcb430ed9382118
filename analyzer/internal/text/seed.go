package text

import "strings"

// TokenizeSeed appends the words of s to dst by the original tool's rules and
// returns it: ASCII only, URLs with a scheme removed, punctuation to spaces,
// lower case, English stop words (plus get, amp, rt, re) dropped, words of at
// least two letters; hashtags and mentions are kept as words, with their # and
// @. It is the tokenizer of the seed profile. The words are substrings of one
// new string, so a tweet costs one allocation.
func TokenizeSeed(dst []string, s string) []string {
	buf := make([]byte, 0, len(s))
	prevSpace := true
	for i := 0; i < len(s); {
		c := s[i]
		if c == 'h' && isURLAt(s, i) && prevSpace {
			for i < len(s) && !isSpace(s[i]) {
				i++
			}
			continue
		}
		i++
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '#' || c == '@') && prevSpace:
			// A sigil starts a hashtag or mention; elsewhere it is punctuation.
		case c == '\'':
			continue // don't -> dont, as the stop list spells it
		default:
			c = ' ' // punctuation, spaces, control bytes and non-ASCII bytes
		}
		if c == ' ' {
			if !prevSpace {
				buf = append(buf, ' ')
			}
			prevSpace = true
			continue
		}
		buf = append(buf, c)
		prevSpace = false
	}
	clean := string(buf)
	for len(clean) > 0 {
		var w string
		w, clean, _ = strings.Cut(clean, " ")
		if seedKeep(w) {
			dst = append(dst, w)
		}
	}
	return dst
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isURLAt(s string, i int) bool {
	rest := s[i:]
	return strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://")
}

// seedKeep reports whether w is a word worth keeping by the original rules.
func seedKeep(w string) bool {
	core := strings.TrimLeft(w, "#@")
	if len(core) < 2 || (len(core) != len(w) && len(w)-len(core) > 1) {
		return false // too short, or "##x"
	}
	if core == w {
		if _, stop := seedStopWords[w]; stop {
			return false
		}
		if allDigits(w) {
			return false
		}
	}
	return true
}

func allDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// isSeedStopWord reports whether w (lower case) is on the original stop list.
func isSeedStopWord(w string) bool {
	_, ok := seedStopWords[w]
	return ok
}

var seedStopWords = func() map[string]struct{} {
	m := make(map[string]struct{})
	for _, w := range strings.Fields(seedStopList) {
		m[w] = struct{}{}
	}
	return m
}()

// seedStopList is a common English stop word list (with apostrophes removed)
// plus the original tool's additions: get, amp, rt, re.
const seedStopList = `
a about above after again against ain all am an and any are aren arent as at be because been
before being below between both but by can couldn couldnt d did didn didnt do does doesn doesnt
doing don dont down during each few for from further had hadn hadnt has hasn hasnt have haven
havent having he her here hers herself him himself his how i if in into is isn isnt it its itself
just ll m ma me mightn mightnt more most mustn mustnt my myself needn neednt no nor not now o of
off on once only or other our ours ourselves out over own re s same shan shant she shes should
shouldve shouldn shouldnt so some such t than that thatll the their theirs them themselves then
there these they this those through to too under until up ve very was wasn wasnt we were weren
werent what when where which while who whom why will with won wont wouldn wouldnt y you youd youll
youre youve your yours yourself yourselves im ive id hes theyre thats whats lets u ur
get amp rt re
`
