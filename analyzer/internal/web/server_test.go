package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestValidateNeedsATokenOffLoopback(t *testing.T) {
	for _, c := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:0", "", true},
		{"[::1]:8080", "", true},
		{"127.1.2.3:80", "", true},
		{":8080", "", false}, // every interface
		{"0.0.0.0:8080", "", false},
		{"192.0.2.7:8080", "", false},
		{"example.org:80", "", false},
		{"0.0.0.0:8080", "s3cret", true},
		{"8080", "", false},
	} {
		o := Options{Addr: c.addr, Token: c.token}
		if err := o.Validate(); (err == nil) != c.ok {
			t.Errorf("%s token %q: %v", c.addr, c.token, err)
		}
	}
}

// get fetches path from h with the given Host and headers.
func get(t *testing.T, h http.Handler, host, path string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Host = host
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	if strings.HasPrefix(path, "/events") {
		// A stream only ends with the hub: end it once it has started.
		done := make(chan struct{})
		go func() { h.ServeHTTP(rec, req); close(done) }()
		select {
		case <-done:
			return rec.Result()
		case <-time.After(200 * time.Millisecond):
		}
		t.Fatal("stream still open: use stream tests for streams")
	}
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestEveryResponseHasTheCSP(t *testing.T) {
	s, err := newServer(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	m := s.hub.Publish(slideJSON(1), map[string][]int{"3": {}}, []byte("\x89PNG"))
	d := s.hub.PublishSlide(slideJSON(2), nil, []byte(`{"all":[[1,0.01,0.01,0,3]]}`), nil)
	s.hub.Close() // streams answer 503 at once
	h := s.Handler()
	for _, c := range []struct {
		host, path string
		status     int
		ctype      string
	}{
		{"127.0.0.1:8080", "/", 200, "text/html; charset=utf-8"},
		{"localhost:8080", "/app.js", 200, "text/javascript; charset=utf-8"},
		{"localhost", "/style.css", 200, "text/css; charset=utf-8"},
		{"[::1]:8080", "/api/windows", 200, "application/json"},
		{"127.0.0.1:8080", "/map/" + m.ID + ".png", 200, "image/png"},
		{"127.0.0.1:8080", "/map/nope.png", 404, ""},
		{"127.0.0.1:8080", "/map/latest.png", 200, "image/png"},
		{"127.0.0.1:8080", "/map/" + d.ID + ".png", 404, ""}, // not drawn yet
		{"127.0.0.1:8080", "/api/discs/" + d.ID, 200, "application/json"},
		{"127.0.0.1:8080", "/api/discs/" + m.ID, 404, ""}, // published without discs
		{"127.0.0.1:8080", "/api/basemap", 200, "application/geo+json"},
		{"localhost", "/leaflet.js", 200, "text/javascript; charset=utf-8"},
		{"localhost", "/leaflet.css", 200, "text/css; charset=utf-8"},
		{"127.0.0.1:8080", "/api/examples/" + m.ID, 200, "application/json"},
		{"127.0.0.1:8080", "/api/examples/nope", 404, ""},
		{"127.0.0.1:8080", "/events", 503, ""},
		{"127.0.0.1:8080", "/nothing", 404, ""},
		{"attacker.example:8080", "/", 403, ""}, // DNS rebinding
		{"attacker.example", "/api/windows", 403, ""},
	} {
		resp := get(t, h, c.host, c.path)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d", c.host, c.path, resp.StatusCode, c.status)
		}
		if got := resp.Header.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("%s: CSP %q", c.path, got)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.path)
		}
		if c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype {
			t.Errorf("%s: type %q", c.path, resp.Header.Get("Content-Type"))
		}
	}
	body, _ := io.ReadAll(get(t, h, "localhost", "/api/windows").Body)
	if string(body) != "["+string(m.JSON)+","+string(d.JSON)+"]" {
		t.Fatalf("windows: %s", body)
	}
	body, _ = io.ReadAll(get(t, h, "localhost", "/api/examples/"+m.ID).Body)
	if string(body) != `{"3":[]}` {
		t.Fatalf("examples: %s", body)
	}
	d.setImage([]byte("\x89PNG2"))
	if body, _ = io.ReadAll(get(t, h, "localhost", "/map/latest.png").Body); string(body) != "\x89PNG2" {
		t.Fatalf("latest map: %q", body)
	}
}

