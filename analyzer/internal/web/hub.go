package web

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for HubOptions fields left zero.
const (
	DefaultRetain       = 30
	DefaultHeartbeat    = 15 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	DefaultMaxClients   = 256
	DefaultMinInterval  = 250 * time.Millisecond
)

// HubOptions configures a Hub. Zero values take the defaults above.
type HubOptions struct {
	// Retain is how many slides (and their maps) are kept for the slider
	// and for streams that reconnect.
	Retain int
	// Heartbeat is how often an idle stream gets a comment line, so that
	// proxies keep it open and dead clients are noticed.
	Heartbeat time.Duration
	// WriteTimeout drops a stream whose client has not taken a write for
	// this long.
	WriteTimeout time.Duration
	// MaxClients caps the open streams; more are refused with 503.
	MaxClients int
	// MinInterval is the least time between two slides on a stream: when
	// slides come faster (a replay of a capture), a stream gets the newest
	// one this often, and the page fetches the ones it skipped from
	// /api/windows. A live stream's slides are seconds apart and never
	// wait.
	MinInterval time.Duration
}

func (o *HubOptions) fill() {
	if o.Retain <= 0 {
		o.Retain = DefaultRetain
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.MaxClients <= 0 {
		o.MaxClients = DefaultMaxClients
	}
	if o.MinInterval <= 0 {
		o.MinInterval = DefaultMinInterval
	}
}

// Message is one slide as the page gets it.
type Message struct {
	// ID is "<run>-<seq>": seq counts from 1 in publishing order, and run
	// is random per Hub, so that an id from an earlier run of the analyzer
	// is never taken for one of this run's.
	ID  string
	Seq uint64
	// JSON is {"id","image","window"}: the id, the map's URL ("" when
	// the map was not there when the slide was published) and the window
	// as published.
	JSON []byte
	// image is the map (PNG), or nil: it may come after the slide.
	image atomic.Pointer[[]byte]
	// discs is the window's posts gathered into discs, {"all":[...]}.
	discs []byte
	// examples is what the page fetches when a cluster is selected (its
	// example tweets): it stays out of the stream, and is encoded only if
	// a page asks for it.
	examples     any
	examplesOnce sync.Once
	examplesJSON []byte
	frame        []byte // the SSE event, with every disc
	delta        []byte // the SSE event, with the discs' change from the slide before (nil: none)
}

// Image is the slide's map (PNG), or nil while there is none.
func (m *Message) Image() []byte {
	if p := m.image.Load(); p != nil {
		return *p
	}
	return nil
}

func (m *Message) setImage(b []byte) {
	if b != nil {
		m.image.Store(&b)
	}
}

// Discs is the window's discs, {"all":[[cluster, lon, lat, kind, posts],
// ...]}, or nil for a slide published without them.
func (m *Message) Discs() []byte { return m.discs }

// Hub keeps the newest slides and fans them out to Server-Sent Events
// streams. Every stream has a buffer of one slide (and one status): a
// stream that falls behind gets the newest and skips the rest, and
// Publish never waits for a stream. It is safe for concurrent use.
type Hub struct {
	opts HubOptions
	run  string

	mu      sync.Mutex
	seq     uint64
	msgs    []*Message // retained, oldest first
	status  []byte     // newest status event, or nil
	clients map[*client]struct{}
	closed  bool
	done    chan struct{}
	streams sync.WaitGroup
}

// client is one open stream's buffer: the newest slide not sent yet, and a
// wake-up token for its handler. While the handler holds back (the slides
// come faster than MinInterval), it does not listen for the token, so a
// burst of slides costs it nothing until it sends again.
type client struct {
	mu      sync.Mutex
	pending *Message
	wake    chan struct{} // one token at most
	status  chan []byte   // holds at most the newest status event
}

// put makes m the slide to send next.
func (c *client) put(m *Message) {
	c.mu.Lock()
	c.pending = m
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take returns the slide to send, if any, and empties the buffer.
func (c *client) take() *Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.pending
	c.pending = nil
	return m
}

// NewHub returns an empty hub.
func NewHub(opts HubOptions) *Hub {
	opts.fill()
	var b [4]byte
	rand.Read(b[:])
	return &Hub{opts: opts, run: hex.EncodeToString(b[:]), clients: map[*client]struct{}{}, done: make(chan struct{})}
}

// offer puts v in a one-slot channel, replacing what waits there. Only
// the hub sends (under its lock), so the slot is free after the drain.
func offer[T any](ch chan T, v T) {
	select {
	case <-ch:
	default:
	}
	select {
	case ch <- v:
	default:
	}
}

// Publish adds a slide: window is its JSON, examples what the page may
// fetch of it later (a value for encoding/json, or nil) and image its map
// (PNG, or nil). It returns the message, after handing it to every open
// stream.
func (h *Hub) Publish(window []byte, examples any, image []byte) *Message {
	return h.publish(window, examples, image, nil, nil)
}

// PublishSlide adds a slide whose map comes later (Message.setImage), with
// its discs: all of them ({"all":[...]}) and their change from the slide
// published before ({"from":id,...}, or nil). A stream that sent the slide
// before gets the change; any other gets them all.
func (h *Hub) PublishSlide(window []byte, examples any, discs, delta []byte) *Message {
	return h.publish(window, examples, nil, discs, delta)
}

func (h *Hub) publish(window []byte, examples any, image, discs, delta []byte) *Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	m := &Message{ID: h.run + "-" + strconv.FormatUint(h.seq, 10), Seq: h.seq, examples: examples, discs: discs}
	m.setImage(image)
	url := ""
	if image != nil {
		url = "/map/" + m.ID + ".png"
	}
	// One buffer holds the event; JSON is the part after "data: ".
	head := "id: " + m.ID + "\ndata: "
	ev := make([]byte, 0, len(head)+len(window)+len(m.ID)+len(url)+len(discs)+40)
	ev = append(ev, head...)
	ev = append(ev, `{"id":"`...)
	ev = append(ev, m.ID...)
	ev = append(ev, `","image":"`...)
	ev = append(ev, url...)
	ev = append(ev, `","window":`...)
	ev = append(ev, window...)
	m.JSON = append(ev[len(head):len(ev):len(ev)], '}')
	if discs != nil {
		body := ev
		ev = append(append(append(ev, `,"discs":`...), discs...), "}\n\n"...)
		if delta != nil {
			d := make([]byte, 0, len(body)+len(delta)+16)
			m.delta = append(append(append(append(d, body...), `,"discs":`...), delta...), "}\n\n"...)
		}
	} else {
		ev = append(ev, "}\n\n"...)
	}
	m.frame = ev
	if len(h.msgs) == h.opts.Retain {
		copy(h.msgs, h.msgs[1:])
		h.msgs[len(h.msgs)-1] = nil
		h.msgs = h.msgs[:len(h.msgs)-1]
	}
	h.msgs = append(h.msgs, m)
	for c := range h.clients {
		c.put(m)
	}
	return m
}

