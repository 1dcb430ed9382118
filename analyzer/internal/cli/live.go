package cli

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/web"
	"github.com/geostream/geostream/shared/cmdhelp"
)

// liveExamples is how many posts the page shows for a cluster.
const liveExamples = 5

// liveOptions are the flags of the live page.
type liveOptions struct {
	addr    string
	linger  time.Duration
	windows int
	relay   *mapRelay // set by completeLive
	// newModel builds a model for a rebuild of the stream's history (set
	// by completeLive).
	newModel func() (*cluster.Model, error)
}

func addLiveFlags(f *pflag.FlagSet, o *liveOptions) {
	f.StringVar(&o.addr, "http", "", "serve a live page (map, clusters, example posts) on this address, e.g. 127.0.0.1:8080; any other than loopback needs --token")
	f.DurationVar(&o.linger, "http-linger", 0, "with --http: keep serving the page this long after the input ends (Ctrl-C ends it at once)")
	f.IntVar(&o.windows, "http-windows", web.DefaultRetain, "with --http: how many recent windows the page's slider goes back over")
}

// completeLive checks the flags and asks the model and pipeline for what
// the page shows; it runs before the model is built.
func (o *RunOptions) completeLive(flags *pflag.FlagSet) error {
	l := &o.Live
	if l.addr == "" {
		if l.linger != 0 {
			return cmdhelp.Usagef("--http-linger needs --http")
		}
		return nil
	}
	if l.linger < 0 {
		return cmdhelp.Usagef("--http-linger must not be negative")
	}
	if l.windows < 1 || l.windows > 1000 {
		return cmdhelp.Usagef("--http-windows must be between 1 and 1000")
	}
	wo := web.Options{Addr: l.addr, Token: o.Token}
	if err := wo.Validate(); err != nil {
		return cmdhelp.UsageError{Err: err}
	}
	l.relay = &mapRelay{}
	o.Model.cluster.Examples = liveExamples
	o.Pipeline.KeepText = true
	l.newModel = o.historyModel(flags)
	return nil
}

// live is a running live page.
type live struct {
	srv    *web.Server
	out    *web.Output
	linger time.Duration
	o      *RunOptions
}

// startLive serves the page and returns it with its pipeline output; the
// stream's state goes to the page's status line.
func startLive(o *RunOptions) (*live, error) {
	log := o.Pipeline.Logger
	wo := web.Options{Addr: o.Live.addr, Token: o.Token, Hub: web.HubOptions{Retain: o.Live.windows}, Logger: log}
	if o.NATS.URL != "" { // the stream keeps its history: the page may have it rebuilt
		wo.History = web.HistoryOptions{Rebuild: o.history().rebuild, Slide: o.Pipeline.Window.Slide}
	}
	srv, err := web.Listen(wo)
	if err != nil {
		return nil, err
	}
	state := web.InputConnecting // the socket says when it is connected
	switch {
	case o.Input != "":
		state = web.InputReading
	case o.NATS.URL != "":
		state = web.InputConnected // NATS reconnects by itself and says nothing
	}
	opts := web.OutputOptions{Hub: srv.Hub(), Slide: o.Pipeline.Window.Slide, Input: state, Logger: log}
	if err := opts.Validate(); err != nil {
		srv.Close()
		return nil, err
	}
	out := web.NewOutput(opts)
	o.Live.relay.out.Store(out)
	o.Socket.OnState = func(s input.State) { out.SetInput(string(s)) }
	log.Info("serving the live page", "url", srv.URL())
	return &live{srv: srv, out: out, linger: o.Live.linger, o: o}, nil
}

// mapRelay hands the map output's maps to the page's output once it is
// up: the map output is made first, so that the page's output, after it in
// the pipeline, gets each window with its colours set (model.Result.Colours).
type mapRelay struct{ out atomic.Pointer[web.Output] }

func (m *mapRelay) put(end time.Time, png []byte) {
	if o := m.out.Load(); o != nil {
		o.Map(end, png)
	}
}

// onMap is the map output's OnMap: nil without --http.
func (l *liveOptions) onMap() func(time.Time, []byte) {
	if l.relay == nil {
		return nil
	}
	return l.relay.put
}

// end marks the input ended and, if the run ended by itself, keeps the
// page up for --http-linger (or until ctx ends), then closes it.
func (l *live) end(ctx context.Context) {
	l.out.SetInput(web.InputEnded)
	if l.linger > 0 && ctx.Err() == nil {
		l.o.Pipeline.Logger.Info("input ended; the live page stays up", "url", l.srv.URL(), "for", l.linger)
		t := time.NewTimer(l.linger)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if err := l.srv.Close(); err != nil {
		l.o.Pipeline.Logger.Warn("closing the live page", "err", err)
	}
}
