package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/geostream/geostream/scraper/internal/sink"
	"github.com/geostream/geostream/scraper/internal/sink/capture"
	natssink "github.com/geostream/geostream/scraper/internal/sink/nats"
	"github.com/geostream/geostream/scraper/internal/sink/server"
	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/metrics"
	"github.com/geostream/geostream/shared/wire"
)

// ServeOptions are the flags every source shares: where lines go and how.
type ServeOptions struct {
	Listen        string
	Token         string
	Out           string
	Record        string
	Format        string
	WaitClients   int
	Queue         int
	MaxClients    int
	StatsInterval time.Duration
	Speed         float64
	MaxLine       int
	ClientTimeout time.Duration
	TLSCert       string
	TLSKey        string
	MetricsAddr   string
	NATS          PublishOptions // --publish and its --nats-* flags

	lossless bool        // replay and synth: wait for the slowest client
	hello    wire.Hello  // what clients are told first: set by each command
	tls      *tls.Config // loaded from TLSCert and TLSKey
	log      *slog.Logger
}

// addServeFlags adds the shared flags; lossless sources (replay, synth)
// wait for a client by default.
func addServeFlags(cmd *cobra.Command, o *ServeOptions, lossless bool) {
	o.lossless = lossless
	f := cmd.Flags()
	f.StringVar(&o.Listen, "listen", "127.0.0.1:9999", "address to serve lines on")
	f.StringVar(&o.Token, "token", "", "shared secret clients must send as 'AUTH <token>'; unset, $GEOSTREAM_TOKEN")
	f.StringVar(&o.Out, "out", "", "write lines to this file (.gz compresses; - is stdout) instead of serving them")
	f.StringVar(&o.Record, "record", "", "also write every forwarded line to this capture (.jsonl or .gz)")
	f.StringVar(&o.Format, "format", sink.FormatRaw, "line format: raw (as the source sent it) or compact (normalized, ~10x smaller)")
	waitDefault := 0
	if lossless {
		waitDefault = 1
	}
	f.IntVar(&o.WaitClients, "wait-clients", waitDefault, "hold the stream until this many clients are connected")
	f.IntVar(&o.Queue, "queue", server.DefaultQueueLen, "per-client queue length in lines")
	f.IntVar(&o.MaxClients, "max-clients", server.DefaultMaxClients, "most clients served at once (0: no limit)")
	f.DurationVar(&o.StatsInterval, "stats-interval", server.DefaultStatsInterval, "how often to log stats (0: never)")
	f.DurationVar(&o.ClientTimeout, "client-timeout", server.DefaultWriteTimeout, "disconnect a client that accepts nothing for this long")
	f.IntVar(&o.MaxLine, "max-line", wire.DefaultMaxLine, "longest line in bytes; longer lines are skipped and counted")
	f.StringVar(&o.TLSCert, "tls-cert", "", "serve TLS with this certificate (PEM; needs --tls-key)")
	f.StringVar(&o.TLSKey, "tls-key", "", "private key (PEM) for --tls-cert")
	f.StringVar(&o.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9100")
	addPublishFlags(f, &o.NATS)
}

// complete checks the shared flags, fills what they imply and builds the
// logger; every error is a usage error.
func (o *ServeOptions) complete(cmd *cobra.Command, d Deps, lo *logOptions) error {
	if o.Out != "" && !cmd.Flags().Changed("speed") {
		o.Speed = 0 // writing a file: nobody is watching the pace
	}
	if o.Token == "" && d.Getenv != nil {
		o.Token = d.Getenv("GEOSTREAM_TOKEN")
	}
	if o.Format != sink.FormatRaw && o.Format != sink.FormatCompact {
		return cmdhelp.Usagef("--format must be raw or compact, not %q", o.Format)
	}
	if o.WaitClients < 0 || o.Queue <= 0 || o.MaxClients < 0 || o.MaxLine <= 0 {
		return cmdhelp.Usagef("--wait-clients, --queue, --max-clients and --max-line must be positive")
	}
	if o.StatsInterval < 0 || o.ClientTimeout < 0 {
		return cmdhelp.Usagef("--stats-interval and --client-timeout must not be negative")
	}
	if !(o.Speed >= 0) {
		return cmdhelp.Usagef("--speed must be 0 (as fast as possible) or positive")
	}
	if o.Out != "" && o.Out == o.Record {
		return cmdhelp.Usagef("--out and --record name the same file")
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return cmdhelp.Usagef("--tls-cert and --tls-key go together")
	}
	if o.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return cmdhelp.Usagef("--tls-cert/--tls-key: %v", err)
		}
		o.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if err := o.NATS.complete(cmd, d); err != nil {
		return err
	}
	if o.MetricsAddr != "" && !o.NATS.serveTCP(o.Out) && o.NATS.URL == "" {
		return cmdhelp.Usagef("--metrics-addr serves the socket's and the publisher's counters, and with --out there is neither")
	}
	log, err := lo.logger(d.Stderr)
	if err != nil {
		return err
	}
	o.log = log
	return nil
}

