package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

// DefaultHistoryWindows is how many windows a rebuild of the stream's
// history keeps at most: two hours of 20 s slides.
const DefaultHistoryWindows = 360

// States of a rebuild, as GET /api/history says them.
const (
	HistoryIdle      = "idle"      // none asked for yet
	HistoryRunning   = "running"   // windows are being rebuilt
	HistoryDone      = "done"      // rebuilt up to the live run's present
	HistoryFailed    = "failed"    // stopped by an error (see its error)
	HistoryCancelled = "cancelled" // cancelled, or the analyzer is stopping
)

// ErrHistoryBusy is returned by History.Start while a rebuild runs.
var ErrHistoryBusy = errors.New("a rebuild of the history is already running: wait for it or cancel it")

// errHistoryClosed is returned by History.Start once the server closes.
var errHistoryClosed = errors.New("the live page is closing")

// HistoryOptions configures the rebuilding of a stream's history (with
// --nats). A zero Rebuild means the input keeps no history: the page
// offers none.
type HistoryOptions struct {
	// Rebuild reads the stream from the time from up to where the live
	// run stands, runs it through a model and pipeline of its own and
	// writes every window to out (a pipeline.Output, which the pipeline
	// closes). It returns when that is done or ctx ends. It runs in a
	// goroutine of the History's, one at a time.
	Rebuild func(ctx context.Context, from time.Time, out *HistoryOutput) error
	// Windows is the most windows a rebuild keeps [DefaultHistoryWindows];
	// a request reaching back further than Windows slides (of Slide) is
	// cut to that, and only the newest Windows windows are kept.
	Windows int
	Slide   time.Duration
	// Now is the wall clock (tests inject one).
	Now    func() time.Time
	Logger *slog.Logger
}

// History runs the rebuilds of the stream's history that the page asks
// for, one at a time, and keeps the windows of the latest. It is safe for
// concurrent use; Close cancels a rebuild and waits for it.
type History struct {
	opts HistoryOptions
	log  *slog.Logger

	mu      sync.Mutex
	state   string
	from    time.Time // the first window asked for
	clipped bool      // from was cut to the limit
	started time.Time
	ended   time.Time
	err     string
	hub     *Hub // the latest rebuild's windows
	out     *HistoryOutput
	cancel  context.CancelFunc
	done    chan struct{} // closed when the running rebuild returns
	closed  bool
}

// NewHistory returns a History; opts.Rebuild must be set.
func NewHistory(opts HistoryOptions) *History {
	if opts.Windows <= 0 {
		opts.Windows = DefaultHistoryWindows
	}
	if opts.Slide <= 0 {
		opts.Slide = 20 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &History{opts: opts, log: opts.Logger, state: HistoryIdle, hub: NewHub(HubOptions{Retain: opts.Windows})}
}

// Start begins a rebuild from the time from (the zero time, or a time
// further back than the limit: as far back as the limit allows). It
// returns ErrHistoryBusy while another runs.
func (h *History) Start(from time.Time) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errHistoryClosed
	}
	if h.state == HistoryRunning {
		return ErrHistoryBusy
	}
	now := h.opts.Now()
	if from.After(now) {
		return fmt.Errorf("the time %s is still to come", from.Format(time.RFC3339))
	}
	earliest := now.Add(-time.Duration(h.opts.Windows) * h.opts.Slide)
	h.clipped = from.Before(earliest)
	if h.clipped {
		from = earliest
	}
	h.from, h.started, h.ended, h.err = from, now, time.Time{}, ""
	h.state = HistoryRunning
	h.hub = NewHub(HubOptions{Retain: h.opts.Windows})
	h.out = &HistoryOutput{hub: h.hub}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan struct{})
	h.log.Info("rebuilding the stream's history for the live page", "from", from)
	go h.run(ctx, from, h.out, h.done) // owned by h: ends with its ctx (Cancel, Close)
	return nil
}

func (h *History) run(ctx context.Context, from time.Time, out *HistoryOutput, done chan struct{}) {
	defer close(done)
	err := h.opts.Rebuild(ctx, from, out)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ended = h.opts.Now()
	switch {
	case ctx.Err() != nil:
		h.state = HistoryCancelled
	case err != nil:
		h.state, h.err = HistoryFailed, err.Error()
		h.log.Warn("rebuilding the stream's history", "err", err)
	default:
		h.state = HistoryDone
	}
	h.cancel()
	h.log.Info("the stream's history rebuilt", "state", h.state, "windows", out.Windows(), "took", h.ended.Sub(h.started).Round(time.Millisecond))
}

// Cancel stops the running rebuild, if any, and waits for it; the windows
// it made so far stay.
func (h *History) Cancel() {
	h.mu.Lock()
	cancel, done := h.cancel, h.done
	h.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Close cancels a rebuild, waits for it and refuses new ones.
func (h *History) Close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.Cancel()
}

// historyStatus is GET /api/history.
type historyStatus struct {
	Available bool       `json:"available"`
	State     string     `json:"state"`
	From      *time.Time `json:"from,omitempty"`
	Clipped   bool       `json:"clipped"`
	Started   *time.Time `json:"started,omitempty"`
	Ended     *time.Time `json:"ended,omitempty"`
	Windows   int        `json:"windows"`
	Limit     int        `json:"limit"`
	Error     string     `json:"error,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// status is what the page is told of the rebuilds; a nil History has none.
func (h *History) status() historyStatus {
	if h == nil {
		return historyStatus{State: HistoryIdle}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	st := historyStatus{Available: true, State: h.state, From: timePtr(h.from), Clipped: h.clipped,
		Started: timePtr(h.started), Ended: timePtr(h.ended), Limit: h.opts.Windows, Error: h.err}
	if h.out != nil {
		st.Windows = h.out.Windows()
	}
	return st
}

// windows returns the latest rebuild's windows, oldest first.
func (h *History) windows() []*Message {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	hub := h.hub
	h.mu.Unlock()
	return hub.Retained()
}

// find returns a window of the latest rebuild.
func (h *History) find(id string) (*Message, bool) {
	if h == nil {
		return nil, false
	}
	h.mu.Lock()
	hub := h.hub
	h.mu.Unlock()
	return hub.Find(id)
}

// HistoryOutput is the pipeline.Output of a rebuild: it keeps each window
// as the page shows it (clusters in the colours of model.Result.Colours,
// events, discs, examples), the newest HistoryOptions.Windows of them.
type HistoryOutput struct {
	hub  *Hub
	prev map[int]int // cluster sizes of the window before (the pipeline's goroutine)
	mu   sync.Mutex
	n    int
}

// Write implements pipeline.Output.
func (o *HistoryOutput) Write(r *model.Result) error {
	var s *slide
	s, o.prev = slideOf(r, o.prev)
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encoding a window of the history: %w", err)
	}
	o.hub.PublishSlide(b, s.examples, discsJSON(discsOf(s.placed)), nil)
	o.mu.Lock()
	o.n = min(o.n+1, o.hub.opts.Retain)
	o.mu.Unlock()
	return nil
}

// Close implements pipeline.Output.
func (o *HistoryOutput) Close() error { return nil }

// Windows is how many windows the rebuild keeps so far.
func (o *HistoryOutput) Windows() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}
