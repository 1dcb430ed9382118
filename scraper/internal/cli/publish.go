package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/geostream/geostream/scraper/internal/sink"
	natssink "github.com/geostream/geostream/scraper/internal/sink/nats"
	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/cmdhelp"
)

// PublishOptions are the flags of --publish: where and how every line is
// published to NATS JetStream. Secrets come from the environment
// (NATS_USER and NATS_PASSWORD, or NATS_TOKEN), never from flags.
type PublishOptions struct {
	URL        string
	Subject    string
	Partitions int
	MaxAge     time.Duration
	MaxBytes   int64
	Dedup      time.Duration
	Timeout    time.Duration
	Conn       bus.Options // credentials and TLS; URL set from URL

	// listen says --listen was given: with --publish, the TCP server runs
	// only then.
	listen bool
	update natssink.Limits
}

func addPublishFlags(f *pflag.FlagSet, o *PublishOptions) {
	f.StringVar(&o.URL, "publish", "", "also publish every line to NATS JetStream at this URL (nats://HOST:PORT); with --publish, no TCP server unless --listen is given")
	f.StringVar(&o.Subject, "nats-subject", "", "subject to publish on, under "+bus.SubjectPrefix+" (default "+bus.SubjectPrefix+".<source>)")
	f.IntVar(&o.Partitions, "nats-partitions", 0, "spread lines over this many subjects <subject>.0 ... by a hash of the tweet id, one per analyzer")
	f.DurationVar(&o.MaxAge, "nats-max-age", natssink.DefaultMaxAge, "stream "+bus.Stream+" keeps lines this long (set when it is created, or changed when given)")
	f.Int64Var(&o.MaxBytes, "nats-max-bytes", natssink.DefaultMaxBytes, "stream "+bus.Stream+" keeps at most this many bytes, dropping the oldest")
	f.DurationVar(&o.Dedup, "nats-dedup-window", natssink.DefaultDuplicates, "the stream stores a tweet id once within this window: a restarted scraper adds no duplicates")
	f.DurationVar(&o.Timeout, "nats-timeout", natssink.DefaultTimeout, "give up, and exit non-zero, when a line is not stored for this long")
	bus.AddFlags(f, &o.Conn)
}

// complete checks the --publish flags; without --publish none of the
// others may be given.
func (o *PublishOptions) complete(cmd *cobra.Command, d Deps) error {
	f := cmd.Flags()
	o.listen = f.Changed("listen")
	if o.URL == "" {
		var set []string
		f.Visit(func(fl *pflag.Flag) {
			if len(fl.Name) > 5 && fl.Name[:5] == "nats-" {
				set = append(set, "--"+fl.Name)
			}
		})
		if len(set) > 0 {
			return cmdhelp.Usagef("%s needs --publish", set[0])
		}
		return nil
	}
	o.update = natssink.Limits{MaxAge: f.Changed("nats-max-age"), MaxBytes: f.Changed("nats-max-bytes"), Duplicates: f.Changed("nats-dedup-window")}
	if err := o.Conn.Complete(o.URL, "geostream scraper", d.Getenv); err != nil {
		return cmdhelp.Usagef("--publish: %v", err)
	}
	if o.Partitions < 0 {
		return cmdhelp.Usagef("--nats-partitions must not be negative")
	}
	if o.MaxAge <= 0 || o.MaxBytes <= 0 || o.Dedup <= 0 || o.Timeout <= 0 {
		// 0 would mean "no limit" to NATS, which a disk does not have.
		return cmdhelp.Usagef("--nats-max-age, --nats-max-bytes, --nats-dedup-window and --nats-timeout must be positive")
	}
	if o.Dedup > o.MaxAge {
		return cmdhelp.Usagef("--nats-dedup-window must not be longer than --nats-max-age")
	}
	if o.Timeout > o.Dedup {
		return cmdhelp.Usagef("--nats-timeout (%v) must not be longer than --nats-dedup-window (%v): a line published again after the window would be stored twice", o.Timeout, o.Dedup)
	}
	return nil
}

// serveTCP reports whether the TCP server runs: not with --out, and with
// --publish only if --listen was given.
func (o *PublishOptions) serveTCP(out string) bool {
	return out == "" && (o.URL == "" || o.listen)
}

// open connects the publisher for a source whose lines go on
// geostream.tweets.<source> unless --nats-subject says otherwise.
func (o *PublishOptions) open(ctx context.Context, sourceName string, log *slog.Logger) (*natssink.Publisher, error) {
	subject := o.Subject
	if subject == "" {
		subject = bus.SubjectPrefix + "." + sourceName
	}
	p, err := natssink.Open(ctx, natssink.Options{
		Conn: o.Conn, Subject: subject, Partitions: o.Partitions, MaxAge: o.MaxAge, MaxBytes: o.MaxBytes,
		Duplicates: o.Dedup, Update: o.update, Timeout: o.Timeout, Logger: log,
	})
	if err != nil {
		return nil, fmt.Errorf("--publish: %w", err)
	}
	log.Info("publishing", "nats", bus.Redact(o.URL), "stream", bus.Stream, "subject", subject, "partitions", o.Partitions)
	return p, nil
}

// sinks puts the publisher, if --publish is set, before the other sinks.
func (o *PublishOptions) sinks(ctx context.Context, sinks []sink.Sink, sourceName string, log *slog.Logger) ([]sink.Sink, *natssink.Publisher, error) {
	if o.URL == "" {
		return sinks, nil, nil
	}
	p, err := o.open(ctx, sourceName, log)
	if err != nil {
		return sinks, nil, err
	}
	return append([]sink.Sink{p}, sinks...), p, nil
}
