// Package bustest runs a NATS server with JetStream inside a test's
// process, on a loopback port of its own with its store in the test's
// temporary directory, so that tests of the publisher and the consumer
// never reach a real service. Options add a token, a user and password,
// TLS, or a credentials file (operator mode) to the server; Stored reads
// back what the stream holds.
package bustest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/geostream/geostream/shared/bus"
)

// Option changes the server's options before it starts.
type Option func(*server.Options)

// Server is a running test server.
type Server struct {
	*server.Server
	tb   testing.TB
	opts *server.Options
}

// Run starts a server on 127.0.0.1 (a free port) with JetStream storing
// in a fresh temporary directory and waits until it takes clients. The
// test's cleanup shuts it down.
func Run(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	o := &server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  tb.TempDir(),
		NoLog:     os.Getenv("BUSTEST_LOG") == "",
		NoSigs:    true,
		// The in-process server shares the test's two cores: no
		// background sync that a test would wait on.
		SyncInterval: time.Minute,
	}
	for _, opt := range opts {
		opt(o)
	}
	s := &Server{tb: tb, opts: o}
	s.start()
	tb.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	s.tb.Helper()
	srv, err := server.NewServer(s.opts)
	if err != nil {
		s.tb.Fatalf("starting the NATS server: %v", err)
	}
	if !s.opts.NoLog {
		srv.ConfigureLogger()
	}
	srv.Start()
	if !srv.ReadyForConnections(20 * time.Second) {
		srv.Shutdown()
		s.tb.Fatal("the NATS server did not get ready in 20s")
	}
	s.Server = srv
	// A restart comes back on the same port.
	s.opts.Port = srv.Addr().(*net.TCPAddr).Port
}

// URL is the server's nats:// address.
func (s *Server) URL() string { return s.ClientURL() }

// Stop shuts the server down and waits until it has; Stop on a stopped
// server does nothing.
func (s *Server) Stop() {
	if s.Server == nil {
		return
	}
	s.Shutdown()
	s.WaitForShutdown()
	s.Server = nil
}

// Restart stops the server and starts it again on the same port with the
// same store: what it stored and its consumers' state survive.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}

// Token makes clients authenticate with tok.
func Token(tok string) Option {
	return func(o *server.Options) { o.Authorization = tok }
}

// User makes clients authenticate as user with password.
func User(user, password string) Option {
	return func(o *server.Options) { o.Username, o.Password = user, password }
}

// TLS serves TLS only, with the certificate and key files (PEM). With
// verify, clients must show a certificate signed by the CA in caFile.
func TLS(tb testing.TB, certFile, keyFile, caFile string, verify bool) Option {
	tb.Helper()
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		tb.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if verify {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			tb.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return func(o *server.Options) {
		o.TLS, o.TLSConfig, o.TLSVerify, o.TLSTimeout = true, cfg, verify, 5
	}
}

// Creds puts the server in operator mode (accounts and users as signed
// JWTs) with one account that may use JetStream, and writes a credentials
// file for a user of that account into dir. It returns the server's option
// and the file's path.
func Creds(tb testing.TB, dir string) (Option, string) {
	tb.Helper()
	must := func(err error) {
		if err != nil {
			tb.Helper()
			tb.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opub, err := okp.PublicKey()
	must(err)
	akp, err := nkeys.CreateAccount()
	must(err)
	apub, err := akp.PublicKey()
	must(err)
	ac := jwt.NewAccountClaims(apub)
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	ajwt, err := ac.Encode(okp)
	must(err)
	ukp, err := nkeys.CreateUser()
	must(err)
	upub, err := ukp.PublicKey()
	must(err)
	useed, err := ukp.Seed()
	must(err)
	uc := jwt.NewUserClaims(upub)
	ujwt, err := uc.Encode(akp)
	must(err)
	creds, err := jwt.FormatUserConfig(ujwt, useed)
	must(err)
	path := filepath.Join(dir, "user.creds")
	must(os.WriteFile(path, creds, 0o600))
	// JetStream in operator mode needs a system account.
	skp, err := nkeys.CreateAccount()
	must(err)
	spub, err := skp.PublicKey()
	must(err)
	sjwt, err := jwt.NewAccountClaims(spub).Encode(okp)
	must(err)
	resolver := &server.MemAccResolver{}
	must(resolver.Store(apub, ajwt))
	must(resolver.Store(spub, sjwt))
	return func(o *server.Options) {
		o.TrustedKeys = []string{opub}
		o.AccountResolver = resolver
		o.SystemAccount = spub
	}, path
}

// Stored returns every message the stream bus.Stream holds, oldest
// first, read through a connection of the test's own with opts (nil if
// there is no stream yet).
func Stored(tb testing.TB, url string, opts ...nats.Option) []*jetstream.RawStreamMsg {
	tb.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := js.Stream(tb.Context(), bus.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	info, err := s.Info(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := s.GetMsg(tb.Context(), seq)
		if err != nil {
			tb.Fatalf("reading message %d: %v", seq, err)
		}
		out = append(out, m)
	}
	return out
}
