package bluesky

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/klauspost/compress/zstd"
)

// event is one Jetstream event of a fake's history.
type event struct {
	timeUS int64
	data   []byte
	raw    bool // sent as a binary message as it is, never compressed
}

// fakeJetstream serves a fixed history of events as Jetstream's /subscribe
// does: from the first event at or after ?cursor (a time_us), or from the
// start without one, zstd-compressed when asked with ?compress=true.
type fakeJetstream struct {
	events []event
	// cuts[i] is how many events connection i sends before the connection
	// is cut (absent or negative: never).
	cuts []int
	// refuse answers the first attempts with this HTTP status.
	refuse       []int
	enc          *zstd.Encoder
	writeTimeout time.Duration // drop a client that takes no write for this long
	silent       bool          // after the events, neither read nor answer pings
	dropped      chan struct{} // gets a value each time a slow client is dropped

	mu      sync.Mutex
	queries []url.Values
	srv     *httptest.Server
	release chan struct{} // closed at the end of the test: silent handlers return
}

func (f *fakeJetstream) start(t *testing.T) string {
	f.srv = httptest.NewServer(f)
	f.release = make(chan struct{})
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.release) }) // runs first
	return "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/subscribe"
}

// attempt records a handshake and returns its number and the history and
// behaviour in force for it.
func (f *fakeJetstream) attempt(q url.Values) (int, []event, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	return len(f.queries) - 1, f.events, f.silent
}

// set replaces the history and behaviour for the next connections.
func (f *fakeJetstream) set(events []event, silent bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events, f.silent = events, silent
}

func (f *fakeJetstream) query(i int) url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[i]
}

func (f *fakeJetstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/subscribe" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	n, events, silent := f.attempt(q)
	if n < len(f.refuse) {
		http.Error(w, "not now", f.refuse[n])
		return
	}
	n -= len(f.refuse)
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	if silent {
		defer func() { <-f.release }() // no read: pings go unanswered
	} else {
		ctx = c.CloseRead(ctx) // answers the client's pings
	}
	start := 0
	if cur := q.Get("cursor"); cur != "" {
		at, _ := strconv.ParseInt(cur, 10, 64)
		start = sort.Search(len(events), func(i int) bool { return events[i].timeUS >= at })
	}
	cut := -1
	if n < len(f.cuts) {
		cut = f.cuts[n]
	}
	compress := q.Get("compress") == "true" && f.enc != nil
	for i, sent := start, 0; i < len(events); i, sent = i+1, sent+1 {
		if sent == cut {
			return // cut: the deferred CloseNow drops the TCP connection
		}
		typ, data := websocket.MessageText, events[i].data
		switch {
		case events[i].raw:
			typ = websocket.MessageBinary
		case compress:
			typ, data = websocket.MessageBinary, f.enc.EncodeAll(data, nil)
		}
		wctx, cancel := ctx, context.CancelFunc(func() {})
		if f.writeTimeout > 0 {
			wctx, cancel = context.WithTimeout(ctx, f.writeTimeout)
		}
		err := c.Write(wctx, typ, data)
		timedOut := wctx.Err() == context.DeadlineExceeded
		cancel()
		if err != nil {
			if f.dropped != nil && timedOut {
				select {
				case f.dropped <- struct{}{}:
				default:
				}
			}
			return
		}
	}
	if !silent {
		<-ctx.Done()
	}
}

// post is a new post event in the shape of Jetstream's README.
func post(i int, timeUS int64, text string) event {
	return event{timeUS: timeUS, data: fmt.Appendf(nil, `{"did":"did:plc:fake%020d","time_us":%d,"kind":"commit","commit":{"rev":"3lrev%08d",`+
		`"operation":"create","collection":"app.bsky.feed.post","rkey":"3lkey%08d","record":{"$type":"app.bsky.feed.post",`+
		`"createdAt":"%s","langs":["en"],"text":%q},"cid":"bafyreifake%08d"}}`,
		i%97, timeUS, i, i, time.UnixMicro(timeUS).UTC().Format(time.RFC3339Nano), text, i)}
}

// posts returns n posts, gap apart in time_us.
func posts(n int, gap time.Duration) []event {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	out := make([]event, n)
	for i := range out {
		out[i] = post(i, t0+int64(i)*gap.Microseconds(), fmt.Sprintf("post number %d", i))
	}
	return out
}

// fixture returns the lines of testdata/lines/jetstream.jsonl.
func fixture(t testing.TB) [][]byte {
	b, err := os.ReadFile("../../../../testdata/lines/jetstream.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}

// sleeps records the waits a Source asks for, without waiting.
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

func (s *sleeps) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}
