// Package tweet holds geostream's tweet model and the decoders that turn one
// input line — an X API v2 stream envelope, a v1.1 status, a compact record,
// a Bluesky Jetstream event, a Mastodon Status or a stream notice — into a
// Tweet.
//
// Decoding never panics and never fails silently: a line that is not a tweet
// comes back with Kind set to KindNotice or KindMalformed, so callers can count
// it instead of clustering it.
package tweet
