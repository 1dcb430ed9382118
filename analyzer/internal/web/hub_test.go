package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// event is one Server-Sent Event as a client reads it.
type event struct{ id, name, data string }

// stream is an open /events response read event by event.
type stream struct {
	resp   *http.Response
	events chan event
	done   chan error // the body's end: nil for a clean EOF
}

func openStream(t *testing.T, url, lastID string) *stream {
	t.Helper()
	req, err := http.NewRequest("GET", url+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{resp: resp, events: make(chan event, 10000), done: make(chan error, 1)}
	go func() { // ends with the body
		br := bufio.NewReaderSize(resp.Body, 1<<16)
		var ev event
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				if err == io.EOF && line == "" {
					err = nil
				}
				close(s.events)
				s.done <- err
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if ev.data != "" {
					s.events <- ev
				}
				ev = event{}
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// event returns the next event, failing after 10 s or at the stream's end.
func (s *stream) event(t *testing.T) event {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event in 10 s")
	}
	return event{}
}

// next returns the next slide, skipping status events.
func (s *stream) next(t *testing.T) event {
	t.Helper()
	for {
		if ev := s.event(t); ev.name == "" {
			return ev
		}
	}
}

// quietUntilStatus reports whether no slide arrives before a status event
// that the test sends as a marker: events of one stream arrive in order.
func (s *stream) quietUntilStatus(t *testing.T, h *Hub, marker string) bool {
	t.Helper()
	h.SetStatus([]byte(`"` + marker + `"`))
	for {
		switch ev := s.event(t); {
		case ev.name == "":
			return false
		case ev.data == `"`+marker+`"`:
			return true
		}
	}
}

func newTestHub(t *testing.T, opts HubOptions) (*Hub, *httptest.Server) {
	t.Helper()
	if opts.MinInterval == 0 {
		opts.MinInterval = time.Nanosecond // every slide as it comes
	}
	h := NewHub(opts)
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.Close()
		srv.Close()
	})
	return h, srv
}

func slideJSON(n int) []byte { return []byte(fmt.Sprintf(`{"n":%d}`, n)) }

func wantSlide(t *testing.T, h *Hub, ev event, n int) {
	t.Helper()
	want := fmt.Sprintf(`{"id":"%s-%d","image":"","window":{"n":%d}}`, h.run, n, n)
	if ev.id != fmt.Sprintf("%s-%d", h.run, n) || ev.data != want {
		t.Fatalf("got id %q data %s, want slide %d", ev.id, ev.data, n)
	}
}

func TestHubDeliversSlidesInOrder(t *testing.T) {
	h, srv := newTestHub(t, HubOptions{})
	s := openStream(t, srv.URL, "")
	if !s.quietUntilStatus(t, h, "ready") {
		t.Fatal("a slide before any was published")
	}
	for n := 1; n <= 20; n++ {
		h.Publish(slideJSON(n), nil, nil)
		wantSlide(t, h, s.next(t), n)
	}
}

func TestHubNewStreamGetsTheNewestAtOnce(t *testing.T) {
	h, srv := newTestHub(t, HubOptions{})
	for n := 1; n <= 3; n++ {
		h.Publish(slideJSON(n), nil, nil)
	}
	h.SetStatus([]byte(`{"input":"connected"}`))
	s := openStream(t, srv.URL, "")
	first := <-s.events
	if first.name != "status" || first.data != `{"input":"connected"}` {
		t.Fatalf("first event %+v, want the status", first)
	}
	wantSlide(t, h, s.next(t), 3)
	if !s.quietUntilStatus(t, h, "end") {
		t.Fatal("older slides sent to a new stream")
	}
}

func TestHubImageURLAndRetention(t *testing.T) {
	h := NewHub(HubOptions{Retain: 3})
	defer h.Close()
	var ids []string
	for n := 1; n <= 5; n++ {
		m := h.Publish(slideJSON(n), nil, []byte{byte(n)})
		ids = append(ids, m.ID)
		if !strings.Contains(string(m.JSON), `"image":"/map/`+m.ID+`.png"`) {
			t.Fatalf("slide %d: %s", n, m.JSON)
		}
	}
	ret := h.Retained()
	if len(ret) != 3 || ret[0].ID != ids[2] || ret[2].ID != ids[4] {
		t.Fatalf("retained %d slides from %s", len(ret), ret[0].ID)
	}
	if _, ok := h.Find(ids[1]); ok {
		t.Fatal("an evicted slide is still kept")
	}
	if m, ok := h.Find(ids[4]); !ok || m.Image()[0] != 5 {
		t.Fatalf("newest slide %v %v", m, ok)
	}
}

