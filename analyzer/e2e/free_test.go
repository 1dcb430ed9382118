package e2e

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// city is a well-known city and its centre.
type city struct {
	name     string
	lon, lat float64
}

// cities are named by the posts of the free sources' end-to-end tests.
var cities = []city{
	{"Chicago", -87.63, 41.88}, {"London", -0.128, 51.507}, {"Paris", 2.352, 48.857}, {"Tokyo", 139.692, 35.690},
	{"Berlin", 13.405, 52.520}, {"Madrid", -3.704, 40.417}, {"Rome", 12.483, 41.893}, {"Toronto", -79.383, 43.653},
	{"Sydney", 151.209, -33.869}, {"Melbourne", 144.963, -37.814}, {"Mumbai", 72.878, 19.076}, {"Seoul", 126.978, 37.566},
	{"Bangkok", 100.502, 13.756}, {"Istanbul", 28.978, 41.008}, {"Cairo", 31.236, 30.044}, {"Lagos", 3.379, 6.524},
	{"Nairobi", 36.817, -1.286}, {"Johannesburg", 28.047, -26.204}, {"Moscow", 37.617, 55.756}, {"Amsterdam", 4.895, 52.370},
	{"Vienna", 16.373, 48.208}, {"Prague", 14.437, 50.075}, {"Warsaw", 21.012, 52.230}, {"Stockholm", 18.069, 59.329},
	{"Oslo", 10.752, 59.914}, {"Copenhagen", 12.568, 55.676}, {"Dublin", -6.260, 53.350}, {"Lisbon", -9.139, 38.722},
	{"Barcelona", 2.159, 41.389}, {"Munich", 11.575, 48.137}, {"Milan", 9.190, 45.464}, {"Montreal", -73.567, 45.502},
	{"Vancouver", -123.121, 49.283}, {"Seattle", -122.332, 47.606}, {"Boston", -71.059, 42.360}, {"Miami", -80.192, 25.762},
	{"Denver", -104.990, 39.739}, {"Houston", -95.370, 29.760}, {"Atlanta", -84.388, 33.749}, {"New York", -74.006, 40.713},
	{"Los Angeles", -118.244, 34.052}, {"San Francisco", -122.419, 37.775}, {"Buenos Aires", -58.382, -34.604},
	{"São Paulo", -46.633, -23.551}, {"Rio de Janeiro", -43.173, -22.907}, {"Lima", -77.043, -12.046},
	{"Manila", 120.984, 14.599}, {"Jakarta", 106.846, -6.209}, {"Beijing", 116.407, 39.904}, {"Shanghai", 121.474, 31.230},
	{"Dubai", 55.271, 25.205}, {"Athens", 23.728, 37.984}, {"Budapest", 19.040, 47.498}, {"Helsinki", 24.938, 60.170},
}

// postTexts name a city the way posts do. The gazetteer misses a city
// followed by "?" or "." and a capital ("in Paris? Asking"), as in the
// fourth.
var postTexts = []string{
	"Snow is finally falling in %s tonight",
	"Stuck in traffic in %s again, send coffee",
	"The sunset over %s was unreal today",
	"Anyone know a good bookshop in %s? Asking for a friend",
	"Just landed in %s! So tired",
	"Live music tonight at a tiny bar in %s 🎶",
	"%s weather today: rain, rain and more rain",
	"Moving to %s next month, any tips?",
}

// fillers name no place.
var fillers = []string{"good morning everyone", "what a game last night", "new blog post is up", "coffee first, then code"}

// kilometres is the great-circle distance between two points.
func kilometres(lon1, lat1, lon2, lat2 float64) float64 {
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * 6371 * math.Asin(math.Min(1, math.Sqrt(a)))
}

