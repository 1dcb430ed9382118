package input

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/geostream/geostream/shared/wire"
)

// connect dials, sends the token, and reads the scraper's hello. A
// failure before the hello is a *NoScraperError, an *AddrError or a
// *RefusedError.
func (s *socket) connect(ctx context.Context) error {
	d := net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second, Resolver: s.o.Resolver}
	conn, err := d.DialContext(ctx, "tcp", s.o.Addr)
	if err != nil {
		return dialError(s.o.Addr, err)
	}
	if s.o.TLS != nil {
		tc := tls.Client(conn, s.tlsConfig())
		hctx, cancel := context.WithTimeout(ctx, DefaultDialTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return s.tlsError(err)
		}
		conn = tc
	}
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		conn.Close()
		return net.ErrClosed
	}
	s.conn = conn
	s.mu.Unlock()
	s.stopConn = context.AfterFunc(ctx, func() { conn.Close() })
	if s.o.Token != "" {
		if err := wire.WriteAuth(conn, s.o.Token); err != nil {
			s.hangUp()
			return err
		}
	}
	s.r = wire.NewReader(conn, s.o.MaxLine)
	s.lines = 0
	// A scraper says hello at once; a peer that says nothing is
	// something else (a web server waiting for its request).
	conn.SetReadDeadline(time.Now().Add(s.o.HelloTimeout))
	if err := s.readHello(); err != nil {
		s.hangUp()
		return err
	}
	conn.SetReadDeadline(time.Time{})
	s.connected = true
	s.log.Info("connected to scraper")
	if s.o.Connects != nil {
		s.o.Connects.Add(1)
	}
	if s.o.OnState != nil {
		s.o.OnState(StateConnected)
	}
	return nil
}

// readHello reads the scraper's hello. A scraper with a token first says
// only that it needs one, and what it serves once it has the token; an
// older one says what it serves at once and answers the token with its
// first line of data, and an older one still sends no hello at all: a
// first line that is data is kept for Next.
func (s *socket) readHello() error {
	h, ok, err := s.firstLine()
	if err != nil || !ok {
		return err
	}
	if h.Error != "" {
		return s.refused(h)
	}
	if h.Auth && s.o.Token == "" {
		return &RefusedError{s.o.Addr, "it needs a token", "pass --token or set GEOSTREAM_TOKEN"}
	}
	if h.Auth {
		r, ok, err := s.firstLine()
		if err != nil {
			return err
		}
		if ok && r.Error != "" {
			return s.refused(r)
		}
		if ok {
			h = r
		}
	}
	s.hello, s.finite = nil, h.Finite
	if h.Describes() {
		s.hello = &h
	}
	return nil
}

// firstLine reads a line: ok with its hello if it is one, else it is kept
// for Next (an older scraper sends no hello: its first line is data). A
// peer that says nothing in time, or whose first line is not JSON, is not
// a scraper.
func (s *socket) firstLine() (h wire.Hello, ok bool, err error) {
	data, err := s.r.Next()
	if errors.Is(err, wire.ErrLineTooLong) {
		s.pending, s.pendErr, s.hasPend = nil, err, true // not a hello; Next reports it
		return h, false, nil
	}
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return h, false, &NoScraperError{Addr: s.o.Addr, Listening: true, Err: err,
				Reason: fmt.Sprintf("it said nothing in %v, and a scraper says hello at once", s.o.HelloTimeout)}
		}
		if s.o.Token != "" && (err == io.EOF || errors.Is(err, net.ErrClosed)) {
			// An older scraper closes at once on a bad token.
			return h, false, &RefusedError{s.o.Addr, "it closed the connection before sending anything", "check --token or GEOSTREAM_TOKEN"}
		}
		return h, false, err
	}
	h, ok, err = wire.ParseHello(data)
	if err != nil || ok {
		return h, ok, err
	}
	if t := bytes.TrimLeft(data, " \t"); len(t) > 0 && t[0] != '{' {
		return h, false, &NoScraperError{Addr: s.o.Addr, Listening: true,
			Reason: fmt.Sprintf("it answered %q, and a scraper says hello in JSON", shorten(data, 40))}
	}
	s.pending, s.pendErr, s.hasPend = append(s.pending[:0], data...), nil, true
	return h, false, nil
}

// refused turns a refusing hello into a RefusedError, or a plain error
// for a refusal worth retrying.
func (s *socket) refused(h wire.Hello) error {
	switch h.Error {
	case wire.RefusedNoToken:
		return &RefusedError{s.o.Addr, "it needs a token", "pass --token or set GEOSTREAM_TOKEN"}
	case wire.RefusedBadToken:
		return &RefusedError{s.o.Addr, "it refused the token", "check --token or GEOSTREAM_TOKEN"}
	case wire.RefusedNeedsTLS:
		return &RefusedError{s.o.Addr, "it speaks TLS", "connect with --tls-ca CA.pem"}
	}
	return fmt.Errorf("scraper refused the connection: %s", h.Error) // too many clients: try later
}

// tlsConfig is the TLS configuration for this address: ServerName
// defaults to the host of Addr.
func (s *socket) tlsConfig() *tls.Config {
	c := s.o.TLS.Clone()
	if c.ServerName == "" {
		if host, _, err := net.SplitHostPort(s.o.Addr); err == nil {
			c.ServerName = host
		}
	}
	return c
}

// tlsError explains a failed TLS handshake: a misconfiguration is a
// RefusedError, anything else a network error to retry.
func (s *socket) tlsError(err error) error {
	var rec tls.RecordHeaderError
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var cert *tls.CertificateVerificationError
	switch {
	case errors.As(err, &rec):
		return &RefusedError{s.o.Addr, "it does not speak TLS", "drop --tls-ca"}
	case errors.As(err, &host):
		return &RefusedError{s.o.Addr, fmt.Sprintf("its certificate is not for %q", host.Host),
			"pass --tls-server-name with a name the certificate holds: " + strings.Join(certNames(host.Certificate), ", ")}
	case errors.As(err, &unknown):
		return &RefusedError{s.o.Addr, "its certificate is not signed by the --tls-ca certificate", "check --tls-ca"}
	case errors.As(err, &cert):
		return &RefusedError{s.o.Addr, "its certificate does not verify: " + cert.Err.Error(), "check --tls-ca and --tls-server-name"}
	}
	return fmt.Errorf("TLS handshake: %w", err)
}

func certNames(c *x509.Certificate) []string {
	if c == nil {
		return nil
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return names
}

// shorten returns the first n bytes of b, valid UTF-8, marked as cut if
// they are.
func shorten(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), n)]), "?")
	if len(b) > n {
		s += "..."
	}
	return s
}
