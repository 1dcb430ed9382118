package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"time"

	"github.com/geostream/geostream/scraper/internal/capture"
	"github.com/geostream/geostream/scraper/internal/server"
	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/metrics"
	"github.com/geostream/geostream/shared/tweet"
	"github.com/geostream/geostream/shared/wire"
	"github.com/spf13/cobra"
)

// serveOptions are the flags every source shares: where lines go and how.
type serveOptions struct {
	listen        string
	token         string
	out           string
	record        string
	format        string
	waitClients   int
	queue         int
	maxClients    int
	statsInterval time.Duration
	speed         float64
	maxLine       int
	clientTimeout time.Duration
	tlsCert       string
	tlsKey        string
	tls           *tls.Config
	metricsAddr   string
}

func addServeFlags(cmd *cobra.Command, o *serveOptions, lossless bool) {
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:9999", "address to serve lines on")
	f.StringVar(&o.token, "token", "", "shared secret clients must send as 'AUTH <token>' (default $GEOSTREAM_TOKEN)")
	f.StringVar(&o.out, "out", "", "write lines to this file (.gz compresses; - is stdout) instead of serving them")
	f.StringVar(&o.record, "record", "", "also write every forwarded line to this capture (.jsonl or .gz)")
	f.StringVar(&o.format, "format", "raw", "line format: raw (as the source sent it) or compact (normalized, ~10x smaller)")
	waitDefault := 0
	if lossless {
		waitDefault = 1
	}
	f.IntVar(&o.waitClients, "wait-clients", waitDefault, "hold the stream until this many clients are connected")
	f.IntVar(&o.queue, "queue", server.DefaultQueueLen, "per-client queue length in lines")
	f.IntVar(&o.maxClients, "max-clients", 64, "most clients served at once (0: no limit)")
	f.DurationVar(&o.statsInterval, "stats-interval", server.DefaultStatsInterval, "how often to log stats (0: never)")
	f.DurationVar(&o.clientTimeout, "client-timeout", server.DefaultWriteTimeout, "disconnect a client that accepts nothing for this long")
	f.IntVar(&o.maxLine, "max-line", wire.DefaultMaxLine, "longest line in bytes; longer lines are skipped and counted")
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve TLS with this certificate (PEM; needs --tls-key)")
	f.StringVar(&o.tlsKey, "tls-key", "", "private key (PEM) for --tls-cert")
	cmd.MarkFlagsRequiredTogether("tls-cert", "tls-key")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9100")
}

func (o *serveOptions) validate(cmd *cobra.Command, getenv func(string) string) error {
	if o.out != "" && !cmd.Flags().Changed("speed") {
		o.speed = 0 // writing a file: nobody is watching the pace
	}
	if o.token == "" && getenv != nil {
		o.token = getenv("GEOSTREAM_TOKEN")
	}
	if o.format != "raw" && o.format != "compact" {
		return usagef("--format must be raw or compact, not %q", o.format)
	}
	if o.waitClients < 0 || o.queue <= 0 || o.maxClients < 0 || o.maxLine <= 0 {
		return usagef("--wait-clients, --queue, --max-clients and --max-line must be positive")
	}
	if o.speed < 0 {
		return usagef("--speed must be 0 (as fast as possible) or positive")
	}
	if o.out != "" && o.record != "" && o.out == o.record {
		return usagef("--out and --record name the same file")
	}
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return usagef("--tls-cert/--tls-key: %v", err)
		}
		o.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return nil
}

