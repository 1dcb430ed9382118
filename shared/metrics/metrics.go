// Package metrics serves counters in the Prometheus text exposition format,
// for people who scrape them. Values come from a function called on each
// request, so the owner decides how to read its counters safely.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Metric is one sample.
type Metric struct {
	Name   string // e.g. geostream_scraper_lines_in_total
	Help   string
	Type   string // counter or gauge
	Labels map[string]string
	Value  float64
}

// Write formats metrics in the text exposition format, grouping samples of
// the same name under one HELP/TYPE header.
func Write(w io.Writer, ms []Metric) error {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	var b strings.Builder
	last := ""
	for _, m := range ms {
		if m.Name != last {
			fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", m.Name, m.Help, m.Name, m.Type)
			last = m.Name
		}
		b.WriteString(m.Name)
		if len(m.Labels) > 0 {
			keys := make([]string, 0, len(m.Labels))
			for k := range m.Labels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%s=%s", k, strconv.Quote(m.Labels[k]))
			}
			b.WriteByte('}')
		}
		b.WriteByte(' ')
		b.WriteString(strconv.FormatFloat(m.Value, 'g', -1, 64))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Server serves /metrics until Close.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Listen starts serving collect()'s metrics on addr (loopback advised).
// The caller owns the returned Server and must Close it.
func Listen(addr string, collect func() []Metric) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listening on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		Write(w, collect())
	})
	s := &Server{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}, ln: ln, done: make(chan struct{})}
	go func() { // owned by s: ends when Close shuts the server down
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener failed; nothing else to do
		}
	}()
	return s, nil
}

// Addr is where the server listens.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server and waits for it.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// Runtime returns the process's goroutines, Go heap in use and resident
// set size (from /proc where there is one), named prefix_*.
func Runtime(prefix string) []Metric {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := []Metric{
		{Name: prefix + "_goroutines", Help: "Goroutines now.", Type: "gauge", Value: float64(runtime.NumGoroutine())},
		{Name: prefix + "_heap_inuse_bytes", Help: "Go heap in use.", Type: "gauge", Value: float64(ms.HeapInuse)},
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			if pages, err := strconv.ParseFloat(f[1], 64); err == nil {
				out = append(out, Metric{Name: prefix + "_rss_bytes", Help: "Resident set size.", Type: "gauge",
					Value: pages * float64(os.Getpagesize())})
			}
		}
	}
	return out
}
