package mastodon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/geostream/geostream/scraper/internal/source/sourcetest"
	"github.com/geostream/geostream/scraper/internal/source/wsfeed"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const token = "mastodon-secret-token-123"

// frame wraps a Status as a streaming update event, as Mastodon's
// streaming documentation shows: the payload is the Status as a string.
func frame(stream, event string, payload []byte) []byte {
	m := map[string]any{"stream": []string{stream}, "event": event}
	if payload != nil {
		m["payload"] = string(payload)
	}
	b, _ := json.Marshal(m)
	return b
}

// fakeMastodon is an instance with a streaming API: /api/v2/instance says
// where streaming is, /api/v1/streaming checks the token and plays the
// frames of connection i from conns[i] (then stays open).
type fakeMastodon struct {
	conns     [][][]byte
	streaming string // what /api/v2/instance names; "" for a 404
	srv       *httptest.Server
	ctx       context.Context // ends with the test

	// timeline holds the statuses the REST timelines give, oldest first;
	// timelineStatus, if set, is their answer's status instead.
	timeline       [][]byte
	timelineStatus int
	ignoreMinID    bool // answer with the newest statuses, as if min_id were not given
	// limited answers that many timeline requests with 429 Too Many
	// Requests and these headers (Retry-After, X-RateLimit-Reset).
	limited      int
	limitHeaders http.Header

	mu        sync.Mutex
	queries   []url.Values
	auth      []string
	pages     []*url.URL // the timeline requests
	pagesAuth []string
}

func (f *fakeMastodon) start(t *testing.T) string {
	ctx, cancel := context.WithCancel(context.Background())
	f.ctx = ctx
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	t.Cleanup(cancel) // runs first
	return f.srv.URL
}

