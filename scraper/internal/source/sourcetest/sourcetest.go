// Package sourcetest reads a live source under test.
package sourcetest

import (
	"context"
	"testing"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/tweet"
)

// Source is what Collect reads: a source and its counters.
type Source[S any] interface {
	Next(ctx context.Context) (source.Line, error)
	Stats() S
}

// Collect reads n lines from s, each with its decoded tweet, failing the
// test (with s's counters) on an error, on a line without its tweet, or
// after 20 s.
func Collect[S any](t testing.TB, s Source[S], n int) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out [][]byte
	for len(out) < n {
		l, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after %d lines: %v (stats %+v)", len(out), err, s.Stats())
		}
		if l.Tweet == nil || l.Tweet.Kind != tweet.KindTweet {
			t.Fatalf("line without its decoded tweet: %s", l.Data)
		}
		out = append(out, l.Data)
	}
	return out
}
