package bluesky

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/klauspost/compress/zstd"
)

// benchPost appends a post event of about 900 bytes, the size of a typical
// Jetstream post with a facet, numbered i.
func benchPost(dst []byte, i int, timeUS int64) []byte {
	return fmt.Appendf(dst, `{"did":"did:plc:bench%019d","time_us":%d,"kind":"commit","commit":{"rev":"3lrev%08d",`+
		`"operation":"create","collection":"app.bsky.feed.post","rkey":"3lkey%08d","record":{"$type":"app.bsky.feed.post",`+
		`"createdAt":"2026-01-01T00:00:00.000Z","langs":["en"],"text":"Post %d: the snow keeps falling over the lake `+
		`and the trains are running late again, but the city looks beautiful tonight #snow #winter",`+
		`"facets":[{"$type":"app.bsky.richtext.facet","index":{"byteStart":110,"byteEnd":115},`+
		`"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"snow"}]},{"$type":"app.bsky.richtext.facet",`+
		`"index":{"byteStart":116,"byteEnd":123},"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"winter"}]}]},`+
		`"cid":"bafyreibenchbenchbenchbenchbenchbenchbenchbenchbench%08d"}}`, i%5000, timeUS, i, i, i, i)
}

// BenchmarkReader reads posts from a local fake Jetstream that writes them
// as fast as it can, as plain text and as zstd frames (compressed before
// the timer starts: compressing with a dictionary costs far more than
// decompressing).
func BenchmarkReader(b *testing.B) {
	for _, compress := range []bool{false, true} {
		name := "text"
		if compress {
			name = "zstd"
		}
		b.Run(name, func(b *testing.B) {
			var d []byte
			var enc *zstd.Encoder
			if compress {
				if d = EmbeddedDictionary(); d == nil {
					b.Skip("built without Jetstream's dictionary")
				}
				var err error
				enc, err = zstd.NewWriter(nil, zstd.WithEncoderDict(d), zstd.WithWindowSize(1<<17), zstd.WithEncoderConcurrency(1))
				if err != nil {
					b.Fatal(err)
				}
				defer enc.Close()
			}
			n := b.N
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
			var frames [][]byte
			if enc != nil {
				frames = make([][]byte, n)
				for i := range frames {
					frames[i] = enc.EncodeAll(benchPost(nil, i, t0+int64(i)), nil)
				}
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := websocket.Accept(w, r, nil)
				if err != nil {
					return
				}
				defer c.CloseNow()
				ctx := c.CloseRead(r.Context())
				var buf []byte
				for i := range n {
					typ, data := websocket.MessageBinary, []byte(nil)
					if frames != nil {
						data = frames[i]
					} else {
						buf = benchPost(buf[:0], i, t0+int64(i))
						typ, data = websocket.MessageText, buf
					}
					if c.Write(ctx, typ, data) != nil {
						return
					}
				}
				<-ctx.Done()
			}))
			defer srv.Close()
			s, err := New(Options{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Compress: compress, Dictionary: d})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			var bytes int64
			b.ReportAllocs()
			b.ResetTimer()
			for range n {
				l, err := s.Next(ctx)
				if err != nil {
					b.Fatal(err)
				}
				bytes += int64(len(l.Data))
			}
			b.StopTimer()
			b.SetBytes(bytes / int64(n))
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
