// Package bus holds what the scraper and the analyzer agree on when NATS
// JetStream carries the tweets between them: the stream's name and
// subjects, and how to connect (credentials, TLS, reconnects). The
// scraper's publisher (scraper/internal/sink/nats) and the analyzer's
// consumer (analyzer/internal/input/nats) both connect through JetStream.
package bus

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/pflag"
)

// The stream the tweets go through.
const (
	// Stream is the JetStream stream's name.
	Stream = "GEOSTREAM"
	// SubjectPrefix starts every subject a line is published on:
	// SubjectPrefix + "." + the source's name (+ "." + a partition).
	SubjectPrefix = "geostream.tweets"
	// Subjects is what the stream stores: every subject under SubjectPrefix.
	Subjects = SubjectPrefix + ".>"
	// EventSubject is where the analyzer publishes the events it finds (a
	// JSON line when an event is first flagged and one when it ends), as
	// plain NATS messages outside the stream: whoever subscribes gets them.
	EventSubject = "geostream.events"
)

// Environment variables that Env reads, named as the NATS command-line
// tool names them.
const (
	EnvUser     = "NATS_USER"
	EnvPassword = "NATS_PASSWORD"
	EnvToken    = "NATS_TOKEN"
	EnvCreds    = "NATS_CREDS"
)

// DefaultReconnectWait is the pause between two reconnect attempts.
const DefaultReconnectWait = 250 * time.Millisecond

// Options says how to reach the NATS server. Secrets (Password, Token,
// the contents of Creds) are never logged or put in errors.
type Options struct {
	// URL is nats://HOST:PORT (tls://HOST:PORT for TLS), or several
	// separated by commas for a cluster.
	URL string
	// Name is the connection's name, as the server's monitoring shows it.
	Name string
	// Creds is a credentials file (a user JWT and its nkey seed).
	Creds string
	// User and Password, or Token, authenticate without a credentials file.
	User, Password string
	Token          string
	// TLSCA is a PEM file of CAs to trust instead of the system's; TLSCert
	// and TLSKey a client certificate; TLSServerName the name to verify
	// (default: the URL's host). Any of them turns TLS on.
	TLSCA, TLSCert, TLSKey, TLSServerName string
	// ReconnectWait is the pause between reconnect attempts
	// [DefaultReconnectWait]; the client reconnects for ever.
	ReconnectWait time.Duration
	// Logger gets a line for every disconnect and reconnect.
	Logger *slog.Logger
}

// Env fills the credentials that are not set from the environment
// (NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS), read through getenv.
func (o *Options) Env(getenv func(string) string) {
	if getenv == nil {
		return
	}
	fill := func(dst *string, name string) {
		if *dst == "" {
			*dst = getenv(name)
		}
	}
	fill(&o.Creds, EnvCreds)
	fill(&o.User, EnvUser)
	fill(&o.Password, EnvPassword)
	fill(&o.Token, EnvToken)
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.URL == "" {
		return errors.New("bus: no server URL")
	}
	for _, u := range strings.Split(o.URL, ",") {
		pu, err := url.Parse(strings.TrimSpace(u))
		if err != nil || pu.Host == "" {
			return fmt.Errorf("bus: %q is not a server URL such as nats://127.0.0.1:4222", Redact(u))
		}
		switch pu.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return fmt.Errorf("bus: %q: the scheme must be nats:// or tls://", Redact(u))
		}
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return errors.New("bus: a TLS client certificate needs its key, and a key its certificate")
	}
	if o.Password != "" && o.User == "" {
		return errors.New("bus: a password needs a user")
	}
	n := 0
	for _, set := range []bool{o.Creds != "", o.User != "", o.Token != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("bus: give one of a credentials file, a user and password, or a token")
	}
	if o.ReconnectWait < 0 {
		return errors.New("bus: the reconnect wait must not be negative")
	}
	return nil
}

