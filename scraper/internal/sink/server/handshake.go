package server

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/geostream/geostream/shared/wire"
)

// handshake authenticates a new connection, registers it as a client and
// tells it what is served.
func (s *Server) handshake(conn net.Conn) {
	defer s.wg.Done()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close()
		return
	}
	raw := conn // conn becomes the TLS connection over it
	s.pending[raw] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, raw)
		s.mu.Unlock()
	}()
	log := s.log.With("peer", conn.RemoteAddr().String())
	br := bufio.NewReaderSize(conn, 4096)
	if s.opts.TLS != nil {
		conn.SetReadDeadline(time.Now().Add(DefaultTLSTimeout))
		first, err := br.Peek(1)
		if err != nil || first[0] != tlsHandshakeRecord {
			s.refuse(conn, log, wire.RefusedNeedsTLS, "it does not speak TLS")
			return
		}
		tc := tls.Server(peeked{conn, br}, s.opts.TLS)
		if err := tc.Handshake(); err != nil {
			s.rejected.Add(1)
			log.Warn("client rejected: TLS handshake failed", "err", err)
			conn.Close()
			return
		}
		conn.SetReadDeadline(time.Time{})
		conn = tc
		br = bufio.NewReaderSize(conn, 4096)
	}
	if s.opts.Token != "" {
		// Until the client has shown the token, it learns only that one
		// is needed.
		if err := s.writeHello(conn, wire.Hello{Auth: true}); err != nil {
			log.Info("client gone before the hello line", "err", err)
			conn.Close()
			return
		}
		conn.SetReadDeadline(time.Now().Add(DefaultAuthTimeout))
		r := wire.NewReader(br, 1024)
		line, err := r.Next()
		switch {
		case err != nil || !bytes.HasPrefix(line, []byte(wire.AuthPrefix)):
			s.refuse(conn, log, wire.RefusedNoToken, "no AUTH line")
			return
		case wire.CheckAuth(line, s.opts.Token) != nil:
			s.refuse(conn, log, wire.RefusedBadToken, "wrong token")
			return
		}
		conn.SetReadDeadline(time.Time{})
	}
	c := &client{
		conn: conn,
		q:    make(chan []byte, s.opts.QueueLen),
		done: make(chan struct{}),
		log:  log,
	}
	if !s.add(c, raw) {
		s.refuse(conn, log, wire.RefusedFull, "too many clients")
		return
	}
	// Lines sent from now on wait in the queue until the writer starts,
	// after the hello.
	hello := s.opts.Hello
	hello.Auth = s.opts.Token != ""
	if err := s.writeHello(conn, hello); err != nil {
		log.Info("client gone before the hello line", "err", err)
		s.remove(c)
		c.close()
		return
	}
	log.Info("client connected")
	s.wg.Add(2)
	go s.writeLoop(c)
	go s.readLoop(c, br)
}

// tlsHandshakeRecord is the first byte of every TLS connection.
const tlsHandshakeRecord = 0x16

// peeked is a connection whose first bytes were read ahead into r.
type peeked struct {
	net.Conn
	r *bufio.Reader
}

func (p peeked) Read(b []byte) (int, error) { return p.r.Read(b) }

// writeHello sends h as one line.
func (s *Server) writeHello(conn net.Conn, h wire.Hello) error {
	conn.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
	_, err := conn.Write(wire.AppendHello(nil, h))
	conn.SetWriteDeadline(time.Time{})
	return err
}

// refuse tells a client why in a hello line that says nothing else, logs
// it, and hangs up.
func (s *Server) refuse(conn net.Conn, log *slog.Logger, reason, why string) {
	s.rejected.Add(1)
	log.Warn("client rejected: " + why)
	s.writeHello(conn, wire.Hello{Error: reason})
	conn.Close()
}