// serveWS serves each WebSocket connection with handle until the test ends.
func serveWS(t *testing.T, check func(*http.Request) int, handle func(ctx context.Context, c *websocket.Conn, r *http.Request)) string {
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status := check(r); status != 0 {
			http.Error(w, `{"error":"no"}`, status)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		handle(c.CloseRead(ctx), c, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(cancel)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// recordThenReplay runs the scraper with args until its capture holds n
// lines, stops it, replays the capture into the analyzer and returns the
// output directory and the scraper, stopped.
func recordThenReplay(t *testing.T, env []string, n int, args ...string) (string, *proc) {
	t.Helper()
	dir := t.TempDir()
	capture := filepath.Join(dir, "capture.jsonl")
	scr := startEnv(t, env, "scraper", append(args, "--record", capture, "--listen", "127.0.0.1:0")...)
	deadline := time.Now().Add(60 * time.Second)
	for lines := 0; lines < n; {
		if time.Now().After(deadline) {
			t.Fatalf("the capture holds %d lines of %d", lines, n)
		}
		b, _ := os.ReadFile(capture) // the capture is flushed every second
		lines = bytes.Count(b, []byte("\n"))
		select {
		case <-scr.changed():
		case <-time.After(100 * time.Millisecond):
		}
	}
	scr.cmd.Process.Signal(syscall.SIGTERM)
	if err := scr.wait(30 * time.Second); err != nil {
		t.Fatalf("scraper: %v", err)
	}
	out := filepath.Join(dir, "out")
	an := start(t, "analyzer", "run", "--input", capture, "--clock", "event", "--out", out,
		"--assignments", filepath.Join(out, "assignments.csv"))
	if err := an.wait(120 * time.Second); err != nil {
		t.Fatalf("analyzer: %v", err)
	}
	if got := countLines(t, capture); got != n {
		t.Fatalf("the capture holds %d lines, want %d", got, n)
	}
	return out, scr
}

// lastLog is a stopped process's last log line and its whole log.
func lastLog(p *proc) (map[string]any, string) {
	recs := p.log.Records()
	return recs[len(recs)-1], p.log.Text()
}

// placed checks the analyzer's output: windows with located tweets, a map,
// and where each post naming a city was put. It returns the share placed
// within 25 km of its city.
func placed(t *testing.T, out string, want map[string]city, method string) float64 {
	t.Helper()
	wins, _ := readWindows(t, filepath.Join(out, "windows.ndjson"))
	located := 0
	for _, w := range wins {
		located += w.Slide.Located
	}
	if len(wins) < 2 || located == 0 {
		t.Fatalf("%d windows, %d tweets located", len(wins), located)
	}
	f, err := os.Open(filepath.Join(out, "latest.png"))
	if err != nil {
		t.Fatalf("no map: %v", err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width < 100 {
		t.Fatalf("latest.png: %v %+v", err, cfg)
	}
	b, err := os.ReadFile(filepath.Join(out, "assignments.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("assignments: %v, %d rows", err, len(rows))
	}
	near, seen := 0, map[string]bool{}
	var far []string
	for _, r := range rows[1:] { // window_end,id,lon,lat,cluster,located,level
		c, ok := want[r[1]]
		if !ok || seen[r[1]] {
			continue
		}
		seen[r[1]] = true
		lon, _ := strconv.ParseFloat(r[2], 64)
		lat, _ := strconv.ParseFloat(r[3], 64)
		if d := kilometres(lon, lat, c.lon, c.lat); d <= 25 && r[5] == method {
			near++
		} else {
			far = append(far, fmt.Sprintf("%s at %.2f,%.2f (%s, %.0f km)", c.name, lon, lat, r[5], d))
		}
	}
	share := float64(near) / float64(len(want))
	t.Logf("%d of %d posts naming a city placed within 25 km of it by %s (%.1f%%); %d not on the map; off: %v",
		near, len(want), method, 100*share, len(want)-len(seen), far)
	return share
}

// TestBlueskyThroughBothBinaries: a fake Jetstream and a fake AppView on
// loopback, the real scraper recording what it serves with its authors'
// profiles, the real analyzer replaying the capture into windows and a
// map; posts that name a city are placed there, and posts whose authors
// say where they are ("📍 Oslo") are placed by their profile.
func TestBlueskyThroughBothBinaries(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var events [][]byte
	want, byProfile := map[string]city{}, map[string]city{}
	profiles := map[string]string{} // DID → its profile, for the AppView
	n := 0
	did := func(n int) string { return fmt.Sprintf("did:plc:e2e%021d", n) }
	add := func(text string, at time.Time) string {
		n++
		did, rkey := did(n), fmt.Sprintf("3le2e%08d", n)
		rec, _ := json.Marshal(map[string]any{"$type": "app.bsky.feed.post", "text": text, "langs": []string{"en"},
			"createdAt": at.Format(time.RFC3339Nano)})
		events = append(events, fmt.Appendf(nil, `{"did":%q,"time_us":%d,"kind":"commit","commit":{"rev":"r%d","operation":"create",`+
			`"collection":"app.bsky.feed.post","rkey":%q,"record":%s,"cid":"bafyreie2e%d"}}`, did, at.UnixMicro(), n, rkey, rec, n))
		return "at://" + did + "/app.bsky.feed.post/" + rkey
	}
	at := t0
	for i, c := range cities {
		for j := range 2 {
			want[add(fmt.Sprintf(postTexts[(2*i+j)%len(postTexts)], c.name), at)] = c
			at = at.Add(time.Second)
		}
		if i%3 == 0 {
			id := add(fillers[i%len(fillers)], at)
			byProfile[id] = c
			profiles[did(n)] = fmt.Sprintf(`{"did":%q,"handle":"u%d.bsky.social","displayName":"Someone 📍 %s",`+
				`"description":"Coffee and trains.","followersCount":12,"labels":[]}`, did(n), n, c.name)
			events = append(events, fmt.Appendf(nil, `{"did":"did:plc:other%d","time_us":%d,"kind":"identity","identity":{"did":"did:plc:other%d","handle":"x%d.example"}}`,
				i, at.UnixMicro(), i, i))
			at = at.Add(time.Second)
		}
	}
	url := serveWS(t, func(r *http.Request) int {
		if r.URL.Path != "/subscribe" || r.URL.Query().Get("wantedCollections") != "app.bsky.feed.post" {
			return http.StatusBadRequest
		}
		return 0
	}, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		for _, e := range events {
			if c.Write(ctx, websocket.MessageText, e) != nil {
				return
			}
		}
		<-ctx.Done()
	})
	appView := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ps []string
		for _, a := range r.URL.Query()["actors"] {
			if p, ok := profiles[a]; ok {
				ps = append(ps, p)
			}
		}
		fmt.Fprintf(w, `{"profiles":[%s]}`, strings.Join(ps, ","))
	}))
	t.Cleanup(appView.Close)
	out, scr := recordThenReplay(t, nil, n, "bluesky", "--url", url+"/subscribe", "--appview-url", appView.URL)
	last, _ := lastLog(scr)
	st, _ := last["stats"].(map[string]any)
	pst, _ := st["profiles"].(map[string]any)
	// 126 posts at once are 6 calls at 5 a second: the last may wait more
	// than the second a post waits.
	looked, none, late := pst["looked_up"].(float64), pst["no_profile"].(float64), pst["timeouts"].(float64)
	if last["msg"] != "bluesky finished" || st["posts"] != float64(n) || st["identity"] != float64(len(events)-n) ||
		looked+none+late != float64(n) || looked == 0 {
		t.Fatalf("last log line %v", last)
	}
	if share := placed(t, out, want, "text"); share < 0.8 {
		t.Errorf("placed %.1f%% of the posts within 25 km of the city they name, want at least 80%%", 100*share)
	}
	if share := placed(t, out, byProfile, "profile"); share < 0.8 {
		t.Errorf("placed %.1f%% of the posts by their authors' profiles, want at least 80%%", 100*share)
	}
}

// TestMastodonThroughBothBinaries: a fake Mastodon instance on loopback,
// the real scraper recording what it serves, the real analyzer replaying
// the capture; statuses whose author's Location field names a city are
// placed there.
func TestMastodonThroughBothBinaries(t *testing.T) {
	const token = "e2e-mastodon-secret-token"
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fieldNames := []string{"Location", "📍 Based in", "Lives in", "location"}
	var frames [][]byte
	want := map[string]city{}
	n := 0
	add := func(text string, at time.Time, fields []map[string]any) string {
		n++
		id := strconv.Itoa(113000000000000000 + n)
		uri := "https://social.example/users/u" + strconv.Itoa(n) + "/statuses/" + id
		st, _ := json.Marshal(map[string]any{"id": id, "uri": uri, "created_at": at.Format("2006-01-02T15:04:05.000Z"),
			"visibility": "public", "language": "en", "spoiler_text": "", "content": "<p>" + text + "</p>", "reblog": nil, "tags": []any{},
			"account": map[string]any{"id": strconv.Itoa(n), "username": "u" + strconv.Itoa(n), "acct": "u" + strconv.Itoa(n) + "@social.example",
				"note": "<p>I write about food and trains.</p>", "fields": fields}})
		fr, _ := json.Marshal(map[string]any{"stream": []string{"public"}, "event": "update", "payload": string(st)})
		frames = append(frames, fr)
		return uri
	}
	at := t0
	for i, c := range cities {
		for j := range 2 {
			value := c.name
			if j == 1 {
				value = "<p>" + c.name + " 🏙️</p>"
			}
			fields := []map[string]any{{"name": "pronouns", "value": "they/them"}, {"name": fieldNames[(i+j)%len(fieldNames)], "value": value}}
			want[add(fillers[(i+j)%len(fillers)], at, fields)] = c
			at = at.Add(time.Second)
		}
		if i%3 == 0 {
			add("no place here", at, nil)
			frames = append(frames, []byte(`{"stream":["public"],"event":"delete","payload":"1234"}`))
			at = at.Add(time.Second)
		}
	}
	url := serveWS(t, func(r *http.Request) int {
		switch {
		case r.URL.Path != "/api/v1/streaming":
			return http.StatusNotFound
		case r.Header.Get("Authorization") != "Bearer "+token:
			return http.StatusUnauthorized
		case r.URL.Query().Get("stream") != "public":
			return http.StatusBadRequest
		}
		return 0
	}, func(ctx context.Context, c *websocket.Conn, _ *http.Request) {
		for _, f := range frames {
			if c.Write(ctx, websocket.MessageText, f) != nil {
				return
			}
		}
		<-ctx.Done()
	})
	instance := "http" + strings.TrimPrefix(url, "ws")
	out, scr := recordThenReplay(t, []string{"MASTODON_TOKEN=" + token}, n, "mastodon", "--instance", instance)
	last, log := lastLog(scr)
	if strings.Contains(log, token) {
		t.Fatal("the token appears in the scraper's log")
	}
	st, _ := last["stats"].(map[string]any)
	if last["msg"] != "mastodon finished" || st["statuses"] != float64(n) || st["deletes"] != float64(len(frames)-n) {
		t.Fatalf("last log line %v", last)
	}
	if share := placed(t, out, want, "profile"); share < 0.8 {
		t.Errorf("placed %.1f%% of the statuses within 25 km of the city in their author's Location field, want at least 80%%", 100*share)
	}
}
