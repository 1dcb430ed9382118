// Package profile looks up Bluesky authors' public profiles (handle,
// display name, description) from an AppView, for the scraper to add to
// the posts it serves: a Jetstream post carries no place and no profile,
// and many authors say in their profile where they are.
//
// A Lookup asks the AppView's public, unauthenticated
// app.bsky.actor.getProfiles for up to 25 authors a call, gathering the
// authors of posts that arrive within Linger; it keeps what it learns in
// a bounded cache that forgets a profile after TTL; it makes at most Rate
// calls a second and stops asking while the AppView says to (HTTP 429,
// Retry-After, RateLimit-Remaining 0) or fails. A post never waits for
// its author's profile longer than Wait: then it goes without one. Each
// post's outcome is counted (Stats).
package profile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/backoff"
)

// DefaultURL is Bluesky's public AppView, cached and meant for
// unauthenticated reads.
const DefaultURL = "https://public.api.bsky.app"

// Defaults and bounds of the Options.
const (
	// MaxBatch is the most actors getProfiles takes in one call.
	MaxBatch = 25
	// DefaultWait is how long a post may wait for its author's profile.
	DefaultWait = time.Second
	// DefaultLinger is how long the authors of posts arriving together are
	// gathered into one call.
	DefaultLinger = 100 * time.Millisecond
	// DefaultRate is the most calls a second: 1,500 a five minutes, half
	// the 3,000 Bluesky's services allow an address, for the AppView's
	// limits are not published.
	DefaultRate = 5
	// DefaultCacheSize is how many authors' profiles are kept, about 15 MB.
	DefaultCacheSize = 50_000
	// DefaultTTL is how long a profile is kept before it is asked again;
	// an author the AppView does not know is asked again after a sixth of it.
	DefaultTTL = 6 * time.Hour
	// DefaultTimeout bounds one call.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxResponse bounds one answer in bytes: 25 profiles are some
	// 20 kB.
	DefaultMaxResponse = 1 << 20
	// maxQueued bounds the authors waiting for a call; beyond it, more new
	// authors arrive than the rate lets be asked, and a post goes without.
	maxQueued = 10 * MaxBatch
)

// Options configures a Lookup. The zero value of a field is its default.
type Options struct {
	// URL is the AppView's address [DefaultURL]: scheme and host, and a
	// path prefix if any.
	URL string
	// Client makes the calls [a client of its own].
	Client *http.Client
	// Wait [DefaultWait], Linger [DefaultLinger], Rate (calls a second)
	// [DefaultRate], CacheSize [DefaultCacheSize], TTL [DefaultTTL],
	// Timeout [DefaultTimeout], MaxResponse [DefaultMaxResponse]: see
	// the constants.
	Wait        time.Duration
	Linger      time.Duration
	Rate        float64
	CacheSize   int
	TTL         time.Duration
	Timeout     time.Duration
	MaxResponse int64
	Logger      *slog.Logger
	// Now is the clock of the cache and of the AppView's pauses, Sleep
	// how the rate is kept; nil is the real clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.URL != "" {
		u, err := url.Parse(o.URL)
		if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("profile: %q is not an http:// or https:// address of an AppView", o.URL)
		}
	}
	if o.Wait < 0 || o.Linger < 0 || o.Rate < 0 || o.CacheSize < 0 || o.TTL < 0 || o.Timeout < 0 || o.MaxResponse < 0 {
		return errors.New("profile: Wait, Linger, Rate, CacheSize, TTL, Timeout and MaxResponse must not be negative")
	}
	return nil
}

// Outcome is what became of one post's profile.
type Outcome uint8

// The outcomes, one for each post.
const (
	LookedUp    Outcome = iota // looked up for it (or for a post by the same author just before)
	Cached                     // known already
	NoProfile                  // the AppView has none for its author (or the author's DID is no DID)
	Timeout                    // not known within Wait: the post went without
	Failed                     // the lookup failed, or lookups are paused after failures
	RateLimited                // not asked: the AppView said to slow down, or too many new authors at once
)

// Stats count posts by outcome, and calls.
type Stats struct {
	LookedUp, Cached, NoProfile, Timeouts, Failures, RateLimited int64 // posts
	Calls, CallFailures, CallsRateLimited                        int64 // getProfiles calls
	CacheLen                                                     int64 // authors in the cache
}

// LogValue makes Stats one log group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("looked_up", s.LookedUp), slog.Int64("cached", s.Cached),
		slog.Int64("no_profile", s.NoProfile), slog.Int64("timeouts", s.Timeouts), slog.Int64("failures", s.Failures),
		slog.Int64("rate_limited", s.RateLimited), slog.Int64("calls", s.Calls), slog.Int64("call_failures", s.CallFailures),
		slog.Int64("calls_rate_limited", s.CallsRateLimited), slog.Int64("cache_len", s.CacheLen))
}

