package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/geostream/geostream/shared/tweet"
)

// getProfiles is the AppView's query for up to MaxBatch actors' profiles
// (app.bsky.actor.getProfiles): ?actors=did:…&actors=did:… answers
// {"profiles":[profileViewDetailed…]}, leaving out the actors it does not
// know (deleted, taken down).
const getProfiles = "/xrpc/app.bsky.actor.getProfiles"

// errRateLimited is a call the AppView refused for the rate (HTTP 429).
var errRateLimited = errors.New("profile: the AppView asks to slow down (HTTP 429)")

// answer is what one call gave: the profiles asked for that the AppView
// returned, as added to a line, by DID; and how long to wait before the
// next call when the AppView said so (Retry-After, RateLimit-*).
type answer struct {
	frags map[string][]byte
	pause time.Duration
}

// call asks the AppView for the profiles of dids.
func (l *Lookup) call(ctx context.Context, dids []string) (answer, error) {
	q := url.Values{"actors": dids}
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.opts.URL+getProfiles+"?"+q.Encode(), nil)
	if err != nil {
		return answer{}, fmt.Errorf("profile: making the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "geostream")
	resp, err := l.opts.Client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("profile: asking the AppView: %w", err)
	}
	defer resp.Body.Close()
	a := answer{pause: pauseOf(resp.Header, resp.StatusCode, l.opts.Now())}
	// Read what is left of a bounded body, so that the connection is reused.
	body, err := io.ReadAll(io.LimitReader(resp.Body, l.opts.MaxResponse+1))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return a, errRateLimited
	case resp.StatusCode != http.StatusOK:
		return a, fmt.Errorf("profile: the AppView answered %s: %.200q", resp.Status, body)
	case err != nil:
		return a, fmt.Errorf("profile: reading the answer: %w", err)
	case int64(len(body)) > l.opts.MaxResponse:
		return a, fmt.Errorf("profile: an answer of more than %d bytes", l.opts.MaxResponse)
	}
	var v struct {
		Profiles []json.RawMessage `json:"profiles"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return a, fmt.Errorf("profile: reading the answer: %w", err)
	}
	asked := make(map[string]bool, len(dids))
	for _, d := range dids {
		asked[d] = true
	}
	a.frags = make(map[string][]byte, len(dids))
	for _, raw := range v.Profiles {
		var p struct {
			DID         string `json:"did"`
			Handle      string `json:"handle"`
			DisplayName string `json:"displayName"`
			Description string `json:"description"`
		}
		if json.Unmarshal(raw, &p) != nil || !asked[p.DID] {
			continue // a profile of the wrong shape, or not asked for
		}
		a.frags[p.DID] = Fragment(p.Handle, p.DisplayName, p.Description)
	}
	return a, nil
}

// Fragment renders a profile as it is added to a line:
// ,"profile":{"handle":…,"displayName":…,"description":…}, each field
// bounded as the lexicon bounds it and left out when empty.
func Fragment(handle, displayName, description string) []byte {
	b := append(make([]byte, 0, 32+len(handle)+len(displayName)+len(description)), `,"`+tweet.ProfileKey+`":{`...)
	n := 0
	for _, f := range [...]struct {
		key, value string
		max        int
	}{{"handle", handle, tweet.MaxHandle}, {"displayName", displayName, tweet.MaxDisplayName}, {"description", description, tweet.MaxDescription}} {
		if f.value == "" {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, '"')
		b = append(b, f.key...)
		b = append(b, `":`...)
		b = tweet.AppendJSONString(b, clip(f.value, f.max))
	}
	return append(b, '}')
}

// clip cuts s to at most n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// maxPause bounds how long a Retry-After or RateLimit-Reset may stop the
// lookups: a wrong or hostile header must not turn them off for good.
const maxPause = time.Hour

// pauseOf reads how long the AppView asks a client to wait: Retry-After
// (seconds or an HTTP date) on any answer, or, when RateLimit-Remaining
// is 0, until RateLimit-Reset (seconds from now, as the IETF draft has it,
// or a Unix time in seconds, as the atproto services send it). A 429
// without either waits a minute.
func pauseOf(h http.Header, status int, now time.Time) time.Duration {
	var d time.Duration
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if s, err := strconv.ParseInt(ra, 10, 64); err == nil {
			d = seconds(s)
		} else if at, err := http.ParseTime(ra); err == nil {
			d = at.Sub(now)
		}
	}
	if d <= 0 && strings.TrimSpace(h.Get("RateLimit-Remaining")) == "0" {
		if s, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64); err == nil {
			if s > 1e9 { // a Unix time
				d = time.Unix(s, 0).Sub(now)
			} else {
				d = seconds(s)
			}
		}
	}
	if d <= 0 && status == http.StatusTooManyRequests {
		d = time.Minute
	}
	return min(max(d, 0), maxPause)
}

func seconds(s int64) time.Duration {
	if s <= 0 {
		return 0
	}
	if s > int64(maxPause/time.Second) {
		return maxPause
	}
	return time.Duration(s) * time.Second
}

// validDID reports whether did looks like an atproto DID (did:plc:…,
// did:web:…), so that one hostile event cannot make the AppView refuse a
// whole batch.
func validDID(did string) bool {
	rest, ok := strings.CutPrefix(did, "did:")
	if !ok || len(did) > 256 || !strings.Contains(rest, ":") {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:%-", c) >= 0) {
			return false
		}
	}
	return rest[0] != ':' && rest[len(rest)-1] != ':'
}
