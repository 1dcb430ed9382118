package bluesky

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/klauspost/compress/zstd"

	"github.com/geostream/geostream/scraper/internal/source/bluesky/profile"
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

// BenchmarkProfiles measures what adding profiles costs a post read from a
// local fake Jetstream, against a local fake AppView that answers at once:
// off, with every author in the cache (warm), and with every post by a new
// author (cold: a lookup for each, 25 a call, at no rate limit). It
// reports the share of posts served with a profile.
func BenchmarkProfiles(b *testing.B) {
	const warmAuthors = 1000
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	post := func(dst []byte, i, author int) []byte {
		dst = benchPost(dst, i, t0+int64(i))
		at := bytes.Index(dst, []byte("did:plc:bench"))
		copy(dst[at:], fmt.Sprintf("did:plc:%024d", author)) // as long as the DID it replaces
		return dst
	}
	appView := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ps []string
		for _, did := range r.URL.Query()["actors"] {
			ps = append(ps, fmt.Sprintf(`{"did":%q,"handle":"someone.bsky.social","displayName":"Some One 📍 Porto",`+
				`"description":"Photographer and cyclist. Coffee, trains and maps. Views my own; she/her.",`+
				`"avatar":"https://cdn.example/avatar.jpg","followersCount":123,"followsCount":45,"postsCount":678,"labels":[]}`, did))
		}
		fmt.Fprintf(w, `{"profiles":[%s]}`, strings.Join(ps, ","))
	}))
	defer appView.Close()
	for _, mode := range []string{"off", "warm", "cold"} {
		b.Run(mode, func(b *testing.B) {
			n := b.N
			author := func(i int) int {
				if mode == "cold" {
					return i
				}
				return i % warmAuthors
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
					buf = post(buf[:0], i, author(i))
					if c.Write(ctx, websocket.MessageText, buf) != nil {
						return
					}
				}
				<-ctx.Done()
			}))
			defer srv.Close()
			opts := Options{URL: "ws" + strings.TrimPrefix(srv.URL, "http")}
			if mode != "off" {
				opts.Profiles = &profile.Options{URL: appView.URL, Rate: 1e6, Linger: time.Millisecond}
			}
			s, err := New(opts)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if mode == "warm" { // every author looked up, a few batches at a time
				s.profiles.Start()
				for i := 0; i < warmAuthors; i += 100 {
					var ts []*profile.Ticket
					for j := i; j < i+100; j++ {
						ts = append(ts, s.profiles.Ask(fmt.Sprintf("did:plc:%024d", j)))
					}
					for _, tk := range ts {
						tk.Wait(ctx)
					}
				}
				s.profiles.Close()
				if st := s.Stats().Profiles; st.CacheLen != warmAuthors {
					b.Fatalf("warmed %d authors: %+v", st.CacheLen, st)
				}
			}
			before := s.Stats().Profiles
			b.ReportAllocs()
			b.ResetTimer()
			for range n {
				if _, err := s.Next(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
			if mode != "off" {
				p := s.Stats().Profiles
				b.ReportMetric(float64(p.LookedUp+p.Cached-before.LookedUp-before.Cached)/float64(n), "with-profile")
			}
		})
	}
}
