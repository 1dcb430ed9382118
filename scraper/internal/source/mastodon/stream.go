package mastodon

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/valyala/fastjson"
)

// url is the streaming endpoint for the stream.
func (s *Source) url() string {
	base := s.stream
	if base == "" {
		base = wsScheme(s.opts.Instance)
	}
	q := url.Values{"stream": {s.opts.Stream}}
	if s.opts.Tag != "" {
		q.Set("tag", s.opts.Tag)
	}
	return strings.TrimRight(base, "/") + "/api/v1/streaming?" + q.Encode()
}

// wsScheme gives an http(s) address the matching ws(s) scheme.
func wsScheme(s string) string {
	switch {
	case strings.HasPrefix(s, "https://"):
		return "wss://" + s[len("https://"):]
	case strings.HasPrefix(s, "http://"):
		return "ws://" + s[len("http://"):]
	}
	return s
}

// discover asks the instance where its streaming server is. A failure is
// logged, and the instance's own host is used.
func (s *Source) discover(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, DiscoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.restBase()+"/api/v2/instance", nil)
	if err != nil {
		return
	}
	req.Header.Set("User-Agent", "geostream")
	resp, err := s.opts.Feed.Client.Do(req)
	if err != nil {
		s.log.Warn("cannot ask the instance for its streaming server; using the instance itself", "err", err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	v, err := fastjson.ParseBytes(b)
	if resp.StatusCode != http.StatusOK || err != nil {
		s.log.Warn("the instance did not say where its streaming server is; using the instance itself", "status", resp.StatusCode)
		return
	}
	if u := string(v.GetStringBytes("configuration", "urls", "streaming")); u != "" {
		if pu, err := url.Parse(u); err == nil && pu.Host != "" {
			s.stream = wsScheme(u)
			s.log.Info("streaming server", "url", s.stream)
		}
	}
}

// restBase is the instance's REST address: http(s), no trailing slash.
func (s *Source) restBase() string {
	base := strings.TrimRight(s.opts.Instance, "/")
	return strings.Replace(strings.Replace(base, "wss://", "https://", 1), "ws://", "http://", 1)
}
