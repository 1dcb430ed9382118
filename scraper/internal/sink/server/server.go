package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/wire"
)

// Defaults for Options fields left zero, and the command's default cap on
// clients.
const (
	DefaultQueueLen     = 8192
	DefaultWriteTimeout = 60 * time.Second
	DefaultAuthTimeout  = 10 * time.Second
	// DefaultTLSTimeout is how long a connection to a TLS port may take to
	// start its handshake; a plain client that waits for the server to
	// speak first is told after this long that the port speaks TLS.
	DefaultTLSTimeout    = 3 * time.Second
	DefaultStatsInterval = 30 * time.Second
	DefaultMaxClients    = 64
)

const (
	// maxClientInput is how much a client may send after its handshake before
	// it is taken for junk and disconnected.
	maxClientInput = 64 << 10
	// A failing Accept (out of descriptors, say) is retried after
	// acceptBackoffFirst, doubling up to acceptBackoffMax, so the loop
	// neither spins nor gives up.
	acceptBackoffFirst = 5 * time.Millisecond
	acceptBackoffMax   = time.Second
	// clientBufferSize is each client's write buffer, flushed whenever its
	// queue runs dry.
	clientBufferSize = 64 << 10
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("server: closed")

// Options configures a Server.
type Options struct {
	Addr string // listen address, e.g. 127.0.0.1:9999 (port 0 picks one)
	// Token, if set, must arrive as "AUTH <token>" on a client's first line.
	Token string
	// TLS, if set, wraps every connection. A client that does not start a
	// TLS handshake is told in plain text, in a refusing hello line.
	TLS *tls.Config
	// Hello is what every client is told first (see wire.Hello); the
	// server sets Auth itself from Token.
	Hello wire.Hello
	// Lossless makes Send wait for room in every client's queue instead of
	// dropping the oldest line.
	Lossless bool
	// QueueLen is each client's queue, in lines.
	QueueLen int
	// MaxClients caps connected clients (0: no cap; the command's default is
	// DefaultMaxClients).
	MaxClients int
	// WriteTimeout disconnects a client that accepts nothing for this long.
	WriteTimeout time.Duration
	// StatsInterval is how often stats are logged (negative: never).
	StatsInterval time.Duration
	Logger        *slog.Logger
}

// Stats are the server's counters.
type Stats struct {
	LinesIn  uint64 // lines passed to Send
	LinesOut uint64 // lines written to clients, all clients together
	Dropped  uint64 // lines dropped for slow clients, all clients together
	Clients  int    // clients connected now
	Accepted uint64 // connections accepted since start
	Rejected uint64 // connections refused (auth, max clients)
}

// Server is a TCP fan-out of lines. Create it with New, then Start it.
type Server struct {
	opts Options
	log  *slog.Logger
	ln   net.Listener

	mu       sync.Mutex
	clients  map[*client]struct{}
	snapshot atomic.Pointer[[]*client] // copy of clients for Send
	joined   chan struct{}             // closed and replaced when a client joins
	closed   bool

	pending  map[net.Conn]struct{} // connections still in their handshake
	quit     chan struct{}         // closed by Close: stop accepting, drain queues
	quitOnce sync.Once
	wg       sync.WaitGroup

	linesIn, linesOut, dropped, accepted, rejected atomic.Uint64
}

// New returns a Server for opts, filling in defaults.
func New(opts Options) *Server {
	if opts.QueueLen <= 0 {
		opts.QueueLen = DefaultQueueLen
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.StatsInterval == 0 {
		opts.StatsInterval = DefaultStatsInterval
	}
	if opts.MaxClients < 0 {
		opts.MaxClients = 0
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		clients: make(map[*client]struct{}),
		pending: make(map[net.Conn]struct{}),
		joined:  make(chan struct{}),
		quit:    make(chan struct{}),
	}
	s.snapshot.Store(&[]*client{})
	return s
}

// Start listens and starts accepting clients. It returns once the listener
// is ready; Addr then gives the real address.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.opts.Addr, err)
	}
	s.ln = ln
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && s.opts.Token == "" {
		s.log.Warn("listening beyond loopback without a token: anyone who can reach this port can read the stream",
			"addr", ln.Addr().String())
	}
	s.log.Info("serving", "addr", ln.Addr().String(), "lossless", s.opts.Lossless, "tls", s.opts.TLS != nil)
	s.wg.Add(1)
	go s.acceptLoop()
	if s.opts.StatsInterval > 0 {
		s.wg.Add(1)
		go s.statsLoop()
	}
	return nil
}

