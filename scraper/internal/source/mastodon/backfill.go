package mastodon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// DefaultBackfill is how many missed statuses a reconnection fetches at
// most: ten requests of the timeline's largest page.
const DefaultBackfill = 400

// backfillPage is the timeline API's largest page.
const backfillPage = 40

// An instance that limits its timeline answers 429 Too Many Requests,
// saying when to ask again (Retry-After, or Mastodon's X-RateLimit-Reset).
const (
	// DefaultRateLimitWait is the wait when the answer does not say.
	DefaultRateLimitWait = 30 * time.Second
	// DefaultBackfillMaxWait is the longest wait the backfill makes: the
	// stream is not read meanwhile. Asked to wait longer, it gives the
	// gap up.
	DefaultBackfillMaxWait = time.Minute
	// maxLimitedWaits is how many waits one backfill makes at most.
	maxLimitedWaits = 3
)

// limitedError is a timeline answer that says to wait before asking again.
type limitedError struct {
	status string
	wait   time.Duration
}

func (e *limitedError) Error() string {
	return fmt.Sprintf("the timeline answered %s, asking to wait %v", e.status, e.wait)
}

// retryAfter is the wait an answer of 429 (or 503) asks for: its
// Retry-After, in seconds or as a date, else Mastodon's X-RateLimit-Reset,
// else DefaultRateLimitWait.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
		return DefaultRateLimitWait
	}
	if t, err := time.Parse(time.RFC3339, h.Get("X-RateLimit-Reset")); err == nil {
		return max(t.Sub(now), 0)
	}
	return DefaultRateLimitWait
}

// timeline is the REST address of the stream's timeline.
func (s *Source) timeline() string {
	q := url.Values{"limit": {fmt.Sprint(backfillPage)}}
	path := "/api/v1/timelines/public"
	switch s.opts.Stream {
	case "public:local":
		q.Set("local", "true")
	case "public:remote":
		q.Set("remote", "true")
	case "hashtag", "hashtag:local":
		path = "/api/v1/timelines/tag/" + url.PathEscape(s.opts.Tag)
		if s.opts.Stream == "hashtag:local" {
			q.Set("local", "true")
		}
	}
	return s.restBase() + path + "?" + q.Encode()
}

// backfill fetches, oldest first, the statuses of the stream posted since
// the newest one served, into s.missed. A failure is logged and counted:
// the stream goes on without them. An instance that limits its requests is
// asked again once the wait it names is over, if that wait is not longer
// than BackfillMaxWait; it is never asked before.
func (s *Source) backfill(ctx context.Context) {
	since, got, waits := s.maxID, 0, 0
	for got < s.opts.Backfill {
		err := s.waitLimit(ctx, &waits)
		if ctx.Err() != nil {
			return
		}
		var page []missedStatus
		var n int
		if err == nil {
			page, n, err = s.page(ctx, since)
		}
		var lim *limitedError
		if errors.As(err, &lim) {
			s.limitedUntil = s.now().Add(lim.wait)
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				s.n.backfillFailures.Add(1)
				s.log.Warn("cannot fetch the statuses missed while disconnected; they are lost", "since_id", since, "err", err)
			}
			return
		}
		// A page is newest first: the gap is served oldest first. What is
		// not after since was not asked for (an instance that ignores
		// min_id): it is not served, and a page that does not move since
		// ends the gap.
		from := since
		for i := len(page) - 1; i >= 0 && got < s.opts.Backfill; i-- {
			if !newer(page[i].id, from) {
				continue
			}
			s.missed = append(s.missed, page[i].st)
			got++
			if newer(page[i].id, since) {
				since = page[i].id
			}
		}
		// n counts the statuses skipped as too long too: a full page
		// means there may be more.
		if n < backfillPage || since == from {
			break
		}
	}
	if got >= s.opts.Backfill {
		s.log.Warn("more statuses were posted while disconnected than are fetched; the newest of the gap are lost",
			"fetched", got, "since_id", s.maxID)
	}
	if got > 0 {
		s.log.Info("fetched the statuses missed while disconnected", "statuses", got, "since_id", s.maxID)
	}
}

// waitLimit waits until the instance may be asked again, if it asked to
// wait (s.limitedUntil): it says why not instead when the wait left is
// longer than BackfillMaxWait, or when this backfill has waited
// maxLimitedWaits times already.
func (s *Source) waitLimit(ctx context.Context, waits *int) error {
	left := s.limitedUntil.Sub(s.now())
	if left <= 0 {
		return nil
	}
	if left > s.opts.BackfillMaxWait {
		return fmt.Errorf("the instance asked to wait %v more before the next timeline request, longer than %v",
			left.Round(time.Second), s.opts.BackfillMaxWait)
	}
	if *waits == maxLimitedWaits {
		return fmt.Errorf("the instance still limits timeline requests after %d waits", *waits)
	}
	*waits++
	s.log.Info("the instance limits timeline requests; waiting as it asks", "wait", left)
	if err := s.sleep(ctx, left); err != nil {
		return err
	}
	s.limitedUntil = time.Time{} // waited out
	return nil
}

// missedStatus is one Status of a timeline page and its id.
type missedStatus struct {
	id string
	st []byte
}

// page asks the timeline for the statuses just after min_id; n is how
// many it gave, those skipped as too long included.
func (s *Source) page(ctx context.Context, minID string) (page []missedStatus, n int, err error) {
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.timeline()+"&min_id="+url.QueryEscape(minID), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.opts.Token)
	req.Header.Set("User-Agent", "geostream")
	resp, err := s.opts.Feed.Client.Do(req)
	if err != nil {
		return nil, 0, errors.New(strings.ReplaceAll(err.Error(), s.opts.Token, "[token]"))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
		return nil, 0, &limitedError{resp.Status, retryAfter(resp.Header, s.now())}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("the timeline answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(backfillPage*s.opts.MaxLine)+1))
	if err != nil {
		return nil, 0, err
	}
	out, tooLong, err := parsePage(b, s.opts.MaxLine)
	s.n.tooLong.Add(int64(tooLong)) // as the stream does with a message over MaxLine
	return out, len(out) + tooLong, err
}

// parsePage reads a timeline's answer: a JSON list of Statuses, each kept
// as its JSON with its id, except those over maxLine bytes (counted).
func parsePage(b []byte, maxLine int) ([]missedStatus, int, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(b)
	if err != nil {
		return nil, 0, fmt.Errorf("the timeline's answer: %w", err)
	}
	arr, err := v.Array()
	if err != nil {
		return nil, 0, fmt.Errorf("the timeline's answer is no list of statuses")
	}
	out := make([]missedStatus, 0, len(arr))
	tooLong := 0
	for _, st := range arr {
		raw := st.MarshalTo(nil)
		if len(raw) > maxLine {
			tooLong++
			continue
		}
		out = append(out, missedStatus{id: string(st.GetStringBytes("id")), st: raw})
	}
	return out, tooLong, nil
}