// serve forwards src to the sinks the options name: --record (if set), then
// --publish (if set), then --out or the TCP server (which --publish alone
// leaves out: see PublishOptions.serveTCP). It returns nil at the end of a finite source once
// every client has every line, and nil on interrupt after flushing. src and
// every sink are closed when it returns, whatever happens.
func serve(ctx context.Context, d Deps, src source.Source, o *ServeOptions) error {
	log := o.log
	var sinks []sink.Sink
	fail := func(err error) error {
		return errors.Join(err, sink.CloseAll(context.Background(), sinks...), src.Close())
	}
	var srv *server.Server
	var out *capture.Writer
	if o.Out != "" {
		w, err := capture.Create(o.Out, d.Stdout, capture.Options{})
		if err != nil {
			return fail(err)
		}
		out = w
		sinks = append(sinks, out)
	} else if o.NATS.serveTCP(o.Out) {
		si := o.StatsInterval
		if si == 0 {
			si = -1
		}
		srv = server.New(server.Options{
			Addr: o.Listen, Token: o.Token, TLS: o.tls, Hello: o.hello, Lossless: o.lossless, QueueLen: o.Queue,
			MaxClients: o.MaxClients, WriteTimeout: o.ClientTimeout, StatsInterval: si, Logger: log,
		})
	}
	// The socket's and the publisher's counters; the publisher is set
	// once it is connected, while the metrics may already be asked for.
	var pub atomic.Pointer[natssink.Publisher]
	var ms *metrics.Server
	if o.MetricsAddr != "" { // both addresses are taken before either is said to be served
		var err error
		if ms, err = metrics.Listen(o.MetricsAddr, func() []metrics.Metric { return scraperMetrics(srv, pub.Load()) }); err != nil {
			return fail(fmt.Errorf("--metrics-addr: %w", err))
		}
		defer ms.Close()
	}
	if srv != nil {
		if err := srv.Start(); err != nil {
			return fail(fmt.Errorf("--listen: %w", err))
		}
		sinks = append(sinks, srv)
	}
	if ms != nil {
		log.Info("serving metrics", "addr", ms.Addr())
	}
	sinks, p, err := o.NATS.sinks(ctx, sinks, o.hello.Source, log)
	if err != nil {
		return fail(err)
	}
	pub.Store(p)
	var rec *capture.Writer
	if o.Record != "" {
		w, err := capture.Create(o.Record, d.Stdout, capture.Options{})
		if err != nil {
			return fail(err)
		}
		rec = w
		sinks = append([]sink.Sink{rec}, sinks...) // recorded first, then served
	}
	if srv != nil && o.WaitClients > 0 {
		log.Info("waiting for clients", "want", o.WaitClients, "addr", srv.Addr().String())
		if err := srv.WaitClients(ctx, o.WaitClients); err != nil {
			if ctx.Err() != nil {
				err = nil // interrupted while waiting: nothing to flush
			}
			return fail(err)
		}
	}
	res, err := sink.Forward(ctx, src, sinks, sink.Options{Speed: o.Speed, Format: o.Format})
	if rec != nil {
		log.Info("capture closed", "file", o.Record, "lines", rec.Stats().Lines)
	}
	if srv != nil {
		st := srv.Stats()
		log.Info("done", "lines", res.Lines, "lines_out", st.LinesOut, "dropped", st.Dropped, "end_of_input", res.EndOfInput,
			"unpaced_ahead", res.Unpaced.Ahead, "unpaced_behind", res.Unpaced.Behind)
	} else {
		log.Info("done", "lines", res.Lines, "out", o.Out, "end_of_input", res.EndOfInput,
			"unpaced_ahead", res.Unpaced.Ahead, "unpaced_behind", res.Unpaced.Behind)
	}
	return err
}

// scraperMetrics are the counters of the socket and of the NATS
// publisher, those that run (nil: not).
func scraperMetrics(srv *server.Server, pub *natssink.Publisher) []metrics.Metric {
	c := func(name, help string, v uint64) metrics.Metric {
		return metrics.Metric{Name: "geostream_scraper_" + name, Help: help, Type: "counter", Value: float64(v)}
	}
	var ms []metrics.Metric
	if srv != nil {
		st := srv.Stats()
		ms = append(ms,
			c("lines_in_total", "Lines taken from the source.", st.LinesIn),
			c("lines_out_total", "Lines written to clients, all clients together.", st.LinesOut),
			c("dropped_total", "Lines dropped for slow clients.", st.Dropped),
			c("accepted_total", "Connections accepted.", st.Accepted),
			c("rejected_total", "Connections refused (auth, client limit).", st.Rejected),
			metrics.Metric{Name: "geostream_scraper_clients", Help: "Clients connected now.", Type: "gauge", Value: float64(st.Clients)})
	}
	if pub != nil {
		st := pub.Stats()
		ms = append(ms,
			c("nats_published_total", "Lines published to NATS JetStream.", st.Published),
			c("nats_stored_total", "Lines the stream acknowledged as stored.", st.Stored),
			c("nats_duplicates_total", "Lines the stream already held (same Nats-Msg-Id).", st.Duplicates),
			c("nats_retries_total", "Publications tried again.", st.Retries))
	}
	return append(ms, metrics.Runtime("geostream_scraper")...)
}
