package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

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
