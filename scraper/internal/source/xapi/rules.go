package xapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	twitter "github.com/g8rswimmer/go-twitter/v2"

	"github.com/geostream/geostream/scraper/internal/source"
	"github.com/geostream/geostream/shared/bbox"
	"github.com/geostream/geostream/shared/tweet"
)

// RuleTag marks the rules this tool manages; rules with other tags are
// never touched.
const RuleTag = "geostream"

// MaxBoxMiles is the largest side X accepts in a bounding_box operator.
const MaxBoxMiles = 25

// tileMiles is the side tiles aim at: a little under MaxBoxMiles, in case
// X measures the earth a little differently.
const tileMiles = 24.5

// MaxRuleLen is the longest rule value X accepts on the basic access
// levels (higher levels accept 1024).
const MaxRuleLen = 512

// miles returns the box's width, at its widest (the latitude nearest the
// equator), and height.
func miles(b bbox.Box) (w, h float64) {
	const milesPerDegree = 69.09
	widest := 0.0
	if b.S > 0 {
		widest = b.S
	} else if b.N < 0 {
		widest = b.N
	}
	return (b.E - b.W) * milesPerDegree * math.Cos(widest*math.Pi/180), (b.N - b.S) * milesPerDegree
}

// tiles splits the box into a grid of boxes no side of which is over
// tileMiles.
func tiles(b bbox.Box) []bbox.Box {
	w, h := miles(b)
	nx, ny := max(1, int(math.Ceil(w/tileMiles))), max(1, int(math.Ceil(h/tileMiles)))
	if nx*ny > 64 {
		return nil // far too many for one rule anyway
	}
	edge := func(lo, hi float64, i, n int) float64 {
		return math.Round((lo+(hi-lo)*float64(i)/float64(n))*1e5) / 1e5 // ~1 m; shared edges agree
	}
	var out []bbox.Box
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			out = append(out, bbox.Box{W: edge(b.W, b.E, i, nx), S: edge(b.S, b.N, j, ny), E: edge(b.W, b.E, i+1, nx), N: edge(b.S, b.N, j+1, ny)})
		}
	}
	return out
}

// operator is the box as X's bounding_box operator.
func operator(b bbox.Box) string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return "bounding_box:[" + f(b.W) + " " + f(b.S) + " " + f(b.E) + " " + f(b.N) + "]"
}

// Query is what the user asked to follow.
type Query struct {
	Track []string // keywords or phrases, any of which matches
	Lang  []string // languages (BCP 47), any of which matches
	BBox  *bbox.Box
	Raw   []string // rule values used as given (instead of the above)
}

// Plan turns a query into rule values and the filters the client must
// apply itself. has:geo and lang: cannot stand alone, so they are only
// added next to keywords. A box X accepts becomes a bounding_box operator;
// a larger one is split into tiles OR'd together while the rule stays
// within MaxRuleLen, so X sends only tweets from the area; beyond that it
// becomes has:geo plus a client-side box filter.
func Plan(q Query) (rules []string, clientBox *bbox.Box, clientLang []string, err error) {
	if len(q.Raw) > 0 {
		return q.Raw, q.BBox, nil, nil
	}
	if len(q.Track) == 0 {
		return nil, q.BBox, q.Lang, nil // sample stream, filtered here
	}
	var terms []string
	for _, t := range q.Track {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if strings.ContainsAny(t, " \t") {
			t = `"` + strings.ReplaceAll(t, `"`, ``) + `"`
		}
		terms = append(terms, t)
	}
	if len(terms) == 0 {
		return nil, nil, nil, errors.New("xapi: --track has no keywords")
	}
	value := strings.Join(terms, " OR ")
	if len(terms) > 1 {
		value = "(" + value + ")"
	}
	if len(q.Lang) == 1 {
		value += " lang:" + q.Lang[0]
	} else if len(q.Lang) > 1 {
		var ls []string
		for _, l := range q.Lang {
			ls = append(ls, "lang:"+l)
		}
		value += " (" + strings.Join(ls, " OR ") + ")"
	}
	if b := q.BBox; b != nil {
		var ops []string
		for _, t := range tiles(*b) {
			ops = append(ops, operator(t))
		}
		switch area := "(" + strings.Join(ops, " OR ") + ")"; {
		case len(ops) == 1:
			value += " " + ops[0]
		case len(ops) > 1 && len(value)+1+len(area) <= MaxRuleLen:
			value += " " + area
		default:
			value += " has:geo"
			clientBox = b
		}
	}
	return []string{value}, clientBox, nil, nil
}