func (f *fakeMastodon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/api/v2/instance":
		if f.streaming == "" {
			http.NotFound(w, r)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"domain": "social.example",
			"configuration": map[string]any{"urls": map[string]any{"streaming": f.streaming}}})
		return
	case "/api/v1/streaming":
	default:
		if strings.HasPrefix(r.URL.Path, "/api/v1/timelines/") {
			f.servePage(w, r)
			return
		}
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	n := len(f.queries)
	f.queries = append(f.queries, r.URL.Query())
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+token {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Error: Invalid access token"}`))
		return
	}
	if !oneOf(r.URL.Query().Get("stream"), Streams...) {
		http.Error(w, `{"error":"Unknown stream type"}`, http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := c.CloseRead(f.ctx)
	if n < len(f.conns) {
		for _, fr := range f.conns[n] {
			if fr == nil {
				return // cut
			}
			if c.Write(ctx, websocket.MessageText, fr) != nil {
				return
			}
		}
	}
	<-ctx.Done()
}

// servePage answers a timeline request as Mastodon does: with min_id, the
// limit statuses just after it, newest first.
func (f *fakeMastodon) servePage(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.pages = append(f.pages, r.URL)
	f.pagesAuth = append(f.pagesAuth, r.Header.Get("Authorization"))
	limited := len(f.pages) <= f.limited
	f.mu.Unlock()
	if limited {
		for k, v := range f.limitHeaders {
			w.Header()[k] = v
		}
		http.Error(w, `{"error":"Too many requests"}`, http.StatusTooManyRequests)
		return
	}
	if f.timelineStatus != 0 {
		http.Error(w, `{"error":"busy"}`, f.timelineStatus)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	var after [][]byte
	for _, st := range f.timeline {
		var v struct{ ID string }
		json.Unmarshal(st, &v)
		if newer(v.ID, q.Get("min_id")) && len(after) < limit {
			after = append(after, st)
		}
	}
	if f.ignoreMinID {
		after = f.timeline[max(0, len(f.timeline)-limit):]
	}
	after = slices.Clone(after)
	slices.Reverse(after)
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte("[" + string(bytes.Join(after, []byte(","))) + "]"))
}

// post is a Status with local id n.
func post(n int) []byte {
	return []byte(fmt.Sprintf(`{"id":"%d","uri":"https://social.example/users/a/statuses/%d","created_at":"2026-01-01T00:00:%02d.000Z","content":"<p>post %d</p>","account":{"acct":"a"}}`,
		113000000000000000+n, n, n%60, n))
}

func posts(from, to int) [][]byte {
	var out [][]byte
	for n := from; n <= to; n++ {
		out = append(out, post(n))
	}
	return out
}

func updates(sts [][]byte) [][]byte {
	var out [][]byte
	for _, st := range sts {
		out = append(out, frame("public", "update", st))
	}
	return out
}

func (f *fakeMastodon) handshake(i int) (url.Values, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[i], f.auth[i]
}

func fixture(t *testing.T) [][]byte {
	b, err := os.ReadFile("../../../../testdata/lines/mastodon.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}

func newSource(t *testing.T, o Options) *Source {
	t.Helper()
	if o.Token == "" {
		o.Token = token
	}
	if o.Stream == "" {
		o.Stream = "public"
	}
	if o.Feed.Sleep == nil {
		o.Feed.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// collect reads n lines from s, failing after 20 s.
func collect(t *testing.T, s *Source, n int) [][]byte {
	t.Helper()
	return sourcetest.Collect(t, s, n)
}

// TestServesUpdates: each update's Status is served as one line, exactly
// as it was inside the event's string; other events and hostile messages
// are counted and skipped.
func TestServesUpdates(t *testing.T) {
	fx := fixture(t)
	var frames [][]byte
	for i, st := range fx {
		frames = append(frames, frame("public", "update", st))
		switch i {
		case 0:
			frames = append(frames, frame("public", "delete", []byte("106692867363994015")))
		case 1:
			frames = append(frames, frame("public", "status.update", st), frame("user", "filters_changed", nil))
		case 2:
			frames = append(frames, frame("public", "notification", []byte(`{"id":"1","type":"mention"}`)),
				[]byte(`{"error":"Something went wrong","status":500}`))
		case 3: // hostile
			frames = append(frames, []byte(`not json`), []byte(`["update"]`), []byte(`{"event":"update","payload":42}`),
				frame("public", "update", []byte(`{"id":"1","content":"half a status`)),
				frame("public", "update", []byte(`{"id":"1","content":5,"account":{}}`)),
				[]byte(`{"stream":["public"]}`),
				frame("public", "update", []byte(`{"id":"9","content":"`+strings.Repeat("x", 5000)+`","account":{}}`)))
		}
	}
	// Some servers send the payload as an object: taken too.
	frames = append(frames, []byte(`{"stream":["public"],"event":"update","payload":{"id":"7","uri":"https://x.example/7","content":"<p>as an object</p>","account":{"acct":"o"}}}`))
	f := &fakeMastodon{conns: [][][]byte{frames}}
	inst := f.start(t)
	s := newSource(t, Options{Instance: inst, MaxLine: 4096})
	got := collect(t, s, len(fx)+1)
	for i := range fx {
		if !bytes.Equal(got[i], fx[i]) {
			t.Errorf("status %d changed:\n got  %s\n want %s", i, got[i], fx[i])
		}
	}
	if want := `{"id":"7","uri":"https://x.example/7","content":"<p>as an object</p>","account":{"acct":"o"}}`; string(got[len(fx)]) != want {
		t.Errorf("object payload served as %s", got[len(fx)])
	}
	st := s.Stats()
	want := Stats{Statuses: int64(len(fx)) + 1, Deletes: 1, Edits: 1, OtherEvents: 2, Errors: 1, Malformed: 6, TooLong: 1, Connections: 1}
	if st != want {
		t.Errorf("stats\n got  %+v\n want %+v", st, want)
	}
	q, auth := f.handshake(0)
	if q.Get("stream") != "public" || q.Has("tag") || q.Has("access_token") || auth != "Bearer "+token {
		t.Errorf("handshake %v with %q", q, auth)
	}
}

// TestRefusedToken: a token the instance refuses ends the source at once,
// saying what to do, without the token in the message; so does a refusal
// sent in the stream.
func TestRefusedToken(t *testing.T) {
	f := &fakeMastodon{}
	inst := f.start(t)
	s := newSource(t, Options{Instance: inst, Token: "wrong-token-456"})
	start := time.Now()
	_, err := s.Next(context.Background())
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "MASTODON_TOKEN") || strings.Contains(err.Error(), "wrong-token-456") {
		t.Fatalf("refused token: %v", err)
	}
	if time.Since(start) > 5*time.Second || s.Stats().Failures != 0 {
		t.Fatalf("retried a refused token: %+v", s.Stats())
	}

	inBand := &fakeMastodon{conns: [][][]byte{{[]byte(`{"error":"Error: Access token does not have the required scopes ` + token + `","status":401}`)}}}
	s2 := newSource(t, Options{Instance: inBand.start(t)})
	if _, err := s2.Next(context.Background()); !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), token) {
		t.Fatalf("in-band refusal: %v", err)
	}
	rejected := &fakeMastodon{conns: [][][]byte{{[]byte(`{"error":"Unknown stream type","status":400}`)}}}
	s3 := newSource(t, Options{Instance: rejected.start(t)})
	if _, err := s3.Next(context.Background()); !errors.Is(err, wsfeed.ErrRejected) {
		t.Fatalf("in-band rejection: %v", err)
	}
}

// TestReconnect: a cut connection is dialled again and the stream goes on.
func TestReconnect(t *testing.T) {
	fx := fixture(t)
	f := &fakeMastodon{conns: [][][]byte{
		{frame("public", "update", fx[0]), frame("public", "update", fx[1]), nil},
		{frame("public", "update", fx[2])},
	}}
	s := newSource(t, Options{Instance: f.start(t)})
	got := collect(t, s, 3)
	if !bytes.Equal(got[2], fx[2]) || s.Stats().Connections != 2 || s.Stats().Failures != 1 {
		t.Fatalf("after the cut: %s, stats %+v", got[2], s.Stats())
	}
}

// TestBackfill: after a reconnection the statuses posted while the
// connection was down come from the REST timeline, page by page, oldest
// first, before the stream goes on; one the stream sends again is dropped.
func TestBackfill(t *testing.T) {
	f := &fakeMastodon{
		conns: [][][]byte{
			append(updates(posts(1, 2)), nil),
			updates(posts(48, 49)), // 48 came in the gap's last page too
		},
		timeline: posts(1, 48),
	}
	s := newSource(t, Options{Instance: f.start(t)})
	got := collect(t, s, 49)
	for i, l := range got {
		if want := post(i + 1); !bytes.Equal(l, want) {
			t.Fatalf("line %d is %s, want %s", i, l, want)
		}
	}
	st := s.Stats()
	if st.Backfilled != 46 || st.Duplicates != 1 || st.Statuses != 49 || st.BackfillFailures != 0 || st.Connections != 2 {
		t.Errorf("stats %+v", st)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pages) != 2 {
		t.Fatalf("%d timeline requests, want 2 (40 and 6): %v", len(f.pages), f.pages)
	}
	first, second := f.pages[0], f.pages[1]
	if first.Path != "/api/v1/timelines/public" || first.Query().Get("min_id") != "113000000000000002" || first.Query().Get("limit") != "40" ||
		first.Query().Has("local") || f.pagesAuth[0] != "Bearer "+token {
		t.Errorf("first request %v with %q", first, f.pagesAuth[0])
	}
	if second.Query().Get("min_id") != "113000000000000042" {
		t.Errorf("second request %v", second)
	}
}

// TestBackfillBounds: a gap longer than Backfill is cut at Backfill
// statuses; a timeline that fails is counted and the stream goes on; a
// hashtag stream asks its tag's timeline.
func TestBackfillBounds(t *testing.T) {
	t.Run("cap", func(t *testing.T) {
		f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), updates(posts(100, 100))}, timeline: posts(1, 99)}
		s := newSource(t, Options{Instance: f.start(t), Backfill: 10})
		got := collect(t, s, 12)
		if !bytes.Equal(got[10], post(11)) || !bytes.Equal(got[11], post(100)) || s.Stats().Backfilled != 10 {
			t.Fatalf("got %s … %s, stats %+v", got[10], got[11], s.Stats())
		}
	})
	t.Run("quiet stream", func(t *testing.T) { // the missed statuses come with no new message
		f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), nil}, timeline: posts(1, 3)}
		s := newSource(t, Options{Instance: f.start(t)})
		got := collect(t, s, 3)
		if !bytes.Equal(got[2], post(3)) || s.Stats().Backfilled != 2 {
			t.Fatalf("got %s, stats %+v", got[2], s.Stats())
		}
	})
	t.Run("a status too long", func(t *testing.T) { // skipped, and the page still counts as full
		timeline := posts(1, 60)
		timeline[9] = []byte(`{"id":"113000000000000010","uri":"https://social.example/s/10","content":"` + strings.Repeat("x", 2000) + `","account":{}}`)
		f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), nil}, timeline: timeline}
		s := newSource(t, Options{Instance: f.start(t), MaxLine: 1000})
		got := collect(t, s, 59)
		if !bytes.Equal(got[58], post(60)) || s.Stats().Backfilled != 58 || s.Stats().TooLong != 1 {
			t.Fatalf("last %s, stats %+v", got[58], s.Stats())
		}
	})
	for _, tc := range []struct {
		name     string
		timeline [][]byte
		want     int // statuses backfilled
	}{
		{"a timeline that ignores min_id, older", posts(1, 100), 0},
		{"a timeline that ignores min_id, newer", posts(1, 140), 40},
	} {
		t.Run(tc.name, func(t *testing.T) { // nothing older than served, nothing twice, no endless paging
			f := &fakeMastodon{conns: [][][]byte{append(updates(posts(100, 100)), nil), updates(posts(141, 141))}, timeline: tc.timeline, ignoreMinID: true}
			s := newSource(t, Options{Instance: f.start(t)})
			got := collect(t, s, 2+tc.want)
			for i, l := range got[1 : 1+tc.want] {
				if want := post(101 + i); !bytes.Equal(l, want) {
					t.Fatalf("backfilled %d: %s, want %s", i, l, want)
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if !bytes.Equal(got[1+tc.want], post(141)) || s.Stats().Backfilled != int64(tc.want) || len(f.pages) > 2 {
				t.Fatalf("then %s; stats %+v after %d requests", got[1+tc.want], s.Stats(), len(f.pages))
			}
		})
	}
	t.Run("failing timeline", func(t *testing.T) {
		f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), updates(posts(5, 5))}, timelineStatus: http.StatusServiceUnavailable}
		s := newSource(t, Options{Instance: f.start(t)})
		got := collect(t, s, 2)
		if !bytes.Equal(got[1], post(5)) || s.Stats().BackfillFailures != 1 || s.Stats().Backfilled != 0 {
			t.Fatalf("got %s, stats %+v", got[1], s.Stats())
		}
	})
	t.Run("off", func(t *testing.T) {
		f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), updates(posts(5, 5))}, timeline: posts(1, 5)}
		s := newSource(t, Options{Instance: f.start(t), Backfill: -1})
		got := collect(t, s, 2)
		f.mu.Lock()
		defer f.mu.Unlock()
		if !bytes.Equal(got[1], post(5)) || len(f.pages) != 0 {
			t.Fatalf("got %s after %d timeline requests", got[1], len(f.pages))
		}
	})
	t.Run("hashtag:local", func(t *testing.T) {
		f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), updates(posts(3, 3))}, timeline: posts(1, 3)}
		s := newSource(t, Options{Instance: f.start(t), Stream: "hashtag:local", Tag: "#linux"})
		collect(t, s, 3)
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.pages) != 1 || f.pages[0].Path != "/api/v1/timelines/tag/linux" || f.pages[0].Query().Get("local") != "true" {
			t.Fatalf("timeline requests %v", f.pages)
		}
	})
}

