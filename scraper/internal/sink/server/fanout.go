package server

import (
	"context"
	"net"

	"github.com/geostream/geostream/scraper/internal/source"
)

// add registers c, whose handshake ran on raw, unless the server is
// closing or full. From then on Close drains c instead of cutting raw.
func (s *Server) add(c *client, raw net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.opts.MaxClients > 0 && len(s.clients) >= s.opts.MaxClients {
		return false
	}
	delete(s.pending, raw)
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
