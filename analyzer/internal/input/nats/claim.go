package nats

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	natsio "github.com/nats-io/nats.go"

	"github.com/geostream/geostream/shared/bus"
)

// A durable consumer is for one analyzer at a time: two reading one would
// each take lines the other then never sees, and both maps would be
// wrong. The server cannot tell (a pull consumer has no bound client), so
// an analyzer that reads a durable answers on its claim subject for as
// long as it reads, and one that starts under the same name asks there
// first and is refused when one answers. A process that is killed answers
// no more: its successor is not refused.

// DefaultClaimWait is how long a Consumer with a durable name waits for an
// analyzer already reading it to answer.
const DefaultClaimWait = 500 * time.Millisecond

// ErrDurableInUse is wrapped by the error of a Consumer whose durable name
// another analyzer is reading.
var ErrDurableInUse = errors.New("nats: another analyzer reads this durable consumer")

// claimSubject is where the readers of a durable answer: outside the
// stream's subjects, so that it is never stored.
func claimSubject(stream, durable string) string {
	return "geostream.readers." + stream + "." + durable
}

// reader says who reads a durable, or asks to.
type reader struct {
	ID      string    `json:"id"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// Reading is set once the reader has claimed the durable; a reader
	// still asking answers without it.
	Reading bool `json:"reading"`
}

// before reports whether r started asking before o: of two analyzers that
// ask at once, the first keeps the durable.
func (r reader) before(o reader) bool {
	if !r.Started.Equal(o.Started) {
		return r.Started.Before(o.Started)
	}
	return r.ID < o.ID
}

// claim is a durable that this Consumer reads: it answers on the claim
// subject until Disconnect.
//
// Two analyzers that start at once must agree which of them reads. Each
// has its subscription in place at the server (a flush) before it asks, so
// of two, at least one hears the other's question; and each decides with
// what it heard both ways, the answers to its own question and the
// questions it answered before deciding. Answering and deciding are under
// one lock: a question answered before the decision is counted in it, one
// answered after is told "reading".
type claim struct {
	sub *natsio.Subscription
	me  reader

	mu      sync.Mutex
	decided bool     // the claim is taken or refused; no more askers are counted
	reading bool     // this Consumer reads the durable
	askers  []reader // who asked while this Consumer was still asking
}

// claimDurable answers on the durable's claim subject from now on, asks
// there whether another analyzer reads it, and returns an error wrapping
// ErrDurableInUse, saying how to run several analyzers, if one does.
func claimDurable(nc *natsio.Conn, stream, durable string, wait time.Duration, log *slog.Logger) (*claim, error) {
	host, _ := os.Hostname()
	cl := &claim{me: reader{ID: natsio.NewInbox(), Host: host, PID: os.Getpid(), Started: time.Now()}}
	subject := claimSubject(stream, durable)
	sub, err := nc.Subscribe(subject, func(m *natsio.Msg) {
		var asker reader
		if json.Unmarshal(m.Data, &asker) != nil || asker.ID == cl.me.ID || m.Reply == "" {
			return
		}
		cl.mu.Lock()
		defer cl.mu.Unlock()
		if !cl.decided {
			cl.askers = append(cl.askers, asker)
		}
		me := cl.me
		me.Reading = cl.reading
		if me.Reading {
			log.Warn("another analyzer asked to read this NATS consumer; it is refused", "consumer", durable,
				"its_host", asker.Host, "its_pid", asker.PID)
		}
		b, _ := json.Marshal(me) // plain fields always marshal
		m.Respond(b)
	})
	if err != nil {
		return nil, fmt.Errorf("answering for consumer %s: %w", durable, err)
	}
	cl.sub = sub
	// The server must hold the subscription before the question goes out:
	// an analyzer asking at the same moment then hears us either way.
	if err := nc.Flush(); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("answering for consumer %s: %w", durable, err)
	}
	others, err := ask(nc, subject, cl.me, wait)
	if err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("asking who reads consumer %s: %w", durable, err)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.decided = true
	for _, o := range append(others, cl.askers...) {
		if o.Reading || o.before(cl.me) {
			sub.Unsubscribe()
			return nil, inUse(durable, o)
		}
	}
	cl.askers = nil
	cl.reading = true
	return cl, nil
}

// ask sends me to subject and gathers, for wait, the readers that answer
// other than me.
func ask(nc *natsio.Conn, subject string, me reader, wait time.Duration) ([]reader, error) {
	inbox := nc.NewRespInbox()
	replies, err := nc.SubscribeSync(inbox)
	if err != nil {
		return nil, err
	}
	defer replies.Unsubscribe()
	b, _ := json.Marshal(me) // plain fields always marshal
	if err := nc.PublishRequest(subject, inbox, b); err != nil {
		return nil, err
	}
	var others []reader
	deadline := time.Now().Add(wait)
	for {
		m, err := replies.NextMsg(time.Until(deadline))
		if errors.Is(err, natsio.ErrTimeout) {
			return others, nil
		}
		if err != nil {
			return nil, err
		}
		var r reader
		if json.Unmarshal(m.Data, &r) == nil && r.ID != me.ID {
			others = append(others, r)
		}
	}
}

// inUse is the refusal to read a durable that o reads.
func inUse(durable string, o reader) error {
	return fmt.Errorf("%w: %s is read by the analyzer on %s (pid %d) since %s, and two analyzers on one name "+
		"would each miss what the other takes. To share the stream, publish it in partitions (scraper "+
		"--nats-partitions N) and give each analyzer one under a name of its own (--nats-subject '%s.*.0' "+
		"--nats-durable %s-0, ...); for each to read everything, give each its own --nats-durable",
		ErrDurableInUse, durable, o.Host, o.PID, o.Started.Format(time.RFC3339), bus.SubjectPrefix, durable)
}

// release stops answering for the durable.
func (cl *claim) release() {
	if cl != nil {
		cl.sub.Unsubscribe()
	}
}
