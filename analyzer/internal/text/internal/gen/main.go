// Command gen writes the tokenizer's stop word file from stopwords-iso's JSON
// (see scripts/fetch-stopwords.sh, which fetches it and runs this):
//
//	go run ./internal/text/internal/gen -src stopwords-iso.json -version 1.1.0 -out internal/text/stopwords.txt
//
// It keeps the languages of [text.Languages], folds every word with
// [text.Fold], drops what the tokenizer can never produce (entries with
// spaces, apostrophes, digits or punctuation, single letters of alphabetic
// scripts) and the content words of words.go, and writes one line a language,
// then the line of stop words that are also English content words.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/geostream/geostream/analyzer/internal/text"
)

func main() {
	src := flag.String("src", "", "stopwords-iso.json")
	version := flag.String("version", "", "stopwords-iso version, for the header")
	out := flag.String("out", "stopwords.txt", "output file")
	flag.Parse()
	if err := run(*src, *version, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(src, version, out string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("reading the lists: %w", err)
	}
	var lists map[string][]string
	if err := json.Unmarshal(b, &lists); err != nil {
		return fmt.Errorf("decoding %s: %w", src, err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# Stop words for package text: stopwords-iso %s (MIT, see LICENSE.stopwords-iso),\n", version)
	sb.WriteString("# written by scripts/fetch-stopwords.sh; do not edit. One line a language: its code and\n")
	sb.WriteString("# its words as the tokenizer folds them, less the content words of internal/gen/words.go.\n")
	sb.WriteString("# The line \"en+\" lists stop words of other languages that are English content words:\n")
	sb.WriteString("# a post keeps them unless its other stop words say it is in that other language.\n")
	all := map[string]bool{}
	for _, lang := range text.Languages {
		words, ok := lists[lang]
		if !ok {
			return fmt.Errorf("stopwords-iso has no list for %q", lang)
		}
		kept := map[string]bool{}
		for _, w := range words {
			f := text.Fold(strings.TrimSpace(w))
			// The tokenizer joins the parts of a word that stays whole
			// ("aujourd'hui"), so a list entry counts joined too.
			f = strings.NewReplacer("'", "", "’", "", "ʼ", "").Replace(f)
			if !word(f) || contentWords[f] || lang == "en" && englishContent[f] {
				continue
			}
			if lang == "en" && utf8.RuneCountInString(f) == 2 && !englishTwoLetter[f] {
				continue
			}
			kept[f] = true
			all[f] = true
		}
		if lang == "en" {
			// The original tool's own list, so that English loses none of them.
			for _, w := range strings.Fields(seedEnglish) {
				kept[w] = true
				all[w] = true
			}
		}
		sorted := sortedKeys(kept)
		fmt.Fprintf(&sb, "%s %s\n", lang, strings.Join(sorted, " "))
	}
	var en []string
	for w := range englishContent {
		if !all[w] {
			return fmt.Errorf("the English content word %q is no stop word of any list", w)
		}
		en = append(en, w)
	}
	slices.Sort(en)
	fmt.Fprintf(&sb, "en+ %s\n", strings.Join(en, " "))
	for w := range contentWords {
		if text.Fold(w) != w {
			return fmt.Errorf("content word %q is not folded", w)
		}
	}
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("creating %s: %w", out, err)
	}
	w := bufio.NewWriter(f)
	_, err = w.WriteString(sb.String())
	return errors.Join(err, w.Flush(), f.Close())
}

// word reports whether the tokenizer can produce w as a word: letters and
// marks only, and more than one letter unless it is a Han or kana character
// (which stand alone as words).
func word(w string) bool {
	if w == "" {
		return false
	}
	letters := 0
	for _, r := range w {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsMark(r):
		default:
			return false
		}
	}
	if letters >= 2 {
		return true
	}
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
