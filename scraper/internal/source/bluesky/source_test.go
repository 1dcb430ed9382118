package bluesky

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/dict"
	"github.com/klauspost/compress/zstd"
	"go.uber.org/goleak"

	"github.com/geostream/geostream/scraper/internal/source/sourcetest"
	"github.com/geostream/geostream/scraper/internal/source/wsfeed"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newSource returns a Source on url with test timings, closed at the end.
func newSource(t *testing.T, url string, o Options) (*Source, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	o.URL = url
	if o.Feed.Sleep == nil {
		o.Feed.Sleep = sl.sleep
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, sl
}

// collect reads n lines from s, failing after 20 s.
func collect(t *testing.T, s *Source, n int) [][]byte {
	t.Helper()
	return sourcetest.Collect(t, s, n)
}

// TestServesPostsSkipsTheRest: each new post is served as Jetstream sent
// it; identity, account, delete, update and other collections are skipped
// and counted, and so are hostile messages, without ending the stream.
func TestServesPostsSkipsTheRest(t *testing.T) {
	fx := fixture(t)
	hostile := []string{
		`not json`,
		`[1,2,3]`,
		`{"did":5,"kind":"commit"}`,
		`{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":42}}}`,
		`{"did":"d","kind":"commit","commit":"nope"}`,
		"\x00\xff\xfe",
		`{"did":"d","kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":"` +
			strings.Repeat("x", 2000) + `"}}}`, // over MaxLine below
	}
	var evs []event
	for i, l := range fx {
		evs = append(evs, event{timeUS: int64(i + 1), data: l})
		if i < len(hostile) {
			evs = append(evs, event{timeUS: int64(i + 1), data: []byte(hostile[i])})
		}
	}
	pretty := []byte("{\n  \"did\": \"did:plc:pretty\", \"time_us\": 99, \"kind\": \"commit\",\n  \"commit\": {\"operation\": \"create\", \"collection\": \"app.bsky.feed.post\"," +
		" \"rkey\": \"k\", \"record\": {\"text\": \"line\\nbreak\", \"createdAt\": \"2026-01-01T00:00:00Z\"}}\n}")
	evs = append(evs, event{timeUS: 99, data: pretty})
	f := &fakeJetstream{events: evs}
	s, _ := newSource(t, f.start(t), Options{MaxLine: 1500})
	got := collect(t, s, 5)
	for i, want := range [][]byte{fx[0], fx[1], fx[2], fx[3]} {
		if !bytes.Equal(got[i], want) {
			t.Errorf("line %d changed:\n got  %s\n want %s", i, got[i], want)
		}
	}
	if bytes.ContainsAny(got[4], "\r\n") || !bytes.Contains(got[4], []byte(`"line\nbreak"`)) {
		t.Errorf("a multi-line event is not one line: %q", got[4])
	}
	st := s.Stats()
	want := Stats{Posts: 5, Identity: 1, Account: 1, Deletes: 1, Updates: 1, OtherCollections: 1, Malformed: 6, TooLong: 1, Connections: 1}
	if st != want {
		t.Errorf("stats\n got  %+v\n want %+v", st, want)
	}
	q := f.query(0)
	if q.Get("wantedCollections") != "app.bsky.feed.post" || q.Has("cursor") || q.Has("compress") {
		t.Errorf("first handshake asked %v", q)
	}
}

// TestResumeByCursor: a connection cut twice resumes from a cursor a few
// seconds before the last event seen; what is sent again is dropped, so
// every post arrives once, in order.
func TestResumeByCursor(t *testing.T) {
	evs := posts(1000, 10*time.Millisecond) // ten seconds of posts
	f := &fakeJetstream{events: evs, cuts: []int{300, 700}}
	s, sl := newSource(t, f.start(t), Options{})
	got := collect(t, s, len(evs))
	for i, l := range got {
		if !bytes.Equal(l, evs[i].data) {
			t.Fatalf("post %d is %s, want %s", i, l, evs[i].data)
		}
	}
	st := s.Stats()
	// The first resume rewinds 5 s from post 299, to post 0: 300 sent
	// again; the second from post 699 to post 199: 501 sent again.
	if st.Posts != 1000 || st.Duplicates != 300+501 || st.Resumes != 2 || st.Connections != 3 {
		t.Errorf("stats %+v", st)
	}
	for i, last := range []int{299, 699} {
		want := fmt.Sprint(evs[last].timeUS - DefaultRewind.Microseconds())
		if c := f.query(i + 1).Get("cursor"); c != want {
			t.Errorf("resume %d from cursor %s, want %s (post %d minus %v)", i+1, c, want, last, DefaultRewind)
		}
	}
	w := sl.get()
	if len(w) != 2 {
		t.Fatalf("waits %v, want one per cut", w)
	}
	for _, d := range w {
		if d < wsfeed.BackoffFirst || float64(d) >= float64(wsfeed.BackoffFirst)*(1+wsfeed.Jitter) {
			t.Errorf("waits %v: each cut after data should wait the first step again", w)
		}
	}
}

// TestBackoff: failed attempts wait 250 ms doubling up to 30 s, lengthened
// by a jitter below a fifth; a request Jetstream rejects (400) ends the
// source with a clear error.
func TestBackoff(t *testing.T) {
	refuse := make([]int, 10)
	for i := range refuse {
		refuse[i] = 503
	}
	f := &fakeJetstream{events: posts(3, time.Millisecond), refuse: refuse}
	s, sl := newSource(t, f.start(t), Options{})
	collect(t, s, 3)
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second}
	got := sl.get()
	if len(got) != len(want) {
		t.Fatalf("waits %v, want %d of them", got, len(want))
	}
	for i := range want {
		if got[i] < want[i] || float64(got[i]) >= float64(want[i])*(1+wsfeed.Jitter) {
			t.Errorf("wait %d is %v, want %v plus under %.0f%%", i, got[i], want[i], 100*wsfeed.Jitter)
		}
	}

	bad := &fakeJetstream{refuse: []int{400}}
	s2, _ := newSource(t, bad.start(t), Options{})
	if _, err := s2.Next(context.Background()); !errors.Is(err, wsfeed.ErrRejected) || !strings.Contains(err.Error(), "not now") {
		t.Fatalf("a rejected request gave %v", err)
	}
}

