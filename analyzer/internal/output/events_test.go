package output

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/model"
)

func TestEventsStartAndEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.ndjson")
	ev := NewEventsFile(path)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	end := func(i int) time.Time { return t0.Add(time.Duration(i) * 20 * time.Second) }
	a := model.Event{ID: 1, Cluster: 4, Lon: -104.98, Lat: 39.74, RadiusKm: 3.5, Keywords: []string{"flood"},
		FirstSeen: end(1), Posts: 9, Slide: 9, P: 1e-9, FirstPosts: []string{"p1", "p2"},
		Examples: []model.Example{{ID: "p1", Text: "other people's words"}}}
	b := model.Event{ID: 2, Cluster: 7, Keywords: []string{"strike"}, FirstSeen: end(2), Posts: 12}
	a2 := a
	a2.Posts, a2.Slide, a2.Cluster = 20, 11, 5
	for i, evs := range [][]model.Event{nil, {a}, {a2, b}, {b}, {}} {
		if err := ev.Write(&model.Result{End: end(i), Events: evs}); err != nil {
			t.Fatal(err)
		}
		if i == 3 { // each window's lines are in the file once it is written
			if n := len(readLines(t, path)); n != 3 {
				t.Fatalf("after window %d the file holds %d lines, want 3", i, n)
			}
		}
	}
	if err := ev.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "other people") {
		t.Error("events.ndjson carries the posts' text")
	}
	got := readLines(t, path)
	want := []struct {
		kind     string
		id       int
		at       time.Time
		posts    int
		lastSeen time.Time
	}{
		{"start", 1, end(1), 9, time.Time{}},
		{"start", 2, end(2), 12, time.Time{}},
		{"end", 1, end(3), 20, end(2)},
		{"end", 2, end(4), 12, end(3)},
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.ID != w.id || !g.At.Equal(w.at) || g.Posts != w.posts {
			t.Errorf("line %d: %s %d at %s with %d posts, want %s %d at %s with %d", i, g.Kind, g.ID, g.At, g.Posts,
				w.kind, w.id, w.at, w.posts)
		}
		if w.kind == "end" && (g.LastSeen == nil || !g.LastSeen.Equal(w.lastSeen)) || w.kind == "start" && g.LastSeen != nil {
			t.Errorf("line %d: last_seen %v, want %v", i, g.LastSeen, w.lastSeen)
		}
	}
	if g := got[0]; g.Cluster != 4 || g.Lon != -104.98 || g.RadiusKm != 3.5 || g.Keywords[0] != "flood" ||
		!g.FirstSeen.Equal(end(1)) || len(g.FirstPosts) != 2 || g.P != 1e-9 {
		t.Errorf("start line %+v", g)
	}
	if g := got[2]; g.Cluster != 5 || g.Slide != 11 {
		t.Errorf("the end line holds the event's last state: %+v", g)
	}
}

func readLines(t *testing.T, path string) []EventLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []EventLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l EventLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

func TestWindowsLineEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "windows.ndjson")
	w := NewWindows(path)
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, evs := range [][]model.Event{nil, {}, {{ID: 3, Keywords: []string{"flood"}, FirstSeen: end}}} {
		if err := w.Write(&model.Result{End: end, Events: evs}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	if strings.Contains(lines[0], `"events"`) {
		t.Errorf("detection off, yet the line has events: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"events":[]`) {
		t.Errorf("no event: want an empty list, got %s", lines[1])
	}
	var l WindowLine
	if err := json.Unmarshal([]byte(lines[2]), &l); err != nil || len(l.Events) != 1 || l.Events[0].ID != 3 {
		t.Errorf("line %s: %+v, %v", lines[2], l.Events, err)
	}
}
