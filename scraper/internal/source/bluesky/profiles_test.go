package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geostream/geostream/scraper/internal/source/bluesky/profile"
	"github.com/geostream/geostream/scraper/internal/source/sourcetest"
	"github.com/geostream/geostream/shared/tweet"
)

// appView is a fake AppView that knows the authors of posts(…) whose
// number is even, and answers after gate is closed (nil: at once).
type appView struct {
	mu     sync.Mutex
	calls  int
	gate   chan struct{}
	called chan struct{} // gets a value at each call, if there is room
	done   chan struct{} // closed at the end of the test
}

func (a *appView) start(t *testing.T) string {
	a.done, a.called = make(chan struct{}), make(chan struct{}, 1)
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(a.done) })
	return srv.URL
}

func (a *appView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.calls++
	gate := a.gate
	a.mu.Unlock()
	select {
	case a.called <- struct{}{}:
	default:
	}
	if gate != nil {
		select {
		case <-gate:
		case <-a.done:
		}
	}
	var ps []string
	for _, did := range r.URL.Query()["actors"] {
		var n int
		if _, err := fmt.Sscanf(did, "did:plc:fake%d", &n); err == nil && n%2 == 0 {
			ps = append(ps, fmt.Sprintf(`{"did":%q,"handle":"author%d.bsky.social","displayName":"Author %d","description":"baker\n📍 Lisboa"}`, did, n, n))
		}
	}
	fmt.Fprintf(w, `{"profiles":[%s]}`, strings.Join(ps, ","))
}

// TestProfilesAdded: each post's line gets its author's profile as one
// more field, in the order the posts came, and its Tweet reads it; an
// author without one leaves the line as Jetstream sent it.
func TestProfilesAdded(t *testing.T) {
	evs := posts(40, time.Millisecond)
	f := &fakeJetstream{events: evs}
	av := &appView{}
	s, _ := newSource(t, f.start(t), Options{Profiles: &profile.Options{URL: av.start(t), Linger: 5 * time.Millisecond}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i, ev := range evs {
		l, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		author := i % 97
		if author%2 == 1 {
			if !bytes.Equal(l.Data, ev.data) || l.Tweet.UserBio != "" {
				t.Fatalf("post %d, of an author without a profile: %s", i, l.Data)
			}
			continue
		}
		want := append(bytes.Clone(ev.data[:len(ev.data)-1]), fmt.Sprintf(`,"profile":{"handle":"author%d.bsky.social","displayName":"Author %d",`+
			`"description":"baker\n📍 Lisboa"}}`, author, author)...)
		if !bytes.Equal(l.Data, want) {
			t.Fatalf("post %d:\n got  %s\n want %s", i, l.Data, want)
		}
		if !json.Valid(l.Data) {
			t.Fatalf("post %d is no JSON", i)
		}
		if tw := l.Tweet; tw.User != fmt.Sprintf("author%d.bsky.social", author) || tw.UserLocation != "Lisboa" ||
			tw.UserBio != "baker\n📍 Lisboa" || tw.UserName != fmt.Sprintf("Author %d", author) {
			t.Fatalf("post %d's tweet %+v", i, tw)
		}
		var d tweet.Decoder
		if again, _ := d.Decode(l.Data); again.UserLocation != "Lisboa" {
			t.Fatalf("a recording of post %d would not give its place: %+v", i, again)
		}
	}
	st := s.Stats()
	p := st.Profiles
	if p.LookedUp+p.Cached+p.NoProfile+p.Timeouts+p.Failures+p.RateLimited != st.Posts || p.LookedUp != 20 || p.NoProfile != 20 {
		t.Fatalf("stats %+v: every post has one outcome", st)
	}
}

// TestProfilesNeverHoldPostsLong: when the AppView does not answer, each
// post goes out without a profile after waiting at most Wait (the waits of
// posts that came together overlap), in order.
func TestProfilesNeverHoldPostsLong(t *testing.T) {
	evs := posts(30, time.Millisecond)
	f := &fakeJetstream{events: evs}
	av := &appView{gate: make(chan struct{})} // never opened
	wait := 200 * time.Millisecond
	s, _ := newSource(t, f.start(t), Options{Profiles: &profile.Options{URL: av.start(t), Linger: time.Millisecond, Wait: wait}})
	start := time.Now()
	got := sourcetest.Collect(t, s, len(evs))
	took := time.Since(start)
	for i := range got {
		if !bytes.Equal(got[i], evs[i].data) {
			t.Fatalf("post %d out of order or changed: %s", i, got[i])
		}
	}
	if took < wait || took > 10*wait {
		t.Fatalf("30 posts took %v with a Wait of %v", took, wait)
	}
	if st := s.Stats(); st.Profiles.Timeouts == 0 || st.Profiles.Timeouts+st.Profiles.Failures+st.Profiles.RateLimited != 30 {
		t.Fatalf("stats %+v", st.Profiles)
	}
}

// TestProfilesClose: Close stops the reading and the lookups while a post
// waits, and leaks no goroutine (TestMain checks).
func TestProfilesClose(t *testing.T) {
	f := &fakeJetstream{events: posts(5, time.Millisecond)}
	av := &appView{gate: make(chan struct{})}
	s, err := New(Options{URL: f.start(t), Profiles: &profile.Options{URL: av.start(t), Linger: time.Millisecond, Wait: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-av.called: // a post waits for its profile
		case <-time.After(20 * time.Second):
		}
		cancel()
	}()
	if _, err := s.Next(ctx); err != context.Canceled {
		t.Fatalf("Next: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWithProfile(t *testing.T) {
	frag := []byte(`,"profile":{"handle":"h"}`)
	for _, tc := range []struct{ line, want string }{
		{`{"a":1}`, `{"a":1,"profile":{"handle":"h"}}`},
		{"{\"a\":1}  \r\n", `{"a":1,"profile":{"handle":"h"}}`},
		{`{"a":1`, `{"a":1`},
		{``, ``},
	} {
		got, ok := withProfile([]byte(tc.line), frag)
		if string(got) != tc.want || ok != (tc.line != tc.want) {
			t.Errorf("withProfile(%q) = %q, %v", tc.line, got, ok)
		}
	}
}