// TestHubSlowStreamGetsOnlyTheNewest: a stream's buffer holds one slide;
// publishing never waits for it.
func TestHubSlowStreamGetsOnlyTheNewest(t *testing.T) {
	h := NewHub(HubOptions{})
	defer h.Close()
	c, _, _, _, err := h.subscribe("")
	if err != nil {
		t.Fatal(err)
	}
	defer h.unsubscribe(c)
	for n := 1; n <= 100; n++ {
		h.Publish(slideJSON(n), nil, nil)
	}
	<-c.wake
	if m := c.take(); m == nil || m.Seq != 100 {
		t.Fatalf("a slow stream got slide %v first, want 100", m)
	}
	select {
	case <-c.wake:
		t.Fatal("woken again")
	default:
	}
	if m := c.take(); m != nil {
		t.Fatalf("and then slide %d", m.Seq)
	}
}

// TestHubClientThatStopsReading: a client that takes nothing does not hold
// up Publish; when it reads again, the last slide it gets is the newest,
// and most of the ones in between were dropped for it.
func TestHubClientThatStopsReading(t *testing.T) {
	h, srv := newTestHub(t, HubOptions{WriteTimeout: time.Minute})
	resp, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	waitFor(t, func() bool { return h.Clients() == 1 })
	big := make([]byte, 64<<10)
	for i := range big {
		big[i] = 'x'
	}
	const slides = 500 // 32 MB: far more than the socket buffers hold
	published := make(chan struct{})
	go func() {
		for n := 1; n <= slides; n++ {
			h.Publish([]byte(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, n, big)), nil, nil)
		}
		close(published)
	}()
	select {
	case <-published:
	case <-time.After(20 * time.Second):
		t.Fatal("Publish waited for a client that does not read")
	}
	// Now read: the newest must come, and not every slide before it.
	br := bufio.NewReaderSize(resp.Body, 1<<20)
	got, last := 0, ""
	want := fmt.Sprintf("%s-%d", h.run, slides)
	for last != want {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("after %d slides (last %s): %v", got, last, err)
		}
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "id: "); ok {
			got++
			last = id
		}
	}
	if got >= slides/2 {
		t.Fatalf("a slow client got %d of %d slides", got, slides)
	}
	t.Logf("the slow client got %d of %d slides, the newest last", got, slides)
}

func TestHubLastEventID(t *testing.T) {
	h, srv := newTestHub(t, HubOptions{Retain: 4})
	for n := 1; n <= 6; n++ { // retained: 3 to 6
		h.Publish(slideJSON(n), nil, nil)
	}
	id := func(n int) string { return fmt.Sprintf("%s-%d", h.run, n) }
	for _, c := range []struct {
		name, last string
		want       []int
	}{
		{"missed two", id(4), []int{5, 6}},
		{"up to date", id(6), nil},
		{"missed more than is kept", id(1), []int{3, 4, 5, 6}},
		{"another run", "0badc0de-5", []int{6}},
		{"junk", "junk", []int{6}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openStream(t, srv.URL, c.last)
			for _, n := range c.want {
				wantSlide(t, h, s.next(t), n)
			}
			if !s.quietUntilStatus(t, h, c.name) {
				t.Fatal("more slides than missed")
			}
		})
	}
	// A stream that resumes gets what comes next, once.
	s := openStream(t, srv.URL, id(6))
	h.Publish(slideJSON(7), nil, nil)
	wantSlide(t, h, s.next(t), 7)
}

