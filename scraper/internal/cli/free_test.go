package cli

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/geostream/geostream/scraper/internal/source/bluesky"
	"github.com/geostream/geostream/scraper/internal/source/bluesky/profile"
	"github.com/geostream/geostream/scraper/internal/source/mastodon"
)

var mastodonToken = map[string]string{"MASTODON_TOKEN": "m-token"}

func blueskyArgs(_ *testing.T, args ...string) (*BlueskyOptions, int, error) {
	return parse(newBlueskyCmd, nil, args...)
}

func mastodonArgs(_ *testing.T, env map[string]string, args ...string) (*MastodonOptions, int, error) {
	return parse(newMastodonCmd, env, args...)
}

// fakeDict writes a file with a zstd dictionary's header.
func fakeDict(t *testing.T, id uint32) string {
	b := binary.LittleEndian.AppendUint32(nil, 0xEC30A437)
	b = binary.LittleEndian.AppendUint32(b, id)
	b = append(b, make([]byte, 64)...)
	p := filepath.Join(t.TempDir(), "dict")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBlueskyFlags(t *testing.T) {
	o, code, err := blueskyArgs(t)
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	if o.URL != bluesky.DefaultURL || o.Compress || o.Serve.lossless || o.Serve.WaitClients != 0 || o.Serve.log == nil {
		t.Fatalf("defaults %+v", o)
	}
	dict := fakeDict(t, bluesky.DictionaryID)
	o, _, err = blueskyArgs(t, "--url", "ws://127.0.0.1:1/subscribe", "--lang", "en, pt", "--track", "storm,big data",
		"--compress", "--zstd-dict", dict, "--record", "r.jsonl", "--format", "compact")
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "ws://127.0.0.1:1/subscribe" || fmt.Sprint(o.Lang) != "[en pt]" || fmt.Sprint(o.Track) != "[storm big data]" ||
		!o.Compress || len(o.dict) != 72 || o.Serve.Record != "r.jsonl" || o.Serve.Format != "compact" {
		t.Fatalf("options %+v", o)
	}
	if opts := o.options(); len(opts.Track) != 2 || opts.MaxLine != o.Serve.MaxLine || opts.Logger == nil ||
		opts.Profiles == nil || opts.Profiles.URL != profile.DefaultURL {
		t.Fatalf("source options %+v", opts)
	}
	o, _, err = blueskyArgs(t, "--appview-url", "http://127.0.0.1:1")
	if err != nil || o.options().Profiles.URL != "http://127.0.0.1:1" {
		t.Fatalf("--appview-url: %v", err)
	}
	if o, _, err = blueskyArgs(t, "--profiles=false"); err != nil || o.options().Profiles != nil {
		t.Fatalf("--profiles=false: %v", err)
	}
}

func TestMastodonFlags(t *testing.T) {
	o, code, err := mastodonArgs(t, mastodonToken, "--instance", "https://social.example", "--stream", "hashtag", "--tag", "snow",
		"--lang", "de", "--out", "toots.jsonl")
	if err != nil || code != 0 {
		t.Fatal(code, err)
	}
	if o.token != "m-token" || o.Instance != "https://social.example" || o.Stream != "hashtag" || o.Tag != "snow" ||
		fmt.Sprint(o.Lang) != "[de]" || o.Serve.Out != "toots.jsonl" || o.Serve.lossless {
		t.Fatalf("options %+v", o)
	}
	o, _, err = mastodonArgs(t, mastodonToken, "--instance", "https://social.example")
	if err != nil || o.Stream != "public" || o.options().Backfill != mastodon.DefaultBackfill {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	for _, tc := range []struct{ flag, want int }{{0, -1}, {25, 25}} {
		o, _, err = mastodonArgs(t, mastodonToken, "--instance", "https://social.example", "--backfill", fmt.Sprint(tc.flag))
		if err != nil || o.options().Backfill != tc.want {
			t.Fatalf("--backfill %d: source gets %d (%v)", tc.flag, o.options().Backfill, err)
		}
	}
}

// TestFreeSourcesBadFlags: bad flags are usage errors, exit 2.
func TestFreeSourcesBadFlags(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("not a dictionary"), 0o644)
	bluesky := [][]string{
		{"--url", "http://jetstream.example/subscribe"},
		{"--url", "::"},
		{"--track", " , "},
		{"--zstd-dict", missing},
		{"--compress", "--zstd-dict", missing},
		{"--compress", "--zstd-dict", junk},
		{"--speed", "1"}, // live: no pace to set
		{"extra"},
		{"--appview-url", "public.api.example"},
		{"--appview-url", "ftp://x.example"},
		{"--profiles=false", "--appview-url", "https://x.example"},
	}
	for _, args := range bluesky {
		if _, code, err := blueskyArgs(t, args...); code != 2 {
			t.Errorf("bluesky %v: exit %d (%v), want 2", args, code, err)
		}
	}
	mastodon := []struct {
		env  map[string]string
		args []string
		say  string
	}{
		{nil, []string{"--instance", "https://social.example"}, "MASTODON_TOKEN"},
		{mastodonToken, nil, "--instance"},
		{mastodonToken, []string{"--instance", "social.example"}, "URL"},
		{mastodonToken, []string{"--instance", "https://social.example", "--stream", "user"}, "stream"},
		{mastodonToken, []string{"--instance", "https://social.example", "--stream", "hashtag"}, "tag"},
		{mastodonToken, []string{"--instance", "https://social.example", "--tag", "snow"}, "tag"},
		{mastodonToken, []string{"--instance", "https://social.example", "--track", ","}, "--track"},
		{mastodonToken, []string{"--instance", "https://social.example", "--backfill", "-1"}, "--backfill"},
	}
	for _, tc := range mastodon {
		_, code, err := mastodonArgs(t, tc.env, tc.args...)
		if code != 2 || !strings.Contains(err.Error(), tc.say) {
			t.Errorf("mastodon %v: exit %d (%v), want 2 saying %q", tc.args, code, err, tc.say)
		}
	}
}

func TestCompressWithoutDictionary(t *testing.T) {
	if bluesky.EmbeddedDictionary() != nil {
		t.Skip("built with Jetstream's dictionary")
	}
	_, code, err := blueskyArgs(t, "--compress")
	if code != 2 || !strings.Contains(err.Error(), "--zstd-dict") {
		t.Fatalf("exit %d: %v", code, err)
	}
}

// TestMastodonRefusedTokenExitsFast runs the real command against an
// instance that refuses the token: it exits non-zero at once, says so,
// and never prints the token.
func TestMastodonRefusedTokenExitsFast(t *testing.T) {
	const secret = "refused-secret-token-789"
	var attempts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/streaming" {
			attempts.Add(1)
		}
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Error: Invalid access token"}`))
	}))
	defer srv.Close()
	t.Setenv("MASTODON_TOKEN", secret)
	start := time.Now()
	p := startProc(t, "mastodon", "--instance", srv.URL, "--listen", "127.0.0.1:0")
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the scraper kept running with a refused token")
	}
	took := time.Since(start)
	out := p.logText() + fmt.Sprint(p.err)
	if p.err == nil || !strings.Contains(p.logText(), "refused the access token") || !strings.Contains(p.logText(), "MASTODON_TOKEN") {
		t.Fatalf("exit %v after %v:\n%s", p.err, took, p.logText())
	}
	if strings.Contains(out, secret) {
		t.Fatal("the token appears in the output")
	}
	if n := attempts.Load(); n != 1 {
		t.Fatalf("%d handshakes: a refused token must not be retried", n)
	}
	t.Logf("refused token: exit %v after %v", p.err, took.Round(time.Millisecond))
}