// TestBasemap: the countries, as GeoJSON, gzipped for a browser and
// whole for a client that does not take gzip; no ring crosses the
// antimeridian with a long edge.
func TestBasemap(t *testing.T) {
	s, err := newServer(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	zipped := get(t, h, "localhost", "/api/basemap", "Accept-Encoding", "gzip")
	z, _ := io.ReadAll(zipped.Body)
	if zipped.Header.Get("Content-Encoding") != "gzip" || len(z) > 1<<20 {
		t.Fatalf("gzipped: %q, %d bytes", zipped.Header.Get("Content-Encoding"), len(z))
	}
	var g struct {
		Type        string
		Coordinates [][][][2]float64
	}
	if err := json.NewDecoder(get(t, h, "localhost", "/api/basemap").Body).Decode(&g); err != nil {
		t.Fatal(err)
	}
	if g.Type != "MultiPolygon" || len(g.Coordinates) < 200 {
		t.Fatalf("%s of %d polygons", g.Type, len(g.Coordinates))
	}
	for _, p := range g.Coordinates {
		for _, r := range p {
			for i := 1; i < len(r); i++ {
				along := math.Abs(r[i][1]) == 90 && r[i][1] == r[i-1][1] // along a pole, closing Antarctica
				if math.Abs(r[i][0]-r[i-1][0]) > 180 && !along {
					t.Fatalf("an edge from %v to %v crosses the map", r[i-1], r[i])
				}
			}
		}
	}
}

func TestTokenOffLoopback(t *testing.T) {
	var logs bytes.Buffer
	const token = "s3cret-t0ken"
	s, err := newServer(Options{Addr: "192.0.2.7:8080", Token: token, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	host := "192.0.2.7:8080"
	for _, path := range []string{"/", "/app.js", "/api/windows", "/events", "/map/x.png", "/api/examples/x"} {
		resp := get(t, h, host, path)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Security-Policy") != CSP {
			t.Fatalf("%s without the token: %d", path, resp.StatusCode)
		}
	}
	if resp := get(t, h, host, "/?token=wrong"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	for _, auth := range []string{"Bearer " + token, "bearer " + token} {
		if resp := get(t, h, host, "/", "Authorization", auth); resp.StatusCode != 200 {
			t.Fatalf("%q: %d", auth, resp.StatusCode)
		}
	}
	for _, auth := range []string{"Basic " + token, "Bearer", "Bearer  " + token, token} {
		if resp := get(t, h, host, "/", "Authorization", auth); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%q: %d", auth, resp.StatusCode)
		}
	}
	// Visiting /?token= sets a cookie and sends the browser on without the
	// token in its address bar.
	resp := get(t, h, host, "/?token="+token+"&x=1")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || strings.Contains(loc, token) || loc != "/?x=1" {
		t.Fatalf("visit with the token: %d to %q", resp.StatusCode, loc)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || strings.Contains(cookies[0].Value, token) {
		t.Fatalf("cookie %+v", cookies)
	}
	cookie := cookies[0].Name + "=" + cookies[0].Value
	for _, path := range []string{"/", "/app.js", "/api/windows"} {
		if resp := get(t, h, "anything.example", path, "Cookie", cookie); resp.StatusCode != 200 {
			t.Fatalf("%s with the cookie: %d", path, resp.StatusCode)
		}
	}
	if resp := get(t, h, host, "/", "Cookie", cookies[0].Name+"=forged"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged cookie: %d", resp.StatusCode)
	}
	// The stream, with the cookie, over a real connection.
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer s.hub.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/events", nil)
	req.Header.Set("Cookie", cookie)
	sresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sresp.Body.Close()
	if sresp.StatusCode != 200 || sresp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream with the cookie: %d", sresp.StatusCode)
	}
	if strings.Contains(logs.String(), token) {
		t.Fatalf("the token is in the log:\n%s", logs.String())
	}
}

// TestPageInsertsTextSafely: the page's script never parses text as HTML.
func TestPageInsertsTextSafely(t *testing.T) {
	js, err := os.ReadFile("assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
		if bytes.Contains(js, []byte(bad)) {
			t.Errorf("app.js uses %s", bad)
		}
	}
	html, _ := os.ReadFile("assets/index.html")
	if bytes.Contains(html, []byte("<script>")) || bytes.Contains(html, []byte("style=")) || bytes.Contains(html, []byte("http")) {
		t.Error("index.html has inline script or style, or loads from elsewhere (the CSP would block it)")
	}
}

// TestBoundedResponse: a client that asks for a response and stops reading
// it lets the handler go once the deadline passes.
func TestBoundedResponse(t *testing.T) {
	done := make(chan error, 1)
	big := bytes.Repeat([]byte("x"), 1<<20)
	srv := httptest.NewServer(bounded(50*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		for { // more than any socket buffer holds
			if _, err := w.Write(big); err != nil {
				done <- err
				return
			}
		}
	}))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Logf("write ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the handler is still writing to a client that stopped reading")
	}
}