// testDict trains a zstd dictionary on Jetstream-shaped events, as
// Jetstream trained its own.
func testDict(t *testing.T) []byte {
	var samples [][]byte
	for _, e := range posts(200, time.Millisecond) {
		samples = append(samples, e.data)
	}
	samples = append(samples, fixture(t)...)
	d, err := dict.BuildZstdDict(samples, dict.Options{MaxDictSize: 16 << 10, HashBytes: 6, ZstdDictID: 4242})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestZstdFrames: with Compress, the source asks for compression and
// decodes binary messages with the dictionary; frames that do not decode,
// or decode to more than MaxLine, are counted and skipped.
func TestZstdFrames(t *testing.T) {
	dicts := map[string][]byte{"a dictionary trained here": testDict(t)}
	if d := EmbeddedDictionary(); d != nil {
		dicts["Jetstream's dictionary"] = d
	}
	for name, d := range dicts {
		t.Run(name, func(t *testing.T) {
			enc, err := zstd.NewWriter(nil, zstd.WithEncoderDict(d), zstd.WithWindowSize(1<<17), zstd.WithEncoderConcurrency(1))
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			evs := posts(50, time.Millisecond)
			plain := map[int][]byte{}
			for i := range evs {
				plain[i] = evs[i].data
			}
			bomb := fmt.Appendf(nil, `{"did":"d","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":%q}}}`,
				strings.Repeat("a", 1<<20))
			hostile := []event{{timeUS: 1, data: []byte("definitely not zstd"), raw: true}, {timeUS: 1, data: bomb}}
			f := &fakeJetstream{events: append(hostile, evs...), enc: enc}
			s, _ := newSource(t, f.start(t), Options{Compress: true, Dictionary: d, MaxLine: 64 << 10})
			got := collect(t, s, len(evs))
			for i, l := range got {
				if !bytes.Equal(l, plain[i]) {
					t.Fatalf("post %d: %s", i, l)
				}
			}
			if q := f.query(0); q.Get("compress") != "true" {
				t.Errorf("handshake %v does not ask for compression", q)
			}
			if st := s.Stats(); st.Malformed != 1 || st.TooLong != 1 {
				t.Errorf("stats %+v: want the garbage frame malformed and the bomb too long", st)
			}
		})
	}
	if err := (&Options{Compress: true}).Validate(); err == nil {
		t.Error("Compress without a dictionary was accepted")
	}
	if err := (&Options{Compress: true, Dictionary: []byte("not a dictionary")}).Validate(); err == nil {
		t.Error("Compress with junk for a dictionary was accepted")
	}
}

// TestWrongDictionary: frames made with another dictionary than the one
// given end the source with an error that says so, rather than counting
// every post as malformed for ever.
func TestWrongDictionary(t *testing.T) {
	theirs := testDict(t)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderDict(theirs), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var samples [][]byte
	for _, e := range posts(40, time.Second) {
		samples = append(samples, append([]byte("other "), e.data...))
	}
	ours, err := dict.BuildZstdDict(samples, dict.Options{MaxDictSize: 8 << 10, HashBytes: 6, ZstdDictID: 7})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeJetstream{events: posts(50, time.Millisecond), enc: enc}
	s, _ := newSource(t, f.start(t), Options{Compress: true, Dictionary: ours})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := s.Next(ctx); !errors.Is(err, ErrWrongDictionary) || !strings.Contains(err.Error(), "--zstd-dict") {
		t.Fatalf("Next: %v (stats %+v)", err, s.Stats())
	}
}

// TestEmbeddedDictionary: the dictionary built in, when there is one, is
// Jetstream's.
func TestEmbeddedDictionary(t *testing.T) {
	d := EmbeddedDictionary()
	if d == nil {
		t.Skip("built without Jetstream's dictionary (see dict/README.md)")
	}
	if id, err := CheckDictionary(d); err != nil || id != DictionaryID || len(d) != 112640 {
		t.Fatalf("embedded dictionary: id %d, %d bytes, %v", id, len(d), err)
	}
}

// TestLangAndTrack: --lang and --track filter here; what they drop is
// counted.
func TestLangAndTrack(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	evs := []event{post(0, t0, "Snow in Chicago"), post(1, t0+1, "rain in Paris"), post(2, t0+2, "#snow day")}
	evs = append(evs, event{timeUS: t0 + 3, data: bytes.Replace(post(3, t0+3, "snow en français").data, []byte(`["en"]`), []byte(`["fr"]`), 1)})
	f := &fakeJetstream{events: evs}
	s, _ := newSource(t, f.start(t), Options{Langs: []string{"en"}, Track: []string{"snow"}})
	got := collect(t, s, 2)
	if !bytes.Equal(got[0], evs[0].data) || !bytes.Equal(got[1], evs[2].data) {
		t.Fatalf("kept %s", got)
	}
	// The fourth is dropped once read: ask for it with a short deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if l, err := s.Next(ctx); err == nil {
		t.Fatalf("a French post passed --lang en: %s", l.Data)
	}
	if st := s.Stats(); st.Filtered != 2 {
		t.Errorf("filtered %d, want 2", st.Filtered)
	}
}