// Redact returns a server URL list with any password in it replaced, and
// any user without a password: NATS reads "nats://TOKEN@host" as a token.
func Redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, s := range parts {
		u, err := url.Parse(strings.TrimSpace(s))
		switch at := strings.LastIndex(s, "@"); {
		case err == nil && (u.User != nil || at < 0):
			if u.User != nil {
				if _, ok := u.User.Password(); !ok {
					u.User = url.User("xxxxx")
				}
			}
			parts[i] = u.Redacted()
		case at >= 0: // not a URL, or its user part did not parse: hide all before the host
			scheme := ""
			if j := strings.Index(s[:at], "://"); j >= 0 {
				scheme = s[:j+3]
			}
			parts[i] = scheme + "xxxxx" + s[at:]
		}
	}
	return strings.Join(parts, ",")
}

// tlsConfig builds the TLS configuration, or nil if no TLS option is set
// (a tls:// URL then still uses TLS with the system's CAs).
func (o *Options) tlsConfig() (*tls.Config, error) {
	if o.TLSCA == "" && o.TLSCert == "" && o.TLSServerName == "" {
		return nil, nil
	}
	cfg := &tls.Config{ServerName: o.TLSServerName, MinVersion: tls.VersionTLS12}
	if o.TLSCA != "" {
		pem, err := os.ReadFile(o.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("reading the TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("reading the TLS CA: %s holds no PEM certificate", o.TLSCA)
		}
		cfg.RootCAs = pool
	}
	if o.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("reading the TLS client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// natsOptions turns the options into the client's.
func (o *Options) natsOptions() ([]nats.Option, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wait := o.ReconnectWait
	if wait == 0 {
		wait = DefaultReconnectWait
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(wait/2, wait),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from NATS; reconnecting", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("reconnected to NATS", "server", Redact(nc.ConnectedUrlRedacted()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			log.Warn("NATS error", "err", err)
		}),
	}
	switch {
	case o.Creds != "":
		if _, err := os.Stat(o.Creds); err != nil {
			return nil, fmt.Errorf("reading the credentials: %w", err)
		}
		opts = append(opts, nats.UserCredentials(o.Creds))
	case o.User != "":
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	case o.Token != "":
		opts = append(opts, nats.Token(o.Token))
	}
	cfg, err := o.tlsConfig()
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		opts = append(opts, nats.Secure(cfg))
	}
	return opts, nil
}

// Connect connects to the server. The first attempt must succeed (a
// wrong address or credentials are an error at once); after that the
// connection reconnects for ever, logging each loss and return. The
// caller closes the connection.
func Connect(o Options) (*nats.Conn, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	opts, err := o.natsOptions()
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(o.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", Redact(o.URL), err)
	}
	return nc, nil
}

// JetStream connects as Connect does, logging the connection's losses and
// returns to log unless o.Logger is set, and opens the JetStream API on
// the connection with opts. The caller closes the connection.
func JetStream(o Options, log *slog.Logger, opts ...jetstream.JetStreamOpt) (*nats.Conn, jetstream.JetStream, error) {
	if o.Logger == nil {
		o.Logger = log
	}
	nc, err := Connect(o)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("opening JetStream at %s: %w", Redact(o.URL), err)
	}
	return nc, js, nil
}

// Complete sets the server URL and the connection's name, fills the
// credentials from the environment (Env) and checks the options: what a
// command does with its NATS flags before it connects.
func (o *Options) Complete(url, name string, getenv func(string) string) error {
	o.URL, o.Name = url, name
	o.Env(getenv)
	return o.Validate()
}

// AddFlags adds the connection flags both binaries share (credentials
// file and TLS) to f, filling o; the secrets themselves come from the
// environment through Env.
func AddFlags(f *pflag.FlagSet, o *Options) {
	f.StringVar(&o.Creds, "nats-creds", "", "NATS credentials file (default $"+EnvCreds+"; or $"+EnvUser+" and $"+EnvPassword+", or $"+EnvToken+")")
	f.StringVar(&o.TLSCA, "nats-tls-ca", "", "trust this CA (PEM) for the NATS server's certificate")
	f.StringVar(&o.TLSCert, "nats-tls-cert", "", "client certificate (PEM) for NATS (needs --nats-tls-key)")
	f.StringVar(&o.TLSKey, "nats-tls-key", "", "private key (PEM) for --nats-tls-cert")
	f.StringVar(&o.TLSServerName, "nats-tls-server-name", "", "name to verify in the NATS server's certificate (default: the URL's host)")
}