// sleeps records the waits asked of Feed.Sleep, and waits none of them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) has(d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.d, d)
}

// TestBackfillRateLimited: a timeline that answers 429 Too Many Requests
// is asked again only after the wait it names (Retry-After in seconds or
// as a date, or Mastodon's X-RateLimit-Reset), and the gap is served; a
// wait longer than BackfillMaxWait gives the gap up, and the instance is
// not asked again before the wait is over, at the next reconnection
// either.
func TestBackfillRateLimited(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		headers http.Header
		wait    time.Duration
	}{
		{"Retry-After in seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"Retry-After as a date", http.Header{"Retry-After": {now.Add(9 * time.Second).Format(http.TimeFormat)}}, 9 * time.Second},
		{"X-RateLimit-Reset", http.Header{"X-Ratelimit-Reset": {now.Add(11 * time.Second).Format(time.RFC3339Nano)}}, 11 * time.Second},
		{"no header", nil, DefaultRateLimitWait},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), updates(posts(5, 5))}, timeline: posts(1, 5),
				limited: 2, limitHeaders: tc.headers}
			var slept sleeps
			s := newSource(t, Options{Instance: f.start(t), Feed: wsfeed.Options{Sleep: slept.sleep, Now: func() time.Time { return now }}})
			got := collect(t, s, 5)
			for i, l := range got {
				if want := post(i + 1); !bytes.Equal(l, want) {
					t.Fatalf("line %d is %s, want %s", i, l, want)
				}
			}
			if st := s.Stats(); st.Backfilled != 4 || st.BackfillFailures != 0 {
				t.Fatalf("stats %+v", st)
			}
			if !slept.has(tc.wait) {
				t.Fatalf("waited %v, not the %v asked", slept.d, tc.wait)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.pages) != 3 {
				t.Fatalf("%d timeline requests, want 2 refused and 1 answered", len(f.pages))
			}
		})
	}
	t.Run("a wait too long", func(t *testing.T) {
		f := &fakeMastodon{conns: [][][]byte{append(updates(posts(1, 1)), nil), append(updates(posts(5, 5)), nil), updates(posts(9, 9))},
			timeline: posts(1, 9), limited: 1, limitHeaders: http.Header{"Retry-After": {"600"}}}
		var slept sleeps
		s := newSource(t, Options{Instance: f.start(t), Feed: wsfeed.Options{Sleep: slept.sleep, Now: func() time.Time { return now }}})
		got := collect(t, s, 3)
		if !bytes.Equal(got[1], post(5)) || !bytes.Equal(got[2], post(9)) {
			t.Fatalf("got %s", got)
		}
		if st := s.Stats(); st.Backfilled != 0 || st.BackfillFailures != 2 {
			t.Fatalf("stats %+v: want both gaps given up", st)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.pages) != 1 || slept.has(600*time.Second) {
			t.Fatalf("%d timeline requests (waits %v): the instance was asked again before its wait was over", len(f.pages), slept.d)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"30"}}, 30 * time.Second},
		{"a date", http.Header{"Retry-After": {"Thu, 01 Jan 2026 12:01:00 GMT"}}, time.Minute},
		{"a date gone by", http.Header{"Retry-After": {"Thu, 01 Jan 2026 11:00:00 GMT"}}, 0},
		{"negative", http.Header{"Retry-After": {"-5"}}, DefaultRateLimitWait},
		{"junk", http.Header{"Retry-After": {"soon"}}, DefaultRateLimitWait},
		{"Mastodon's reset", http.Header{"X-Ratelimit-Reset": {"2026-01-01T12:05:00.000Z"}}, 5 * time.Minute},
		{"Retry-After first", http.Header{"Retry-After": {"3"}, "X-Ratelimit-Reset": {"2026-01-01T12:05:00.000Z"}}, 3 * time.Second},
		{"nothing", http.Header{}, DefaultRateLimitWait},
	} {
		if got := retryAfter(tc.header, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewer(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"10", "9", true}, {"9", "10", false}, {"113000000000000002", "113000000000000001", true}, {"5", "5", false}, {"1", "", true}, {"", "1", false}, {"007", "7", false}} {
		if got := newer(tc.a, tc.b); got != tc.want {
			t.Errorf("newer(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

// TestDiscovery: the instance's streaming server is used when it names
// one; the instance itself when it names none.
func TestDiscovery(t *testing.T) {
	fx := fixture(t)
	streaming := &fakeMastodon{conns: [][][]byte{{frame("hashtag", "update", fx[0])}}}
	ws := "ws" + strings.TrimPrefix(streaming.start(t), "http")
	inst := &fakeMastodon{streaming: ws}
	s := newSource(t, Options{Instance: inst.start(t), Stream: "hashtag", Tag: "#Winter"})
	collect(t, s, 1)
	q, _ := streaming.handshake(0)
	if q.Get("stream") != "hashtag" || q.Get("tag") != "Winter" {
		t.Errorf("hashtag handshake %v", q)
	}
	inst.mu.Lock()
	if len(inst.queries) != 0 {
		t.Error("streamed from the instance although it named a streaming server")
	}
	inst.mu.Unlock()
}

func TestValidate(t *testing.T) {
	ok := Options{Instance: "https://mastodon.example", Token: "t", Stream: "public"}
	tests := []struct {
		name string
		edit func(*Options)
	}{
		{"no instance", func(o *Options) { o.Instance = "" }},
		{"instance not a URL", func(o *Options) { o.Instance = "mastodon.example" }},
		{"no token", func(o *Options) { o.Token = "" }},
		{"unknown stream", func(o *Options) { o.Stream = "user" }},
		{"hashtag without a tag", func(o *Options) { o.Stream = "hashtag" }},
		{"a tag without hashtag", func(o *Options) { o.Tag = "snow" }},
		{"bad streaming URL", func(o *Options) { o.StreamingURL = "::" }},
	}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		o := ok
		tc.edit(&o)
		if err := o.Validate(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
