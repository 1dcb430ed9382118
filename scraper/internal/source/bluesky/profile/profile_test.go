package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeAppView answers getProfiles as Bluesky's AppView does, from the
// profiles it knows, unless answer is set; it records the actors of each
// call.
type fakeAppView struct {
	mu      sync.Mutex
	known   map[string]string // DID → its profileViewDetailed as JSON
	calls   [][]string
	answer  func(w http.ResponseWriter, r *http.Request) // replaces the usual answer when set
	release chan struct{}                                // closed at the end of the test
}

func newFake(t testing.TB) (*fakeAppView, string) {
	f := &fakeAppView{known: map[string]string{}, release: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.release) }) // runs first: slow answers return
	return f, srv.URL
}

// add makes the fake know did's profile.
func (f *fakeAppView) add(did, handle, name, description string) {
	b, _ := json.Marshal(map[string]any{"did": did, "handle": handle, "displayName": name, "description": description,
		"avatar": "https://cdn.example/a.jpg", "followersCount": 3, "labels": []any{}})
	f.mu.Lock()
	f.known[did] = string(b)
	f.mu.Unlock()
}

func (f *fakeAppView) profileOf(did string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.known[did]
}

func (f *fakeAppView) setAnswer(a func(w http.ResponseWriter, r *http.Request)) {
	f.mu.Lock()
	f.answer = a
	f.mu.Unlock()
}

