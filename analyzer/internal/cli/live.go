package cli

import (
	"context"
	"image/color"
	"time"

	"github.com/geostream/geostream/analyzer/internal/input"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/analyzer/internal/render"
	"github.com/geostream/geostream/analyzer/internal/web"
	"github.com/spf13/pflag"
)

// liveExamples is how many tweets the page shows for a cluster.
const liveExamples = 5

// liveOptions are the flags of the live page.
type liveOptions struct {
	addr    string
	linger  time.Duration
	windows int
}

func addLiveFlags(f *pflag.FlagSet, o *liveOptions) {
	f.StringVar(&o.addr, "http", "", "serve a live page (map, clusters, example tweets) on this address, e.g. 127.0.0.1:8080; any other than loopback needs --token")
	f.DurationVar(&o.linger, "http-linger", 0, "with --http: keep serving the page this long after the input ends (Ctrl-C ends it at once)")
	f.IntVar(&o.windows, "http-windows", web.DefaultRetain, "with --http: how many recent windows the page's slider goes back over")
}

// completeLive checks the flags and asks the model and pipeline for what
// the page shows; it runs before the model is built.
func (o *RunOptions) completeLive() error {
	l := &o.Live
	if l.addr == "" {
		if l.linger != 0 {
			return usagef("--http-linger needs --http")
		}
		return nil
	}
	if l.linger < 0 {
		return usagef("--http-linger must not be negative")
	}
	if l.windows < 1 || l.windows > 1000 {
		return usagef("--http-windows must be between 1 and 1000")
	}
	wo := web.Options{Addr: l.addr, Token: o.Token}
	if err := wo.Validate(); err != nil {
		return usageError{err}
	}
	o.Model.cluster.Examples = liveExamples
	o.Pipeline.KeepText = true
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
	srv, err := web.Listen(web.Options{Addr: o.Live.addr, Token: o.Token, Hub: web.HubOptions{Retain: o.Live.windows}, Logger: log})
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
	opts := web.OutputOptions{Hub: srv.Hub(), Slide: o.Pipeline.Window.Slide, Input: state, Logger: log,
		Colours: mapColours(o.mapOpts)}
	if o.Maps {
		opts.Maps = web.MapFiles{Dir: o.Out, Name: output.MapName}
	}
	if err := opts.Validate(); err != nil {
		srv.Close()
		return nil, err
	}
	out := web.NewOutput(opts)
	o.Socket.OnState = func(s input.State) { out.SetInput(string(s)) }
	log.Info("serving the live page", "url", srv.URL())
	return &live{srv: srv, out: out, linger: o.Live.linger, o: o}, nil
}

// mapColours gives each window's clusters the colours the map output
// gives them: they are kept from window to window while a cluster lives,
// so this keeps a render.Colors of its own, fed the same windows in the
// same order (every window, as the map output does, drawn or skipped).
// Colors ranks the clusters by their tweets on the map, so the frame it is
// given holds the points alone, in a buffer kept from window to window.
func mapColours(mo output.MapsOptions) func(*model.Result) map[int]color.Color {
	var colors render.Colors
	var f render.Frame
	return func(r *model.Result) map[int]color.Color {
		f.Box, f.MaxColored, f.Colors = mo.Box, mo.MaxColored, nil
		f.Points = f.Points[:0]
		for _, p := range r.Points {
			f.Points = append(f.Points, render.Point{Lon: float32(p.Lon), Lat: float32(p.Lat), Cluster: int32(p.Cluster)})
		}
		colors.Assign(&f)
		out := make(map[int]color.Color, len(r.Clusters))
		for _, c := range r.Clusters {
			out[c.ID] = render.Grey
			if i, ok := f.Colors[c.ID]; ok && i >= 0 && i < len(render.Palette) {
				out[c.ID] = render.Palette[i]
			}
		}
		return out
	}
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