// Addr is the address the server listens on (valid after Start).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	var delay time.Duration
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.quit:
				return
			default:
			}
			if delay == 0 {
				delay = acceptBackoffFirst
			} else {
				delay = min(2*delay, acceptBackoffMax)
			}
			s.log.Warn("accept failed; retrying", "err", err, "in", delay)
			select {
			case <-time.After(delay):
				continue
			case <-s.quit:
				return
			}
		}
		delay = 0
		s.accepted.Add(1)
		s.wg.Add(1)
		go s.handshake(conn)
	}
}

// handshake authenticates a new connection, then registers it as a client.
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
	hello := s.opts.Hello
	hello.Auth = s.opts.Token != ""
	if err := s.writeHello(conn, hello); err != nil {
		log.Info("client gone before the hello line", "err", err)
		conn.Close()
		return
	}
	if s.opts.Token != "" {
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
	if !s.add(c) {
		s.refuse(conn, log, wire.RefusedFull, "too many clients")
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

// refuse tells a client why in a hello line, logs it, and hangs up.
func (s *Server) refuse(conn net.Conn, log *slog.Logger, reason, why string) {
	s.rejected.Add(1)
	log.Warn("client rejected: " + why)
	s.writeHello(conn, wire.Hello{Source: s.opts.Hello.Source, Error: reason})
	conn.Close()
}

func (s *Server) add(c *client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.opts.MaxClients > 0 && len(s.clients) >= s.opts.MaxClients {
		return false
	}
	s.clients[c] = struct{}{}
	s.publish()
	close(s.joined)
	s.joined = make(chan struct{})
	return true
}

func (s *Server) remove(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c]; ok {
		delete(s.clients, c)
		s.publish()
	}
}

// publish refreshes the snapshot Send reads; s.mu must be held.
func (s *Server) publish() {
	list := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		list = append(list, c)
	}
	s.snapshot.Store(&list)
}

// Clients returns the number of connected, authenticated clients.
func (s *Server) Clients() int { return len(*s.snapshot.Load()) }

// WaitClients blocks until at least n clients are connected or ctx ends.
func (s *Server) WaitClients(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		have, joined := len(s.clients), s.joined
		s.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-joined:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.quit:
			return ErrClosed
		}
	}
}

// Send queues l.Data for every connected client; it must not be modified
// afterwards. In lossless mode Send blocks until every client has room (a
// client that stops reading is cut off after WriteTimeout); otherwise a full
// queue loses its oldest line. It returns ctx.Err() if ctx ends first, and
// ErrClosed once Close has begun.
func (s *Server) Send(ctx context.Context, l source.Line) error {
	line := l.Data
	s.linesIn.Add(1)
	for _, c := range *s.snapshot.Load() {
		if s.opts.Lossless {
			select {
			case c.q <- line:
			case <-c.done:
			case <-ctx.Done():
				return ctx.Err()
			case <-s.quit:
				return ErrClosed
			}
			continue
		}
		for {
			select {
			case c.q <- line:
			case <-c.done:
			default:
				select {
				case <-c.q:
					c.dropped.Add(1)
					s.dropped.Add(1)
				default:
				}
				continue
			}
			break
		}
	}
	return nil
}

type client struct {
	conn    net.Conn
	q       chan []byte
	done    chan struct{} // closed when the client is gone
	once    sync.Once
	log     *slog.Logger
	sent    atomic.Uint64
	dropped atomic.Uint64
}

func (c *client) close() {
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
	})
}

