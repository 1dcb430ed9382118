package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

//go:embed assets/index.html assets/app.js assets/style.css assets/leaflet/leaflet.js assets/leaflet/leaflet.css
var assets embed.FS

// CSP is the Content-Security-Policy of every response: the page loads
// nothing but its own script, style sheet, events and maps.
const CSP = "default-src 'self'"

// cookieName holds the token's digest once a browser has shown the token.
const cookieName = "geostream_token"

// Options configures a Server.
type Options struct {
	// Addr is host:port to listen on; a port of 0 picks a free one.
	Addr string
	// Token is required of every request unless Addr is a loopback
	// address; it must be set for any other address.
	Token string
	Hub   HubOptions
	// History rebuilds the stream's history when the page asks (with
	// --nats); without a Rebuild the page offers none.
	History HistoryOptions
	Logger  *slog.Logger
}

// Validate checks the options.
func (o *Options) Validate() error {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return fmt.Errorf("web: --http %q: want host:port", o.Addr)
	}
	if !IsLoopback(host) && o.Token == "" {
		return fmt.Errorf("web: --http %s is not a loopback address: set --token (or GEOSTREAM_TOKEN) so that the page needs it", o.Addr)
	}
	return nil
}

// IsLoopback reports whether host (a name or an address, without a port)
// is this machine's loopback: localhost, 127.0.0.0/8 or ::1. An empty host
// (every interface) is not.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Server serves the live page.
type Server struct {
	opts    Options
	hub     *Hub
	history *History // nil: no history to rebuild
	ln      net.Listener
	srv     *http.Server
	open    bool   // no token needed (loopback)
	digest  string // the cookie's value: a digest of the token
	log     *slog.Logger
	served  chan error
	once    sync.Once
}

// Listen binds opts.Addr and serves the page in a goroutine of its own
// until Close.
func Listen(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	if s.ln, err = net.Listen("tcp", opts.Addr); err != nil {
		return nil, fmt.Errorf("listening for the live page: %w", err)
	}
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	go func() { // owned by s: ends at Close
		err := s.srv.Serve(s.ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.served <- err
	}()
	return s, nil
}

// newServer returns a server that does not listen yet.
func newServer(opts Options) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	host, _, _ := net.SplitHostPort(opts.Addr)
	s := &Server{opts: opts, hub: NewHub(opts.Hub), open: IsLoopback(host), log: opts.Logger, served: make(chan error, 1)}
	if opts.History.Rebuild != nil {
		if opts.History.Logger == nil {
			opts.History.Logger = opts.Logger
		}
		s.history = NewHistory(opts.History)
	}
	if opts.Token != "" {
		sum := sha256.Sum256([]byte("geostream live page\x00" + opts.Token))
		s.digest = hex.EncodeToString(sum[:])
	}
	return s, nil
}

// Hub is the server's event hub.
func (s *Server) Hub() *Hub { return s.hub }

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// URL is the page's address (without the token).
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() + "/" }

// Close ends every event stream, stops the server and waits for it: open
// streams end cleanly; a client that does not take its last bytes within a
// second is cut off.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		if s.history != nil {
			s.history.Close()
		}
		s.hub.stop()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if s.srv.Shutdown(ctx) != nil {
			s.srv.Close()
		}
		s.hub.Close()
		err = <-s.served
	})
	return err
}