// TestBlueskyOut runs the command with --out against a fake Jetstream and
// a fake AppView: the posts land in the file as Jetstream sent them, with
// their authors' profiles when they have one.
func TestBlueskyOut(t *testing.T) {
	posts := []string{
		`{"did":"did:plc:a","time_us":1767225600000000,"kind":"commit","commit":{"rev":"r1","operation":"create","collection":"app.bsky.feed.post","rkey":"k1","record":{"text":"Snow in Chicago","createdAt":"2026-01-01T00:00:00Z","langs":["en"]}}}`,
		`{"did":"did:plc:b","time_us":1767225601000000,"kind":"identity","identity":{"did":"did:plc:b","handle":"b.example"}}`,
		`{"did":"did:plc:c","time_us":1767225602000000,"kind":"commit","commit":{"rev":"r2","operation":"create","collection":"app.bsky.feed.post","rkey":"k2","record":{"text":"Rain in Paris","createdAt":"2026-01-01T00:00:02Z","langs":["en"]}}}`,
	}
	served := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := c.CloseRead(r.Context())
		for _, p := range posts {
			c.Write(ctx, websocket.MessageText, []byte(p))
		}
		close(served)
		<-ctx.Done()
	}))
	defer srv.Close()
	appView := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/xrpc/app.bsky.actor.getProfiles" {
			http.NotFound(w, r)
			return
		}
		var ps []string
		for _, a := range r.URL.Query()["actors"] {
			if a == "did:plc:a" {
				ps = append(ps, `{"did":"did:plc:a","handle":"a.example","displayName":"A","description":"📍 Chicago","followersCount":1}`)
			}
		}
		fmt.Fprintf(w, `{"profiles":[%s]}`, strings.Join(ps, ","))
	}))
	defer appView.Close()
	out := filepath.Join(t.TempDir(), "bsky.jsonl")
	d, _ := testDeps(nil)
	root := NewRootCmd(d)
	root.SetArgs([]string{"bluesky", "--url", "ws" + strings.TrimPrefix(srv.URL, "http") + "/subscribe", "--out", out,
		"--appview-url", appView.URL})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- root.ExecuteContext(ctx) }()
	<-served
	want := strings.TrimSuffix(posts[0], "}") + `,"profile":{"handle":"a.example","displayName":"A","description":"📍 Chicago"}}` + "\n" +
		posts[2] + "\n"
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(out) // --out is flushed within a second
		if string(b) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("--out holds %q", b)
		}
		time.Sleep(20 * time.Millisecond) // polling a file with a deadline
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("interrupted: %v", err)
	}
}