// Lookup looks profiles up. Ask may be called from any goroutine; Start
// runs the calls until Close.
type Lookup struct {
	opts     Options
	log      *slog.Logger
	interval time.Duration // between two calls' starts

	mu          sync.Mutex
	cache       *cache
	flights     map[string]*flight // authors asked for and not yet answered
	queue       []string           // of those, the ones waiting for a call
	pausedUntil time.Time          // no call before this
	pauseWhy    Outcome            // RateLimited or Failed
	nextCall    time.Time          // the rate's: no call before this
	failing     backoff.Backoff    // pauses after failed calls

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}

	n struct {
		outcomes                              [RateLimited + 1]atomic.Int64
		timeouts                              atomic.Int64
		calls, callFailures, callsRateLimited atomic.Int64
	}
}

// flight is one author's profile being looked up: frag and outcome are set
// before done is closed.
type flight struct {
	done    chan struct{}
	frag    []byte
	outcome Outcome
}

// New returns a Lookup for valid options; Start starts its calls.
func New(opts Options) (*Lookup, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	opts.URL = strings.TrimSuffix(opts.URL, "/")
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: opts.Timeout}
	}
	if opts.Wait == 0 {
		opts.Wait = DefaultWait
	}
	if opts.Linger == 0 {
		opts.Linger = DefaultLinger
	}
	if opts.Rate == 0 {
		opts.Rate = DefaultRate
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MaxResponse == 0 {
		opts.MaxResponse = DefaultMaxResponse
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = source.Sleep
	}
	return &Lookup{opts: opts, log: opts.Logger, interval: time.Duration(float64(time.Second) / opts.Rate),
		cache: newCache(opts.CacheSize), flights: make(map[string]*flight), wake: make(chan struct{}, 1),
		failing: backoff.Exponential(time.Second, time.Minute, 0.2)}, nil
}

// Start runs the calls in a goroutine of the Lookup's own until Close.
func (l *Lookup) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.done = cancel, make(chan struct{})
	go l.run(ctx)
}

// Close stops the calls and waits for them; the posts still waiting go
// without their profile.
func (l *Lookup) Close() {
	if l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
	l.cancel = nil
}

// Stats returns the counters so far.
func (l *Lookup) Stats() Stats {
	l.mu.Lock()
	n := l.cache.len()
	l.mu.Unlock()
	o := &l.n.outcomes
	return Stats{LookedUp: o[LookedUp].Load(), Cached: o[Cached].Load(), NoProfile: o[NoProfile].Load(),
		Timeouts: l.n.timeouts.Load(), Failures: o[Failed].Load(), RateLimited: o[RateLimited].Load(),
		Calls: l.n.calls.Load(), CallFailures: l.n.callFailures.Load(), CallsRateLimited: l.n.callsRateLimited.Load(),
		CacheLen: int64(n)}
}

// Ticket is one post's wait for its author's profile.
type Ticket struct {
	l       *Lookup
	f       *flight // nil when the outcome was known at once
	frag    []byte
	outcome Outcome
	asked   time.Time
}

// Ask returns a Ticket for the profile of the author did, starting its
// lookup unless it is known or being looked up.
func (l *Lookup) Ask(did string) *Ticket {
	t := &Ticket{l: l, asked: time.Now()}
	if !validDID(did) {
		t.outcome = NoProfile
		return t
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.opts.Now()
	switch frag, ok := l.cache.get(did, now); {
	case ok && frag == nil:
		t.outcome = NoProfile
	case ok:
		t.frag, t.outcome = frag, Cached
	case l.flights[did] != nil:
		t.f = l.flights[did]
	case now.Before(l.pausedUntil):
		t.outcome = l.pauseWhy
	case len(l.queue) >= maxQueued:
		t.outcome = RateLimited
	default:
		t.f = &flight{done: make(chan struct{})}
		l.flights[did] = t.f
		l.queue = append(l.queue, did)
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	return t
}

// Wait returns the profile as added to a line (see Fragment), or nil when
// the post goes without one: the author has none, the lookup failed or
// was not made, or it took longer than Wait since Ask. It counts the
// outcome, and returns ctx.Err() if ctx ends first (counting nothing).
func (t *Ticket) Wait(ctx context.Context) ([]byte, error) {
	if t.f != nil {
		select {
		case <-t.f.done: // known, however late this is asked
		default:
			left := t.l.opts.Wait - time.Since(t.asked)
			if left <= 0 {
				t.l.n.timeouts.Add(1)
				return nil, nil
			}
			timer := time.NewTimer(left)
			defer timer.Stop()
			select {
			case <-t.f.done:
			case <-timer.C:
				t.l.n.timeouts.Add(1)
				return nil, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		t.frag, t.outcome = t.f.frag, t.f.outcome
	}
	t.l.n.outcomes[t.outcome].Add(1)
	return t.frag, nil
}

// run makes the calls: as soon as MaxBatch authors wait, or Linger after
// the first, no sooner than the rate allows.
func (l *Lookup) run(ctx context.Context) {
	defer close(l.done)
	defer l.settleAll(Failed)
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		}
		for l.queued() > 0 {
			if l.queued() < MaxBatch {
				if !l.linger(ctx) {
					return
				}
			}
			if !l.batch(ctx) {
				return
			}
		}
	}
}

func (l *Lookup) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue)
}