// writeLoop writes c's queue to its connection, flushing whenever the queue
// runs dry. It ends when the client goes, or when Close has begun and
// everything queued has been written.
func (s *Server) writeLoop(c *client) {
	defer s.wg.Done()
	defer s.remove(c)
	defer c.close()
	bw := bufio.NewWriterSize(c.conn, clientBufferSize)
	write := func(line []byte) error {
		c.conn.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
		if _, err := bw.Write(line); err != nil {
			return err
		}
		return bw.WriteByte('\n')
	}
	for {
		var line []byte
		select {
		case line = <-c.q:
		case <-c.done:
			return
		case <-s.quit:
			s.drain(c, bw, write)
			return
		}
		if err := write(line); err != nil {
			c.log.Info("client disconnected", "err", err, "lines", c.sent.Load(), "dropped", c.dropped.Load())
			return
		}
		c.sent.Add(1)
		s.linesOut.Add(1)
		if len(c.q) == 0 {
			c.conn.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
			if err := bw.Flush(); err != nil {
				c.log.Info("client disconnected", "err", err, "lines", c.sent.Load(), "dropped", c.dropped.Load())
				return
			}
		}
	}
}

// drain writes what is left in c's queue at shutdown, then flushes.
func (s *Server) drain(c *client, bw *bufio.Writer, write func([]byte) error) {
	for {
		select {
		case line := <-c.q:
			if err := write(line); err != nil {
				c.log.Info("client lost while draining", "err", err)
				return
			}
			c.sent.Add(1)
			s.linesOut.Add(1)
			continue
		case <-c.done:
			return
		default:
		}
		break
	}
	if err := bw.Flush(); err != nil {
		c.log.Info("client lost while flushing", "err", err)
		return
	}
	c.log.Info("client finished", "lines", c.sent.Load(), "dropped", c.dropped.Load())
}

// readLoop watches what a client sends: a client that hangs up is noticed
// here, and one that sends a flood of junk is disconnected.
func (s *Server) readLoop(c *client, br *bufio.Reader) {
	defer s.wg.Done()
	n, err := io.Copy(io.Discard, io.LimitReader(br, maxClientInput))
	select {
	case <-c.done:
		return
	default:
	}
	if err == nil && n >= maxClientInput {
		c.log.Warn("client disconnected: it sent data the protocol does not expect", "bytes", n)
		c.close()
	}
	// A client that merely closed its sending side keeps receiving; writes
	// tell when it is really gone.
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	return Stats{
		LinesIn:  s.linesIn.Load(),
		LinesOut: s.linesOut.Load(),
		Dropped:  s.dropped.Load(),
		Clients:  s.Clients(),
		Accepted: s.accepted.Load(),
		Rejected: s.rejected.Load(),
	}
}

func (s *Server) statsLoop() {
	defer s.wg.Done()
	t := time.NewTicker(s.opts.StatsInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			st := s.Stats()
			args := []any{"lines_in", st.LinesIn, "lines_out", st.LinesOut, "dropped", st.Dropped,
				"clients", st.Clients, "rejected", st.Rejected}
			for _, c := range *s.snapshot.Load() {
				if d := c.dropped.Load(); d > 0 {
					args = append(args, "dropped_"+c.conn.RemoteAddr().String(), d)
				}
			}
			s.log.Info("server stats", args...)
		case <-s.quit:
			return
		}
	}
}

// Close stops accepting, lets every client's writer send what is queued
// (until ctx ends; then connections are cut), and waits for every goroutine
// the server started. Lines passed to Send after Close starts are not
// guaranteed to go out. It is safe to call more than once, and before
// Start.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	list := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		list = append(list, c)
	}
	for conn := range s.pending {
		conn.Close()
	}
	s.mu.Unlock()
	s.quitOnce.Do(func() {
		close(s.quit)
		if s.ln != nil {
			s.ln.Close()
		}
	})
	finished := make(chan struct{})
	go func() {
		for _, c := range list {
			<-c.done
		}
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		for _, c := range list {
			c.close()
		}
		<-finished
	}
	s.wg.Wait()
	return nil
}
