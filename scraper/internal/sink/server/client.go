package server

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// client is one connected, authenticated client: its queue, drained by
// its writer goroutine, and its counters.
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
