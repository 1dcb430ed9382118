package text

import "strings"

// DefaultInternSpan is how many words an Interner interns before it
// starts a new generation, when Interner.Span is 0.
const DefaultInternSpan = 1 << 20

// Interner gives every occurrence of a word the same string, so that a
// window of posts holds the bytes of each word once rather than once a
// post (the words Tokenize returns share one new string a post). It
// remembers the words of its last two generations, each of Span words
// interned, so that its memory stays bounded however long the stream and
// however many words it has. The zero value is ready to use; it is not
// safe for concurrent use.
type Interner struct {
	// Span is how many words a generation lasts; 0 means
	// DefaultInternSpan.
	Span int

	cur, old map[string]string
	n        int // words interned in this generation
}

// Intern replaces each word of ws with the interner's string for it. A
// word it has not seen is copied first, so that the interner never keeps
// a longer string alive for a part of it.
func (in *Interner) Intern(ws []string) {
	for i, w := range ws {
		s, ok := in.cur[w]
		if !ok {
			if s, ok = in.old[w]; !ok {
				s = strings.Clone(w)
			}
			if in.cur == nil {
				in.cur = map[string]string{}
			}
			in.cur[s] = s
		}
		ws[i] = s
		if in.n++; in.n >= in.span() {
			in.old, in.cur, in.n = in.cur, make(map[string]string, len(in.cur)), 0
		}
	}
}

// Len is how many words the interner holds.
func (in *Interner) Len() int { return len(in.cur) + len(in.old) }

func (in *Interner) span() int {
	if in.Span > 0 {
		return in.Span
	}
	return DefaultInternSpan
}