// RuleChanges is what SyncRules did or would do.
type RuleChanges struct {
	Kept, Added, Deleted []string
}

// SyncRules makes the stream's rules tagged RuleTag exactly want: rules
// already there are kept, missing ones added, stale ones of ours deleted;
// rules with other tags are left alone. With dryRun nothing changes.
func SyncRules(ctx context.Context, c *twitter.Client, want []string, dryRun bool) (RuleChanges, error) {
	var ch RuleChanges
	have, err := c.TweetSearchStreamRules(ctx, nil)
	if err != nil {
		return ch, fmt.Errorf("listing stream rules: %w", explain(err))
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	present := map[string]bool{}
	var stale []twitter.TweetSearchStreamRuleID
	for _, r := range have.Rules {
		if r == nil || !strings.HasPrefix(r.Tag, RuleTag) {
			continue
		}
		if wanted[r.Value] && !present[r.Value] {
			present[r.Value] = true
			ch.Kept = append(ch.Kept, r.Value)
			continue
		}
		stale = append(stale, r.ID)
		ch.Deleted = append(ch.Deleted, r.Value)
	}
	var add []twitter.TweetSearchStreamRule
	for _, w := range want {
		if !present[w] {
			present[w] = true
			add = append(add, twitter.TweetSearchStreamRule{Value: w, Tag: RuleTag})
			ch.Added = append(ch.Added, w)
		}
	}
	if len(stale) > 0 {
		if _, err := c.TweetSearchStreamDeleteRuleByID(ctx, stale, dryRun); err != nil {
			return ch, fmt.Errorf("deleting stale rules: %w", explain(err))
		}
	}
	if len(add) > 0 {
		resp, err := c.TweetSearchStreamAddRule(ctx, add, dryRun)
		if err != nil {
			return ch, fmt.Errorf("adding rules: %w", explain(err))
		}
		if resp != nil && len(resp.Errors) > 0 {
			var msgs []string
			for _, e := range resp.Errors {
				msgs = append(msgs, e.Title+": "+e.Detail)
			}
			return ch, fmt.Errorf("rules refused by X: %s", strings.Join(msgs, "; "))
		}
	}
	sort.Strings(ch.Kept)
	return ch, nil
}

// PrintChanges writes a plan a person can read.
func PrintChanges(w io.Writer, ch RuleChanges, dryRun bool) {
	verb := map[bool]string{true: "would ", false: ""}[dryRun]
	for _, r := range ch.Kept {
		fmt.Fprintf(w, "%skeep   %s\n", verb, r)
	}
	for _, r := range ch.Added {
		fmt.Fprintf(w, "%sadd    %s\n", verb, r)
	}
	for _, r := range ch.Deleted {
		fmt.Fprintf(w, "%sdelete %s\n", verb, r)
	}
	if len(ch.Kept)+len(ch.Added)+len(ch.Deleted) == 0 {
		fmt.Fprintln(w, "no rules")
	}
}

// explain turns go-twitter's errors into plain words (never a token).
func explain(err error) error {
	var er *twitter.ErrorResponse
	if errors.As(err, &er) {
		return fmt.Errorf("HTTP %d: %s %s", er.StatusCode, er.Title, er.Detail)
	}
	var he *twitter.HTTPError
	if errors.As(err, &he) {
		switch he.StatusCode {
		case 401:
			return fmt.Errorf("HTTP 401: the bearer token was refused: check X_BEARER_TOKEN")
		case 403:
			return fmt.Errorf("HTTP 403: this token's app has no access to filtered-stream rules (check the project's access level)")
		}
		return fmt.Errorf("HTTP %d", he.StatusCode)
	}
	return err
}

// filter reports whether a line passes the client-side filters, decoding
// it (into l.Tweet) only if there is a filter.
func filter(dec *source.Decoder, l *source.Line, box *bbox.Box, langs []string) bool {
	if box == nil && len(langs) == 0 {
		return true
	}
	tw := l.Decode(dec)
	if tw.Kind != tweet.KindTweet {
		return true // notices and junk go on to be counted downstream
	}
	if box != nil && (!tw.Located() || !box.Contains(tw.Lon, tw.Lat)) {
		return false
	}
	if len(langs) > 0 {
		for _, l := range langs {
			if tw.Lang == l {
				return true
			}
		}
		return false
	}
	return true
}