// serve moves lines from src to the clients (or --out), pacing, converting
// and recording them. It returns nil at the end of a finite source once every
// client has every line, and nil on interrupt after flushing.
func serve(ctx context.Context, d Deps, log *slog.Logger, src source.Source, o *serveOptions, lossless bool) (err error) {
	defer src.Close()
	var sink func(context.Context, []byte) error
	var srv *server.Server
	if o.out != "" {
		w, err := capture.Create(o.out, d.Stdout)
		if err != nil {
			return err
		}
		defer func() {
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}()
		sink = func(_ context.Context, l []byte) error { return w.WriteLine(l) }
	} else {
		si := o.statsInterval
		if si == 0 {
			si = -1
		}
		srv = server.New(server.Options{
			Addr: o.listen, Token: o.token, TLS: o.tls, Lossless: lossless, QueueLen: o.queue,
			MaxClients: o.maxClients, WriteTimeout: o.clientTimeout, StatsInterval: si, Logger: log,
		})
		if err := srv.Start(); err != nil {
			return err
		}
		sink = srv.Send
		if o.metricsAddr != "" {
			ms, err := metrics.Listen(o.metricsAddr, func() []metrics.Metric { return scraperMetrics(srv.Stats()) })
			if err != nil {
				srv.Shutdown(context.Background())
				return err
			}
			defer ms.Close()
			log.Info("serving metrics", "addr", ms.Addr())
		}
	}
	var rec *capture.Writer
	if o.record != "" {
		if rec, err = capture.Create(o.record, d.Stdout); err != nil {
			if srv != nil {
				srv.Shutdown(context.Background())
			}
			return err
		}
		defer func() {
			if cerr := rec.Close(); err == nil {
				err = cerr
			}
			log.Info("capture closed", "file", o.record, "lines", rec.Lines)
		}()
	}
	if srv != nil && o.waitClients > 0 {
		log.Info("waiting for clients", "want", o.waitClients, "addr", srv.Addr().String())
		if err := srv.WaitClients(ctx, o.waitClients); err != nil {
			srv.Shutdown(context.Background())
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	pacer := &source.Pacer{Speed: o.speed}
	var dec tweet.Decoder
	var lines uint64
	ended := false
	for {
		l, err := src.Next(ctx)
		if errors.Is(err, source.ErrEndOfInput) {
			ended = true
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if srv != nil {
				srv.Shutdown(context.Background())
			}
			return err
		}
		if err := pacer.Wait(ctx, &l); err != nil {
			break
		}
		data := l.Data
		if o.format == "compact" {
			if tw, err := dec.Decode(data); err == nil && tw.Kind == tweet.KindTweet {
				data = tweet.AppendCompact(make([]byte, 0, 256), &tw)
			}
		}
		if rec != nil {
			if err := rec.WriteLine(data); err != nil {
				return err
			}
		}
		if err := sink(ctx, data); err != nil {
			if ctx.Err() != nil {
				break
			}
			return err
		}
		lines++
	}
	if srv != nil {
		shutCtx := context.Background()
		if !ended {
			var cancel context.CancelFunc
			shutCtx, cancel = context.WithTimeout(shutCtx, 2*time.Second)
			defer cancel()
		}
		srv.Shutdown(shutCtx)
		st := srv.Stats()
		log.Info("done", "lines", lines, "lines_out", st.LinesOut, "dropped", st.Dropped, "end_of_input", ended)
	} else {
		log.Info("done", "lines", lines, "out", o.out, "end_of_input", ended)
	}
	return nil
}

func scraperMetrics(st server.Stats) []metrics.Metric {
	c := func(name, help string, v uint64) metrics.Metric {
		return metrics.Metric{Name: "geostream_scraper_" + name, Help: help, Type: "counter", Value: float64(v)}
	}
	ms := []metrics.Metric{
		c("lines_in_total", "Lines taken from the source.", st.LinesIn),
		c("lines_out_total", "Lines written to clients, all clients together.", st.LinesOut),
		c("dropped_total", "Lines dropped for slow clients.", st.Dropped),
		c("accepted_total", "Connections accepted.", st.Accepted),
		c("rejected_total", "Connections refused (auth, client limit).", st.Rejected),
		{Name: "geostream_scraper_clients", Help: "Clients connected now.", Type: "gauge", Value: float64(st.Clients)},
	}
	return append(ms, metrics.Runtime("geostream_scraper")...)
}