// Handler is the server's routes behind its guard (headers, Host and token
// checks); Listen serves it.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	d := ResponseTimeout
	mux.HandleFunc("GET /{$}", bounded(d, s.asset("assets/index.html", "text/html; charset=utf-8")))
	mux.HandleFunc("GET /app.js", bounded(d, s.asset("assets/app.js", "text/javascript; charset=utf-8")))
	mux.HandleFunc("GET /style.css", bounded(d, s.asset("assets/style.css", "text/css; charset=utf-8")))
	mux.HandleFunc("GET /leaflet.js", bounded(d, s.asset("assets/leaflet/leaflet.js", "text/javascript; charset=utf-8")))
	mux.HandleFunc("GET /leaflet.css", bounded(d, s.asset("assets/leaflet/leaflet.css", "text/css; charset=utf-8")))
	mux.HandleFunc("GET /api/basemap", bounded(d, s.basemap))
	mux.HandleFunc("GET /api/discs/{id}", bounded(d, s.discs))
	mux.Handle("GET /events", s.hub) // sets a deadline for each of its writes
	mux.HandleFunc("GET /api/windows", bounded(d, s.windows))
	mux.HandleFunc("GET /map/{name}", bounded(d, s.image))
	mux.HandleFunc("GET /api/examples/{id}", bounded(d, s.examples))
	mux.HandleFunc("GET /api/history", bounded(d, s.historyStatus))
	mux.HandleFunc("POST /api/history", bounded(d, s.historyStart))
	mux.HandleFunc("DELETE /api/history", bounded(d, s.historyCancel))
	mux.HandleFunc("GET /api/history/windows", bounded(d, s.historyWindows))
	return s.guard(mux)
}

// ResponseTimeout bounds how long a response other than the event stream
// may take to write: a client that stops reading a map lets it go then.
const ResponseTimeout = 30 * time.Second

// bounded gives a handler's response a write deadline d from now (the
// server has none, for the sake of the event streams).
func bounded(d time.Duration, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
		h(w, r)
	}
}

func (s *Server) asset(name, ctype string) http.HandlerFunc {
	body, err := assets.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(body)
	}
}

// windows serves the retained slides, oldest first, as a JSON array.
func (s *Server) windows(w http.ResponseWriter, r *http.Request) {
	writeWindows(w, s.hub.Retained())
}

// historyWindows serves the latest rebuild's windows, oldest first, as
// /api/windows does the live ones.
func (s *Server) historyWindows(w http.ResponseWriter, r *http.Request) {
	writeWindows(w, s.history.windows())
}

// find returns a kept slide, live or rebuilt.
func (s *Server) find(id string) (*Message, bool) {
	if m, ok := s.hub.Find(id); ok {
		return m, true
	}
	return s.history.find(id)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// historyStatus serves the state of the rebuilds.
func (s *Server) historyStatus(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.history.status())
}

// historyRequest is POST /api/history's body: since (a duration back from
// now, "2h") or from (an RFC 3339 time); neither reaches back as far as
// the limit allows.
type historyRequest struct {
	Since string `json:"since"`
	From  string `json:"from"`
}

// maxHistoryRequest bounds POST /api/history's body.
const maxHistoryRequest = 4 << 10

// historyStart starts a rebuild: 202 with the status, 409 while one runs,
// 404 when the input keeps no history. Only a JSON body is taken, and
// only from the page's own origin: a form or a script on another site
// cannot set the analyzer rebuilding.
func (s *Server) historyStart(w http.ResponseWriter, r *http.Request) {
	if s.history == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "this run keeps no history to rebuild: it needs --nats"})
		return
	}
	if !sameOrigin(r) {
		return403(w)
		return
	}
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); !strings.EqualFold(strings.TrimSpace(ct), "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send a JSON body: {\"since\": \"2h\"} or {\"from\": \"2006-01-02T15:04:05Z\"}"})
		return
	}
	var req historyRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, maxHistoryRequest)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reading the request: " + err.Error()})
		return
	}
	from, err := req.start(s.history.opts.Now())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	switch err := s.history.Start(from); {
	case errors.Is(err, ErrHistoryBusy):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case errors.Is(err, errHistoryClosed):
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusAccepted, s.history.status())
	}
}

// start is the time a request asks the rebuild to begin at (zero: as far
// back as the limit).
func (q historyRequest) start(now time.Time) (time.Time, error) {
	switch {
	case q.Since != "" && q.From != "":
		return time.Time{}, errors.New("give since or from, not both")
	case q.Since != "":
		d, err := time.ParseDuration(q.Since)
		if err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("since %q: want a duration such as 2h or 30m", q.Since)
		}
		return now.Add(-d), nil
	case q.From != "":
		t, err := time.Parse(time.RFC3339, q.From)
		if err != nil {
			return time.Time{}, fmt.Errorf("from %q: want a time such as 2006-01-02T15:04:05Z", q.From)
		}
		return t, nil
	}
	return time.Time{}, nil
}

