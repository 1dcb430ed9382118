// Package text turns the text of a post into the words geostream clusters
// and labels by. [Tokenize] reads text from anywhere: every script, links
// with or without a scheme, handles, hashtags, and the stop words of twenty
// languages (see README.md for the data and what was measured).
// [TokenizePost] also takes the links, mentions and tags a source marked.
// [TokenizeSeed] keeps the original tool's ASCII rules, for the seed profile.
package text