func TestHubManyStreams(t *testing.T) {
	h, srv := newTestHub(t, HubOptions{})
	const clients, slides = 60, 30
	streams := make([]*stream, clients)
	for i := range streams {
		streams[i] = openStream(t, srv.URL, "")
	}
	waitFor(t, func() bool { return h.Clients() == clients })
	for n := 1; n <= slides; n++ {
		h.Publish(slideJSON(n), nil, nil)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var prev uint64
			for ev := range s.events {
				if ev.name != "" {
					continue
				}
				var seq uint64
				fmt.Sscanf(ev.id[strings.IndexByte(ev.id, '-')+1:], "%d", &seq)
				if seq <= prev {
					errs <- fmt.Errorf("slide %d after %d", seq, prev)
					return
				}
				if prev = seq; seq == slides {
					return
				}
			}
			errs <- fmt.Errorf("stream ended at slide %d", prev)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestHubRefusesStreamsOverTheCap(t *testing.T) {
	h, srv := newTestHub(t, HubOptions{MaxClients: 2})
	openStream(t, srv.URL, "")
	openStream(t, srv.URL, "")
	resp, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || h.Clients() != 2 {
		t.Fatalf("third stream: status %d, %d open", resp.StatusCode, h.Clients())
	}
}

// TestServerCloseEndsStreams: at Close every stream ends cleanly (EOF),
// one whose client stopped reading included, and no goroutine is left.
func TestServerCloseEndsStreams(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := Listen(Options{Addr: "127.0.0.1:0", Hub: HubOptions{WriteTimeout: time.Minute, MinInterval: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	url := strings.TrimSuffix(srv.URL(), "/")
	h := srv.Hub()
	stuck, err := http.Get(url + "/events") // never read again
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return h.Clients() == 1 })
	big := []byte(`{"pad":"` + strings.Repeat("y", 1<<20) + `"}`)
	var newest *Message
	for range 16 { // fill the stuck client's socket buffers
		newest = h.Publish(big, nil, nil)
	}
	var streams []*stream
	for range 20 {
		streams = append(streams, openStream(t, url, newest.ID))
	}
	h.Publish(slideJSON(1), nil, nil)
	for _, s := range streams {
		s.next(t)
	}
	closed := make(chan error)
	start := time.Now()
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	t.Logf("Close took %v", time.Since(start).Round(time.Millisecond))
	for i, s := range streams {
		for range s.events {
		}
		if err := <-s.done; err != nil {
			t.Fatalf("stream %d ended with %v, want a clean end", i, err)
		}
	}
	stuck.Body.Close()
	if n := h.Clients(); n != 0 {
		t.Fatalf("%d streams still open", n)
	}
	if _, err := http.Get(url + "/events"); err == nil {
		t.Fatal("the server still answers after Close")
	}
	http.DefaultClient.CloseIdleConnections()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("condition not met in 10 s")
		}
	}
}

// memWriter is an in-memory ResponseWriter that records when each slide
// was written.
type memWriter struct {
	mu    sync.Mutex
	hdr   http.Header
	buf   strings.Builder
	ids   []string
	times []time.Time
}

func (w *memWriter) Header() http.Header { return w.hdr }
func (w *memWriter) WriteHeader(int)     {}
func (w *memWriter) Flush()              {}
func (w *memWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, line := range strings.Split(string(p), "\n") {
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			w.ids, w.times = append(w.ids, id), append(w.times, time.Now())
		}
	}
	return w.buf.WriteString(string(p))
}

// TestHubCapsTheSlideRate: slides that come faster than MinInterval reach
// a stream at most that often, the newest last; slides further apart are
// sent as they come.
func TestHubCapsTheSlideRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(HubOptions{MinInterval: 100 * time.Millisecond})
		w := &memWriter{hdr: http.Header{}}
		go h.ServeHTTP(w, httptest.NewRequest("GET", "/events", nil))
		synctest.Wait()
		for n := 1; n <= 50; n++ { // a slide every 10 ms
			h.Publish(slideJSON(n), nil, nil)
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Second)
		for n := 51; n <= 53; n++ { // then one every 200 ms
			h.Publish(slideJSON(n), nil, nil)
			time.Sleep(200 * time.Millisecond)
		}
		synctest.Wait()
		h.Close()
		w.mu.Lock()
		defer w.mu.Unlock()
		id := func(n int) string { return fmt.Sprintf("%s-%d", h.run, n) }
		if len(w.ids) < 8 || len(w.ids) > 10 || w.ids[0] != id(1) {
			t.Fatalf("%d slides sent: %v", len(w.ids), w.ids)
		}
		for i := 1; i < len(w.ids); i++ {
			if gap := w.times[i].Sub(w.times[i-1]); gap < 100*time.Millisecond {
				t.Fatalf("slides %s and %s %v apart", w.ids[i-1], w.ids[i], gap)
			}
		}
		tail := w.ids[len(w.ids)-4:]
		if tail[0] != id(50) || tail[1] != id(51) || tail[2] != id(52) || tail[3] != id(53) {
			t.Fatalf("the burst's newest and the slow slides: %v", tail)
		}
	})
}