// historyCancel cancels the running rebuild and answers with the status.
func (s *Server) historyCancel(w http.ResponseWriter, r *http.Request) {
	if s.history == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "this run keeps no history to rebuild: it needs --nats"})
		return
	}
	if !sameOrigin(r) {
		return403(w)
		return
	}
	s.history.Cancel()
	writeJSON(w, http.StatusOK, s.history.status())
}

// sameOrigin reports whether a request that changes something comes from
// the page itself: a browser names the origin of a cross-site request.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

func return403(w http.ResponseWriter) {
	writeJSON(w, http.StatusForbidden, map[string]string{"error": "only the live page itself may ask for this"})
}

func writeWindows(w http.ResponseWriter, msgs []*Message) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	n := 2
	for _, m := range msgs {
		n += len(m.JSON) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m.JSON...)
	}
	w.Write(append(b, ']'))
}

// image serves a retained slide's map; its URL names the slide, so it
// never changes. latest.png is the newest map, for the page without
// JavaScript.
func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutSuffix(r.PathValue("name"), ".png")
	var img []byte
	cache := "private, max-age=86400, immutable"
	if id == "latest" {
		img, cache = s.hub.Latest(), "no-store"
	} else if m, found := s.find(id); ok && found {
		img = m.Image()
	}
	if img == nil {
		http.Error(w, "no such map (only the newest windows are kept)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", cache)
	w.Write(img)
}

// discs serves a retained slide's discs, {"all":[[cluster, lon, lat,
// kind, posts], ...]}, for the slider.
func (s *Server) discs(w http.ResponseWriter, r *http.Request) {
	m, found := s.find(r.PathValue("id"))
	if !found || m.Discs() == nil {
		http.Error(w, "no such window (only the newest are kept)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	w.Write(m.Discs())
}

// basemap serves the countries as GeoJSON, gzipped (every browser takes
// it so; a client that does not is sent it inflated).
func (s *Server) basemap(w http.ResponseWriter, r *http.Request) {
	z, err := basemap()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(z)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	io.Copy(w, zr)
}

// examples serves a retained slide's example tweets: {"<cluster id>":
// [tweet, ...]}.
func (s *Server) examples(w http.ResponseWriter, r *http.Request) {
	m, found := s.find(r.PathValue("id"))
	if !found {
		http.Error(w, "no such window (only the newest are kept)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, max-age=86400, immutable")
	w.Write(m.Examples())
}

// guard sets the security headers on every response and lets a request
// through only from this machine (on loopback: the Host must be a loopback
// name, so a page elsewhere cannot reach in by DNS rebinding) or with the
// token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if s.open {
			host := r.Host
			if hp, _, err := net.SplitHostPort(host); err == nil {
				host = hp
			}
			if !IsLoopback(host) {
				http.Error(w, "this page is served to this machine only", http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if tok := r.URL.Query().Get("token"); tok != "" && r.URL.Path == "/" {
			if !s.tokenOK(tok) {
				http.Error(w, "wrong token", http.StatusUnauthorized)
				return
			}
			// Keep the token out of the address bar and history: a cookie
			// carries it from now on.
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.digest, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			q := r.URL.Query()
			q.Del("token")
			to := "/"
			if len(q) > 0 {
				to += "?" + q.Encode()
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if s.authorized(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="geostream"`)
		http.Error(w, "this page needs the analyzer's token: open /?token=... once, or send Authorization: Bearer ...", http.StatusUnauthorized)
	})
}

func (s *Server) tokenOK(tok string) bool {
	return subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.Token)) == 1
}

func (s *Server) authorized(r *http.Request) bool {
	// The scheme is case-insensitive (RFC 9110, 11.1).
	if scheme, auth, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") && s.tokenOK(auth) {
		return true
	}
	c, err := r.Cookie(cookieName)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.digest)) == 1
}
