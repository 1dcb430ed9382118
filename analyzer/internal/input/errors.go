package input

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// DefaultAddr is where a scraper listens unless told otherwise.
const DefaultAddr = "127.0.0.1:9999"

// RefusedError is a connection the scraper refused, or one that cannot
// work as configured; trying again would not help. Flag names the
// analyzer flag to change.
type RefusedError struct {
	Addr   string
	Reason string
	Flag   string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("scraper at %s: %s (%s)", e.Addr, e.Reason, e.Flag)
}

// AddrError is a scraper address that cannot work: no port, a port out
// of range, a host that no resolver knows. It is a mistake in the command
// line (Usage reports true), which no retry mends.
type AddrError struct {
	Addr   string
	Reason string
}

func (e *AddrError) Error() string {
	return fmt.Sprintf("--connect %s: %s; give host:port, such as %s", e.Addr, e.Reason, DefaultAddr)
}

// Usage reports that the error is about the command line.
func (e *AddrError) Usage() bool { return true }

// CheckAddr reports whether addr is host:port with a port from 1 to
// 65535, as a scraper address must be; an empty host is this machine.
// Whether the host exists is known only when it is looked up.
func CheckAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return &AddrError{addr, ae.Err}
		}
		return &AddrError{addr, err.Error()}
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return &AddrError{addr, fmt.Sprintf("port %q is not a number from 1 to 65535", port)}
	}
	return nil
}

// NoScraperError is a first connection that found no scraper: nothing
// listens at Addr, or something that does not speak geostream does
// (Listening). Err is what the connection met.
type NoScraperError struct {
	Addr      string
	Reason    string
	Listening bool
	Err       error
}

func (e *NoScraperError) Error() string {
	if e.Listening {
		return fmt.Sprintf("%s is not a scraper: %s; give --connect the address a scraper listens on", e.Addr, e.Reason)
	}
	start := "scraper synth"
	if e.Addr != DefaultAddr {
		start += " --listen " + e.Addr
	}
	return fmt.Sprintf("no scraper at %s (%s): start one (%s, or replay, stream, bluesky, mastodon) or give --connect the address of one",
		e.Addr, e.Reason, start)
}

func (e *NoScraperError) Unwrap() error { return e.Err }

// dialError explains a failed dial: a host no resolver knows is an
// AddrError, anything else a NoScraperError, in a few words.
func dialError(addr string, err error) error {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return &AddrError{addr, fmt.Sprintf("no host %q is known", dns.Name)}
	}
	reason := err.Error()
	var sys *os.SyscallError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		reason = "connection refused"
	case errors.Is(err, os.ErrDeadlineExceeded):
		reason = "no answer"
	case errors.As(err, &sys):
		reason = sys.Err.Error()
	case errors.As(err, &dns):
		reason = "looking up " + dns.Name + ": " + dns.Err
	}
	return &NoScraperError{Addr: addr, Reason: reason, Err: err}
}
