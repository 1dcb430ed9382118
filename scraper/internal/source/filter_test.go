package source

import (
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name         string
		langs, track []string
		lang, text   string
		want         bool
	}{
		{"no filter keeps all", nil, nil, "", "", true},
		{"language", []string{"en"}, nil, "en", "x", true},
		{"another language", []string{"en"}, nil, "fr", "x", false},
		{"no language given", []string{"en"}, nil, "", "x", false},
		{"primary subtag keeps regional forms", []string{"pt"}, nil, "pt-BR", "x", true},
		{"not a prefix of another code", []string{"p"}, nil, "pt", "x", false},
		{"language case", []string{"EN"}, nil, "en-us", "x", true},
		{"a word", nil, []string{"storm"}, "", "A Storm is coming", true},
		{"not inside a word", nil, []string{"storm"}, "", "brainstorming", false},
		{"a word matches its hashtag", nil, []string{"storm"}, "", "look #storm!", true},
		{"a hashtag only matches a hashtag", nil, []string{"#storm"}, "", "storm coming", false},
		{"a hashtag", nil, []string{"#Storm"}, "", "wow #storm", true},
		{"a phrase needs all its words, any order", nil, []string{"big data"}, "", "data is big", true},
		{"a phrase missing a word", nil, []string{"big data"}, "", "big news", false},
		{"any phrase", nil, []string{"rain", "snow"}, "", "snow day", true},
		{"unicode words", nil, []string{"são"}, "", "em São Paulo", true},
		{"unspaced script matches inside text", nil, []string{"東京"}, "", "東京は今日も雨", true},
		{"both sides", []string{"en"}, []string{"snow"}, "de", "snow", false},
		{"empty terms are ignored", nil, []string{" ", ""}, "", "anything", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFilter(tc.langs, tc.track)
			tw := tweet.Tweet{Lang: tc.lang, Text: tc.text}
			if got := f.Keep(&tw); got != tc.want {
				t.Errorf("Keep = %v, want %v", got, tc.want)
			}
		})
	}
	if f := NewFilter(nil, []string{" "}); f.Active() {
		t.Error("a filter of blanks is active")
	}
}
