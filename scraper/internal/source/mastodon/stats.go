package mastodon

import (
	"log/slog"
	"sync/atomic"
)

// Stats are the source's counters.
type Stats struct {
	Statuses    int64 // statuses served
	Deletes     int64 // deletions skipped
	Edits       int64 // status.update events skipped
	OtherEvents int64 // notifications, announcements, ... skipped
	Errors      int64 // error messages from the server
	Filtered    int64 // statuses dropped by --lang / --track
	Malformed   int64 // messages that are not events, or updates without a Status
	TooLong     int64 // messages (or fetched statuses) over MaxLine, skipped
	Connections int64 // handshakes that succeeded
	Failures    int64 // attempts that failed, and connections that broke
	Stalls      int64 // connections dropped for silence
	Backfilled  int64 // statuses served from the REST timeline after a reconnection
	Duplicates  int64 // statuses served before, dropped
	// BackfillFailures counts timeline requests that failed: the statuses
	// of that gap are missed.
	BackfillFailures int64
}

// LogValue makes Stats one log group.
func (s Stats) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("statuses", s.Statuses), slog.Int64("deletes", s.Deletes), slog.Int64("edits", s.Edits),
		slog.Int64("other_events", s.OtherEvents), slog.Int64("errors", s.Errors), slog.Int64("filtered", s.Filtered),
		slog.Int64("malformed", s.Malformed), slog.Int64("too_long", s.TooLong), slog.Int64("connections", s.Connections),
		slog.Int64("failures", s.Failures), slog.Int64("stalls", s.Stalls), slog.Int64("backfilled", s.Backfilled),
		slog.Int64("duplicates", s.Duplicates), slog.Int64("backfill_failures", s.BackfillFailures))
}

type counters struct {
	statuses, deletes, edits, otherEvents, errors, filtered, malformed atomic.Int64
	backfilled, duplicates, backfillFailures, tooLong                  atomic.Int64
}

// Stats returns the counters so far.
func (s *Source) Stats() Stats {
	f := s.feed.Stats()
	return Stats{Statuses: s.n.statuses.Load(), Deletes: s.n.deletes.Load(), Edits: s.n.edits.Load(),
		OtherEvents: s.n.otherEvents.Load(), Errors: s.n.errors.Load(), Filtered: s.n.filtered.Load(),
		Malformed: s.n.malformed.Load(), TooLong: f.TooLong + s.n.tooLong.Load(), Connections: f.Connections, Failures: f.Failures, Stalls: f.Stalls,
		Backfilled: s.n.backfilled.Load(), Duplicates: s.n.duplicates.Load(), BackfillFailures: s.n.backfillFailures.Load()}
}