// SetStatus replaces the status (JSON) that every stream gets as an event
// named "status", now and when it connects.
func (h *Hub) SetStatus(status []byte) {
	ev := sseEvent("event: status\n", status)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.status = ev
	for c := range h.clients {
		offer(c.status, ev)
	}
}

// Examples returns the JSON of the slide's examples ("{}" for none).
func (m *Message) Examples() []byte {
	m.examplesOnce.Do(func() {
		b, err := json.Marshal(m.examples)
		if err != nil || m.examples == nil {
			b = []byte("{}")
		}
		m.examplesJSON = b
	})
	return m.examplesJSON
}

// sseEvent frames a one-line JSON payload as a Server-Sent Event.
func sseEvent(head string, data []byte) []byte {
	ev := make([]byte, 0, len(head)+len(data)+8)
	ev = append(ev, head...)
	ev = append(ev, "data: "...)
	ev = append(ev, data...)
	return append(ev, "\n\n"...)
}

// Retained returns the retained slides, oldest first.
func (h *Hub) Retained() []*Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Message(nil), h.msgs...)
}

// Find returns a retained slide.
func (h *Hub) Find(id string) (*Message, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return nil, false
}

// Latest returns the newest retained map, or nil.
func (h *Hub) Latest() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.msgs) - 1; i >= 0; i-- {
		if img := h.msgs[i].Image(); img != nil {
			return img
		}
	}
	return nil
}

