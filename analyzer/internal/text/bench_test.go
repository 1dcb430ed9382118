package text

import (
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

// Posts of our own, in the shapes the networks send.
var benchPosts = []struct{ name, text string }{
	{"english", "Halftime show was unreal tonight #SuperBowl the crowd here in New Orleans is going wild https://t.co/AbCdEf1234"},
	{"japanese", "東京は今日も朝から雨で、駅前の桜がすっかり散ってしまった。週末の花見は延期かな #東京 https://t.co/AbCdEf1234"},
	{"mixed", "Reading @alice.bsky.social on the new transit map: nytimes.com/2024/05/01/nyregion/… Très bien fait, München next? 서울에서도"},
}

// BenchmarkTokenize runs the seed tokenizer and the new one side by side on
// each post.
func BenchmarkTokenize(b *testing.B) {
	japaneseSegmenter() // load the dictionary outside the timings
	for _, p := range benchPosts {
		for _, tok := range []struct {
			name string
			f    func([]string, string) []string
		}{{"seed", TokenizeSeed}, {"new", Tokenize}} {
			b.Run(p.name+"/"+tok.name, func(b *testing.B) {
				var dst []string
				b.SetBytes(int64(len(p.text)))
				b.ReportAllocs()
				for b.Loop() {
					dst = tok.f(dst[:0], p.text)
				}
			})
		}
	}
}

func BenchmarkTokenizePost(b *testing.B) {
	s := "Reading @alice.bsky.social on the new transit map: nytimes.com/2024/05/01/nyregion/… #transit"
	ents := []tweet.Entity{
		{Kind: tweet.EntityMention, Start: 8, End: 27},
		{Kind: tweet.EntityLink, Start: 50, End: 84},
		{Kind: tweet.EntityTag, Start: 85, End: 93},
	}
	var dst []string
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		dst = TokenizePost(dst[:0], s, ents)
	}
}