// linger waits Linger for more authors, or until a batch is full.
func (l *Lookup) linger(ctx context.Context) bool {
	timer := time.NewTimer(l.opts.Linger)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-l.wake:
			if l.queued() >= MaxBatch {
				return true
			}
		}
	}
}

// batch makes one call for up to MaxBatch waiting authors, or settles
// them at once while the AppView is not to be asked.
func (l *Lookup) batch(ctx context.Context) bool {
	l.mu.Lock()
	now := l.opts.Now()
	if now.Before(l.pausedUntil) {
		why, dids := l.pauseWhy, l.take()
		l.mu.Unlock()
		l.settle(dids, nil, why)
		return true
	}
	l.mu.Unlock()
	if d := l.rateWait(); d > 0 {
		if err := l.opts.Sleep(ctx, d); err != nil {
			return false
		}
	}
	l.mu.Lock()
	dids := l.take()
	l.mu.Unlock()
	if len(dids) == 0 {
		return true
	}
	l.n.calls.Add(1)
	a, err := l.call(ctx, dids)
	if ctx.Err() != nil {
		l.settle(dids, nil, Failed)
		return false
	}
	l.mu.Lock()
	now = l.opts.Now()
	switch {
	case errors.Is(err, errRateLimited):
		l.n.callsRateLimited.Add(1)
		l.pause(now, a.pause, RateLimited)
		l.log.Warn("the AppView asks to slow down; profiles paused", "for", a.pause.Round(time.Second))
	case err != nil:
		l.n.callFailures.Add(1)
		d := l.failing.Next()
		l.pause(now, max(d, a.pause), Failed)
		l.log.Warn("profile lookup failed; profiles paused", "err", err, "for", d.Round(time.Millisecond))
	default:
		l.failing.Reset()
		if a.pause > 0 {
			l.pause(now, a.pause, RateLimited)
			l.log.Info("the AppView's rate limit is reached; profiles paused", "for", a.pause.Round(time.Second))
		}
	}
	if err == nil {
		for _, did := range dids {
			if frag, ok := a.frags[did]; ok {
				l.cache.put(did, frag, now.Add(l.opts.TTL))
			} else {
				l.cache.put(did, nil, now.Add(l.opts.TTL/6))
			}
		}
	}
	l.mu.Unlock()
	if err != nil {
		why := Failed
		if errors.Is(err, errRateLimited) {
			why = RateLimited
		}
		l.settle(dids, nil, why)
		return true
	}
	l.settle(dids, a.frags, LookedUp)
	return true
}

// rateWait returns how long to wait before the next call, and books it.
func (l *Lookup) rateWait() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.opts.Now()
	at := l.nextCall
	if at.Before(now) {
		at = now
	}
	l.nextCall = at.Add(l.interval)
	return at.Sub(now)
}

// take removes up to MaxBatch authors from the queue; l.mu is held.
func (l *Lookup) take() []string {
	n := min(len(l.queue), MaxBatch)
	dids := append([]string(nil), l.queue[:n]...)
	l.queue = append(l.queue[:0], l.queue[n:]...)
	return dids
}

// pause stops the calls for d from now; l.mu is held.
func (l *Lookup) pause(now time.Time, d time.Duration, why Outcome) {
	if until := now.Add(d); d > 0 && until.After(l.pausedUntil) {
		l.pausedUntil, l.pauseWhy = until, why
	}
}

// settle answers the flights of dids: those in frags with their profile
// (LookedUp), the others with none and outcome.
func (l *Lookup) settle(dids []string, frags map[string][]byte, outcome Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, did := range dids {
		f := l.flights[did]
		if f == nil {
			continue
		}
		delete(l.flights, did)
		if frag, ok := frags[did]; ok {
			f.frag, f.outcome = frag, LookedUp
		} else if outcome == LookedUp {
			f.outcome = NoProfile
		} else {
			f.outcome = outcome
		}
		close(f.done)
	}
}

// settleAll answers every flight with outcome: at Close.
func (l *Lookup) settleAll(outcome Outcome) {
	l.mu.Lock()
	dids := make([]string, 0, len(l.flights))
	for did := range l.flights {
		dids = append(dids, did)
	}
	l.queue = nil
	l.mu.Unlock()
	l.settle(dids, nil, outcome)
}
