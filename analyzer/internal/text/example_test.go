package text_test

import (
	"fmt"

	"github.com/geostream/geostream/analyzer/internal/text"
	"github.com/geostream/geostream/shared/tweet"
)

func ExampleTokenize() {
	fmt.Println(text.Tokenize(nil, "Schnee in München! l'hiver arrive à Québec #winter @alice.bsky.social bsky.app/profile/x"))
	fmt.Println(text.Tokenize(nil, "東京で地震がありました"))
	fmt.Println(text.Tokenize(nil, "서울에서 날씨"))
	// Output:
	// [schnee münchen hiver arrive québec #winter @alice.bsky.social]
	// [東京 地震]
	// [서울 날씨]
}

func ExampleTokenizePost() {
	s := "new post by @bob.example: example.org/a"
	ents := []tweet.Entity{
		{Kind: tweet.EntityMention, Start: 12, End: 24, Value: "did:plc:bob"},
		{Kind: tweet.EntityLink, Start: 26, End: 39, Value: "https://example.org/a"},
	}
	fmt.Println(text.TokenizePost(nil, s, ents))
	// Output:
	// [post @bob.example]
}

func ExampleTokenizeSeed() {
	fmt.Println(text.TokenizeSeed(nil, "Schnee in München! #winter @alice_b"))
	// Output:
	// [schnee nchen #winter @alice]
}
