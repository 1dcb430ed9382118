package mastodon

import (
	"bytes"
	"testing"

	"github.com/geostream/geostream/shared/tweet"
)

// FuzzEvent: no streaming message crashes the source; one it serves is one
// line, a Status the decoder reads back as a tweet.
func FuzzEvent(f *testing.F) {
	for _, st := range posts(1, 2) {
		f.Add(frame("public", "update", st))
	}
	f.Add(frame("public", "delete", []byte("1")))
	f.Add([]byte(`{"error":"x","status":500}`))
	f.Add([]byte(`{"event":"update","payload":{"id":"7","content":"<p>x</p>","account":{}}}`))
	f.Add([]byte(`{"event":"update","payload":[1,2]}`))
	s, err := New(Options{Instance: "https://social.example", Token: token, Stream: "public"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, ok, _ := s.event(data)
		if !ok {
			return
		}
		var d tweet.Decoder
		if tw, err := d.Decode(l.Data); err != nil || tw.Kind != tweet.KindTweet || l.Tweet == nil || bytes.IndexByte(l.Data, '\n') >= 0 {
			t.Fatalf("served %q: decodes to %+v, %v", l.Data, tw, err)
		}
	})
}

// FuzzPage: no timeline answer crashes the parser; what it keeps is within
// the line limit and is a JSON value the decoder can be given.
func FuzzPage(f *testing.F) {
	f.Add([]byte("[" + string(bytes.Join(posts(1, 3), []byte(","))) + "]"))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"error":"busy"}`))
	f.Add([]byte(`[1,"x",null,{"id":5}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, tooLong, err := parsePage(b, 512)
		if err != nil && (len(out) > 0 || tooLong > 0) {
			t.Fatalf("an error with statuses: %v", err)
		}
		for _, m := range out {
			if len(m.st) > 512 {
				t.Fatalf("kept %d bytes over the limit", len(m.st))
			}
			var d tweet.Decoder
			d.Decode(m.st) // must not panic
		}
	})
}