// TestSlowReader: a reader that stops reading is dropped by the server, as
// Jetstream drops slow consumers; it resumes by cursor and loses nothing.
func TestSlowReader(t *testing.T) {
	big := strings.Repeat("words ", 10000) // 60 KB posts
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	var evs []event
	for i := range 600 { // 36 MB: more than the socket buffers hold
		evs = append(evs, post(i, t0+int64(i)*1000, fmt.Sprint(i, big)))
	}
	f := &fakeJetstream{events: evs, writeTimeout: 100 * time.Millisecond, dropped: make(chan struct{}, 1)}
	s, _ := newSource(t, f.start(t), Options{})
	got := collect(t, s, 10)
	select { // the reader pauses until the server gives up on it
	case <-f.dropped:
	case <-time.After(20 * time.Second):
		t.Fatal("the server never dropped the paused reader")
	}
	got = append(got, collect(t, s, len(evs)-10)...)
	for i := range got {
		if !bytes.Equal(got[i], evs[i].data) {
			t.Fatalf("post %d out of place", i)
		}
	}
	if st := s.Stats(); st.Resumes < 1 || st.Posts != int64(len(evs)) {
		t.Errorf("stats %+v", st)
	}
}

// TestStallReconnects: a connection that goes silent, answering no ping,
// is dropped after Stall and resumed.
func TestStallReconnects(t *testing.T) {
	evs := posts(20, time.Millisecond)
	f := &fakeJetstream{events: evs[:10], silent: true}
	url := f.start(t)
	s, _ := newSource(t, url, Options{Feed: wsfeed.Options{Ping: 20 * time.Millisecond, Stall: 200 * time.Millisecond}})
	collect(t, s, 10)
	f.set(evs, false)
	got := collect(t, s, 10)
	if !bytes.Equal(got[0], evs[10].data) || s.Stats().Stalls != 1 {
		t.Fatalf("after the stall: first %s, stats %+v", got[0], s.Stats())
	}
}

// TestResumeIgnoresAClockFarAhead: an event stamped far past this
// machine's clock (a relay's bug) does not move the resume cursor there,
// and a resume is counted once however many attempts it takes.
func TestResumeIgnoresAClockFarAhead(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	future := time.Now().Add(24 * time.Hour).UnixMicro()
	evs := []event{post(0, t0, "first"), post(1, future, "from the future"), post(2, t0+2000, "third"), post(3, t0+3000, "after the cut")}
	f := &fakeJetstream{events: evs, cuts: []int{3}}
	s, _ := newSource(t, f.start(t), Options{})
	collect(t, s, 4)
	want := fmt.Sprint(t0 + 2000 - DefaultRewind.Microseconds())
	if c := f.query(1).Get("cursor"); c != want {
		t.Fatalf("resumed from cursor %s, want %s (the last event before the one from the future)", c, want)
	}
	s.url()
	s.url() // attempts that failed: the same resume
	if st := s.Stats(); st.Resumes != 1 {
		t.Fatalf("stats %+v: one resume", st)
	}
}