// FuzzLastEventID: whatever a client sends as Last-Event-ID, the hub
// answers with the retained slides after it if it is one of this run's
// ids, else with the newest.
func FuzzLastEventID(f *testing.F) {
	h := NewHub(HubOptions{Retain: 5})
	for n := 1; n <= 8; n++ { // retained: 4 to 8
		h.Publish(slideJSON(n), nil, nil)
	}
	for _, s := range []string{"", "junk", h.run + "-5", h.run + "-", h.run + "-99", h.run + "--1", "-3", h.run + "-18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, last string) {
		h.mu.Lock()
		got, _ := h.missed(last)
		h.mu.Unlock()
		var want []uint64
		rest, ours := strings.CutPrefix(last, h.run+"-")
		if n, err := strconv.ParseUint(rest, 10, 64); ours && err == nil {
			for s := max(n+1, 4); s <= 8 && s > n; s++ {
				want = append(want, s)
			}
		} else {
			want = []uint64{8}
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d slides, want %v", last, len(got), want)
		}
		for i, m := range got {
			if m.Seq != want[i] {
				t.Fatalf("%q: slide %d, want %v", last, m.Seq, want)
			}
		}
	})
}

// TestNewStreamKeepsItsFirstSlide: what a new stream is sent first is its
// own: a slide published before the stream has written it (the hub full,
// so that its slides shift) leaves it alone.
func TestNewStreamKeepsItsFirstSlide(t *testing.T) {
	for _, lastID := range []string{"", "another-run-7"} {
		h := NewHub(HubOptions{Retain: 2, MinInterval: time.Nanosecond})
		for n := range 3 {
			h.Publish(slideJSON(n), nil, nil)
		}
		c, _, backlog, _, err := h.subscribe(lastID)
		if err != nil || len(backlog) != 1 {
			t.Fatalf("subscribe(%q): %d slides, %v", lastID, len(backlog), err)
		}
		newest := backlog[0]
		h.Publish(slideJSON(3), nil, nil)
		if backlog[0] != newest {
			t.Errorf("subscribe(%q): the first slide changed to %s under the stream", lastID, backlog[0].JSON)
		}
		h.unsubscribe(c)
		h.Close()
	}
}

// TestHubSendsTheChangeAfterTheSlideBefore: a stream that got a slide gets
// the next one's discs as a change; a new stream, one that reconnects from
// an id not of this run, or a stream that skipped a slide, gets them all.
func TestHubSendsTheChangeAfterTheSlideBefore(t *testing.T) {
	h, srv := newTestHub(t, HubOptions{})
	discs := func(n int) ([]byte, []byte) {
		return fmt.Appendf(nil, `{"all":[%d]}`, n), fmt.Appendf(nil, `{"from":"%s-%d","set":[%d]}`, h.run, n-1, n)
	}
	publish := func(n int) {
		all, delta := discs(n)
		if n == 1 {
			delta = nil
		}
		h.PublishSlide(slideJSON(n), nil, all, delta)
	}
	want := func(ev event, n int, change bool) {
		t.Helper()
		all, delta := discs(n)
		d := string(all)
		if change {
			d = string(delta)
		}
		w := fmt.Sprintf(`{"id":"%s-%d","image":"","window":{"n":%d},"discs":%s}`, h.run, n, n, d)
		if ev.data != w {
			t.Fatalf("got %s\nwant %s", ev.data, w)
		}
	}
	publish(1)
	s := openStream(t, srv.URL, "")
	want(s.next(t), 1, false)
	for n := 2; n <= 4; n++ {
		publish(n)
		want(s.next(t), n, true)
	}
	// Reconnecting from slide 3 of this run: 4 as a change; from another
	// run's id: 4 in full.
	want(openStream(t, srv.URL, h.run+"-3").next(t), 4, true)
	want(openStream(t, srv.URL, "0badc0de-3").next(t), 4, false)
	// A stream that skipped 5 (its buffer holds only the newest) gets 6
	// in full.
	c, _, _, last, err := h.subscribe(h.run + "-4")
	if err != nil || last != 4 {
		t.Fatalf("subscribe: %d %v", last, err)
	}
	defer h.unsubscribe(c)
	publish(5)
	publish(6)
	if m := c.take(); m.Seq != 6 || string(m.frameAfter(last)) != string(m.frame) || string(m.frameAfter(5)) != string(m.delta) {
		t.Fatalf("after a skipped slide: slide %d", m.Seq)
	}
	// The JSON the page lists (/api/windows) never carries the discs.
	for _, m := range h.Retained() {
		if strings.Contains(string(m.JSON), "discs") {
			t.Fatalf("discs in %s", m.JSON)
		}
	}
}