func (f *fakeAppView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != getProfiles {
		http.NotFound(w, r)
		return
	}
	actors := r.URL.Query()["actors"]
	f.mu.Lock()
	f.calls = append(f.calls, actors)
	answer := f.answer
	var profiles []string
	for _, a := range actors {
		if p, ok := f.known[a]; ok {
			profiles = append(profiles, p)
		}
	}
	f.mu.Unlock()
	if len(actors) > MaxBatch {
		http.Error(w, `{"error":"InvalidRequest"}`, http.StatusBadRequest)
		return
	}
	if answer != nil {
		answer(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"profiles":[%s]}`, strings.Join(profiles, ","))
}

func (f *fakeAppView) getCalls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]string(nil), f.calls...)
}

// clock is a fake clock: Sleep moves it on at once.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newLookup starts a Lookup on url with opts, on the fake clock c.
func newLookup(t testing.TB, url string, c *clock, opts Options) *Lookup {
	t.Helper()
	opts.URL, opts.Now, opts.Sleep = url, c.Now, c.Sleep
	if opts.Wait == 0 {
		opts.Wait = 10 * time.Second // the answers come at once: no wait ends for want of time
	}
	l, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	l.Start()
	t.Cleanup(l.Close)
	return l
}

func did(i int) string { return fmt.Sprintf("did:plc:author%016d", i) }

// wait waits for each ticket in turn and returns what they gave.
func wait(t testing.TB, ts ...*Ticket) [][]byte {
	t.Helper()
	var out [][]byte
	for _, tk := range ts {
		frag, err := tk.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, frag)
	}
	return out
}

// TestBatches: the authors of posts asked together are looked up 25 a
// call; an author known, with a profile or without, is not asked again.
func TestBatches(t *testing.T) {
	f, url := newFake(t)
	for i := range 50 {
		if i%10 != 9 { // one author in ten has no profile
			f.add(did(i), fmt.Sprintf("a%d.bsky.social", i), fmt.Sprintf("Author %d", i), "📍 Berlin")
		}
	}
	l := newLookup(t, url, newClock(), Options{Linger: time.Hour}) // only full batches go
	var ts []*Ticket
	for i := range 50 {
		ts = append(ts, l.Ask(did(i)))
	}
	got := wait(t, ts...)
	calls := f.getCalls()
	if len(calls) != 2 || len(calls[0]) != 25 || len(calls[1]) != 25 || calls[0][0] != did(0) || calls[1][0] != did(25) {
		t.Fatalf("calls %v, want two of 25", calls)
	}
	want := string(Fragment("a3.bsky.social", "Author 3", "📍 Berlin"))
	if string(got[3]) != want || got[9] != nil {
		t.Fatalf("post 3 got %s, want %s; post 9 (no profile) got %s", got[3], want, got[9])
	}
	again := wait(t, l.Ask(did(3)), l.Ask(did(9)))
	if string(again[0]) != want || again[1] != nil || len(f.getCalls()) != 2 {
		t.Fatalf("again: %q, %d calls", again, len(f.getCalls()))
	}
	st := l.Stats()
	if st.LookedUp != 45 || st.NoProfile != 6 || st.Cached != 1 || st.Calls != 2 || st.CacheLen != 50 {
		t.Fatalf("stats %+v", st)
	}
}

// TestLingers: the authors of posts that arrive within Linger go in one
// call, which does not wait for a full batch.
func TestLingers(t *testing.T) {
	f, url := newFake(t)
	l := newLookup(t, url, newClock(), Options{Linger: 50 * time.Millisecond})
	start := time.Now()
	wait(t, l.Ask(did(1)), l.Ask(did(2)), l.Ask(did(1)), l.Ask(did(3)))
	if calls := f.getCalls(); len(calls) != 1 || fmt.Sprint(calls[0]) != fmt.Sprint([]string{did(1), did(2), did(3)}) {
		t.Fatalf("calls %v, want one for the three authors", calls)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Fatalf("the call went after %v, before Linger", took)
	}
}

// TestCacheBounds: a profile is asked again once it expires (after TTL, or
// a sixth of it for an author without one), and the cache forgets the
// author used least recently when full.
func TestCacheBounds(t *testing.T) {
	f, url := newFake(t)
	f.add(did(1), "one", "", "")
	f.add(did(2), "two", "", "")
	f.add(did(3), "three", "", "")
	c := newClock()
	l := newLookup(t, url, c, Options{Linger: time.Millisecond, CacheSize: 2, TTL: 6 * time.Hour})
	calls := func() int { return len(f.getCalls()) }
	wait(t, l.Ask(did(1)))
	wait(t, l.Ask(did(4))) // none
	c.advance(59 * time.Minute)
	wait(t, l.Ask(did(1)), l.Ask(did(4)))
	if calls() != 2 {
		t.Fatalf("%d calls, want 2: both in the cache", calls())
	}
	c.advance(2 * time.Minute) // an hour after: the author without a profile is asked again
	wait(t, l.Ask(did(4)), l.Ask(did(1)))
	if calls() != 3 {
		t.Fatalf("%d calls, want 3", calls())
	}
	c.advance(6 * time.Hour)
	wait(t, l.Ask(did(1)))
	if calls() != 4 {
		t.Fatalf("%d calls, want 4: the profile expired", calls())
	}
	wait(t, l.Ask(did(2)))
	wait(t, l.Ask(did(3))) // the cache holds 2 and 3: 1 is forgotten
	wait(t, l.Ask(did(2)))
	wait(t, l.Ask(did(1)))
	if calls() != 7 {
		t.Fatalf("%d calls, want 7: the author used least recently is forgotten", calls())
	}
	if st := l.Stats(); st.CacheLen != 2 {
		t.Fatalf("cache holds %d", st.CacheLen)
	}
}

// TestKeepsTheRate: calls start at most Rate a second.
func TestKeepsTheRate(t *testing.T) {
	f, url := newFake(t)
	c := newClock()
	l := newLookup(t, url, c, Options{Linger: time.Hour, Rate: 2})
	var ts []*Ticket
	for i := range 3 * MaxBatch {
		ts = append(ts, l.Ask(did(i)))
	}
	wait(t, ts...)
	c.mu.Lock()
	sleeps := fmt.Sprint(c.sleeps)
	c.mu.Unlock()
	if len(f.getCalls()) != 3 || sleeps != "[500ms 500ms]" {
		t.Fatalf("%d calls after sleeping %s, want 3 after [500ms 500ms]", len(f.getCalls()), sleeps)
	}
}

// TestRateLimited: a 429 stops the calls for its Retry-After; meanwhile
// posts go at once without a profile, counted; then the calls resume.
func TestRateLimited(t *testing.T) {
	f, url := newFake(t)
	f.add(did(1), "one", "", "")
	f.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, `{"error":"RateLimitExceeded"}`, http.StatusTooManyRequests)
	})
	c := newClock()
	l := newLookup(t, url, c, Options{Linger: time.Millisecond})
	if got := wait(t, l.Ask(did(1))); got[0] != nil {
		t.Fatalf("a profile from a 429: %s", got[0])
	}
	f.setAnswer(nil)
	c.advance(119 * time.Second)
	start := time.Now()
	if got := wait(t, l.Ask(did(1)), l.Ask(did(2))); got[0] != nil || time.Since(start) > time.Second {
		t.Fatalf("asked while paused: %q after %v", got, time.Since(start))
	}
	if n := len(f.getCalls()); n != 1 {
		t.Fatalf("%d calls while paused", n)
	}
	c.advance(2 * time.Second)
	if got := wait(t, l.Ask(did(1))); string(got[0]) != string(Fragment("one", "", "")) {
		t.Fatalf("after the pause: %q", got)
	}
	if st := l.Stats(); st.RateLimited != 3 || st.LookedUp != 1 || st.CallsRateLimited != 1 || st.Calls != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestRateLimitHeaders: an answer that leaves no request in the window
// (RateLimit-Remaining: 0) stops the calls until RateLimit-Reset, a Unix
// time as Bluesky's services send it.
func TestRateLimitHeaders(t *testing.T) {
	f, url := newFake(t)
	c := newClock()
	f.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("RateLimit-Limit", "3000")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", fmt.Sprint(c.Now().Add(30*time.Second).Unix()))
		fmt.Fprint(w, `{"profiles":[]}`)
	})
	l := newLookup(t, url, c, Options{Linger: time.Millisecond})
	wait(t, l.Ask(did(1)))
	f.setAnswer(nil)
	wait(t, l.Ask(did(2)))
	c.advance(31 * time.Second)
	wait(t, l.Ask(did(3)))
	if st := l.Stats(); st.NoProfile != 2 || st.RateLimited != 1 || st.Calls != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestSlowAppView: a post waits for its author's profile no longer than
// Wait; the profile, when it comes, serves the author's next posts.
func TestSlowAppView(t *testing.T) {
	f, url := newFake(t)
	f.add(did(1), "one", "", "")
	gate := make(chan struct{})
	f.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-f.release:
		}
		fmt.Fprintf(w, `{"profiles":[%s]}`, f.profileOf(did(1)))
	})
	l := newLookup(t, url, newClock(), Options{Linger: time.Millisecond, Wait: 100 * time.Millisecond})
	start := time.Now()
	if got := wait(t, l.Ask(did(1))); got[0] != nil {
		t.Fatalf("got %s", got[0])
	}
	if took := time.Since(start); took < 100*time.Millisecond || took > 5*time.Second {
		t.Fatalf("the post waited %v, want Wait", took)
	}
	late := l.Ask(did(1)) // the same author while the call is under way: waits on it
	close(gate)
	if got := wait(t, late); got[0] == nil {
		t.Fatal("the late answer did not serve the author's next post")
	}
	if st := l.Stats(); st.Timeouts != 1 || st.LookedUp != 1 || st.Calls != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestFailingAppView: a call that fails (an error status, a connection
// that breaks) settles its posts at once, counted, and pauses the calls
// for a backoff; they resume after it.
func TestFailingAppView(t *testing.T) {
	f, url := newFake(t)
	f.add(did(1), "one", "", "")
	f.setAnswer(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) })
	c := newClock()
	l := newLookup(t, url, c, Options{Linger: time.Millisecond})
	wait(t, l.Ask(did(1)))
	wait(t, l.Ask(did(2))) // paused: no call
	if n := len(f.getCalls()); n != 1 {
		t.Fatalf("%d calls, want 1: paused after a failure", n)
	}
	f.setAnswer(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	c.advance(2 * time.Second)
	wait(t, l.Ask(did(1)))
	f.setAnswer(nil)
	c.advance(5 * time.Second)
	if got := wait(t, l.Ask(did(1))); got[0] == nil {
		t.Fatal("no profile once the AppView works again")
	}
	if st := l.Stats(); st.Failures != 3 || st.CallFailures != 2 || st.LookedUp != 1 || st.Calls != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// TestHostileAppView: an answer too big, not JSON, or of the wrong shape
// is a failure; profiles of the wrong shape, or not asked for, are
// dropped, and the fields of the others are bounded and made valid JSON.
func TestHostileAppView(t *testing.T) {
	long := strings.Repeat("é", 5000)
	bad := "bad \xff byte"
	for _, tc := range []struct {
		name, body string
		want       []string // the fragments of did(1) and did(2), "" for none
		failed     bool
	}{
		{"huge", `{"profiles":[` + strings.Repeat(`{"did":"x"},`, 200000) + `{}]}`, nil, true},
		{"not JSON", `<html>`, nil, true},
		{"profiles not a list", `{"profiles":{"did":"` + did(1) + `"}}`, nil, true},
		{"wrong types, unasked, bounded", `{"profiles":[{"did":"` + did(1) + `","handle":5},{"did":"did:plc:other","handle":"x"},` +
			`{"did":"` + did(2) + `","handle":"two","displayName":"` + long + `","description":"` + bad + `"}]}`,
			[]string{"", string(Fragment("two", long, "bad \uFFFD byte"))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, url := newFake(t)
			f.setAnswer(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) })
			l := newLookup(t, url, newClock(), Options{Linger: 10 * time.Millisecond, MaxResponse: 1 << 20})
			got := wait(t, l.Ask(did(1)), l.Ask(did(2)))
			st := l.Stats()
			if tc.failed {
				if got[0] != nil || got[1] != nil || st.CallFailures != 1 || st.Failures != 2 {
					t.Fatalf("got %q, stats %+v", got, st)
				}
				return
			}
			if string(got[0]) != tc.want[0] || string(got[1]) != tc.want[1] {
				t.Fatalf("got %q", got)
			}
			var v map[string]map[string]string
			if err := json.Unmarshal(append(append([]byte("{"), got[1][1:]...), '}'), &v); err != nil {
				t.Fatalf("fragment %q is no JSON: %v", got[1], err)
			}
			if p := v["profile"]; len(p["displayName"]) > 640 || p["description"] != "bad \ufffd byte" || p["handle"] != "two" {
				t.Fatalf("profile %q", p)
			}
		})
	}
}

// TestNoDIDNoCall: an author whose DID is no DID is not asked for: one
// hostile event must not make the AppView refuse a batch.
func TestNoDIDNoCall(t *testing.T) {
	f, url := newFake(t)
	l := newLookup(t, url, newClock(), Options{Linger: time.Millisecond})
	for _, d := range []string{"", "did:", "did:plc", "not-a-did", "did:plc:a b", "did:plc:x&actors=y", "did:plc:" + strings.Repeat("a", 300)} {
		if got := wait(t, l.Ask(d)); got[0] != nil {
			t.Errorf("%q: %q", d, got[0])
		}
	}
	if n := len(f.getCalls()); n != 0 || l.Stats().NoProfile != 7 {
		t.Fatalf("%d calls, stats %+v", n, l.Stats())
	}
}

func TestPauseOf(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		h      http.Header
		status int
		want   time.Duration
	}{
		{"Retry-After seconds", h("Retry-After", "30"), 429, 30 * time.Second},
		{"Retry-After date", h("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat)), 429, 90 * time.Second},
		{"a 429 without a word", h(), 429, time.Minute},
		{"reset as a Unix time", h("RateLimit-Remaining", "0", "RateLimit-Reset", fmt.Sprint(now.Add(42*time.Second).Unix())), 200, 42 * time.Second},
		{"reset in seconds", h("RateLimit-Remaining", "0", "RateLimit-Reset", "7"), 200, 7 * time.Second},
		{"requests left", h("RateLimit-Remaining", "5", "RateLimit-Reset", "7"), 200, 0},
		{"absurd Retry-After", h("Retry-After", "99999999999"), 429, maxPause},
		{"a date in the past", h("Retry-After", now.Add(-time.Hour).Format(http.TimeFormat)), 200, 0},
		{"junk", h("Retry-After", "soon", "RateLimit-Remaining", "0", "RateLimit-Reset", "-3"), 200, 0},
	} {
		if got := pauseOf(tc.h, tc.status, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{{URL: "ftp://x"}, {URL: "https://"}, {URL: "https://x/?a=1"}, {Wait: -1}, {Rate: -1}, {CacheSize: -1}} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