// Clients is the number of open streams.
func (h *Hub) Clients() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// missed returns the retained slides a stream that last saw lastID has not
// seen: those after it, if it is one of this run's ids, else the newest;
// and the seq of lastID if it is one of this run's (else 0). The caller
// holds h.mu.
func (h *Hub) missed(lastID string) ([]*Message, uint64) {
	run, seq, ok := strings.Cut(lastID, "-")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || run != h.run {
		if len(h.msgs) == 0 {
			return nil, 0
		}
		// A copy, as below: Publish shifts h.msgs in place once it is full.
		return []*Message{h.msgs[len(h.msgs)-1]}, 0
	}
	i := len(h.msgs)
	for i > 0 && h.msgs[i-1].Seq > n {
		i--
	}
	return append([]*Message(nil), h.msgs[i:]...), n
}

// errClosed is returned for streams asked for after Close.
var errClosed = errors.New("web: the hub is closed")

// subscribe opens a stream's buffer and returns what it must be sent
// first: the status and the slides it missed.
func (h *Hub) subscribe(lastID string) (*client, []byte, []*Message, uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil, nil, 0, errClosed
	}
	if len(h.clients) >= h.opts.MaxClients {
		return nil, nil, nil, 0, errors.New("web: too many open streams")
	}
	c := &client{wake: make(chan struct{}, 1), status: make(chan []byte, 1)}
	h.clients[c] = struct{}{}
	h.streams.Add(1)
	missed, last := h.missed(lastID)
	return c, h.status, missed, last, nil
}

// frameAfter is the event that sends m to a stream that last got the
// slide numbered last: the change of its discs if last is the slide
// before, else all of them.
func (m *Message) frameAfter(last uint64) []byte {
	if m.delta != nil && last != 0 && last+1 == m.Seq {
		return m.delta
	}
	return m.frame
}

func (h *Hub) unsubscribe(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.streams.Done()
}

// ServeHTTP serves the event stream: first the status and the newest slide
// (or, with a Last-Event-ID of this run, every retained slide after it),
// then every slide as it is published, until the client goes or the hub
// closes.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, status, backlog, last, err := h.subscribe(r.Header.Get("Last-Event-ID"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer h.unsubscribe(c)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(b ...[]byte) bool {
		if err := rc.SetWriteDeadline(time.Now().Add(h.opts.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return false
		}
		for _, p := range b {
			if _, err := w.Write(p); err != nil {
				return false
			}
		}
		return rc.Flush() == nil
	}
	first := [][]byte{[]byte("retry: 2000\n\n")}
	if status != nil {
		first = append(first, status)
	}
	for _, m := range backlog {
		first = append(first, m.frameAfter(last))
		last = m.Seq
	}
	if !send(first...) {
		return
	}
	beat := time.NewTicker(h.opts.Heartbeat)
	defer beat.Stop()
	ping := []byte(": ping\n\n")
	// A slide that comes within MinInterval of the one sent before waits
	// (replaced by any newer one) until the timer fires.
	var next time.Time
	holding := false
	hold := time.NewTimer(time.Hour)
	hold.Stop()
	defer hold.Stop()
	slide := func() bool {
		if now := time.Now(); now.Before(next) {
			if !holding {
				hold.Reset(next.Sub(now))
				holding = true
			}
			return true
		}
		m := c.take()
		if m == nil || m.Seq <= last { // nothing new, or sent in the backlog
			return true
		}
		f := m.frameAfter(last)
		last, next = m.Seq, time.Now().Add(h.opts.MinInterval)
		return send(f)
	}
	for {
		var ok bool
		wake := c.wake
		if holding {
			wake = nil
		}
		select {
		case <-wake:
			ok = slide()
		case <-hold.C:
			holding = false
			ok = slide()
		case s := <-c.status:
			ok = send(s)
		case <-beat.C:
			ok = send(ping)
		case <-r.Context().Done():
			return
		case <-h.done:
			// The last word: a status set just before the close (the
			// input ended) still reaches the page.
			select {
			case s := <-c.status:
				send(s)
			default:
			}
			return
		}
		if !ok {
			return
		}
	}
}

// Close ends every stream and refuses new ones; it returns once every
// stream's handler has returned.
func (h *Hub) Close() {
	h.stop()
	h.streams.Wait()
}

// stop ends the streams without waiting for them.
func (h *Hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}
