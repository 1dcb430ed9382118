package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/shared/tweet"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// writeBackground writes n compact records of our own in dir/bg.jsonl:
// every third with a point, every fourth with a profile location.
func writeBackground(t *testing.T, dir string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		tw := tweet.Tweet{ID: fmt.Sprint(i), Text: fmt.Sprintf("word%d other%d", i%13, i%7), CreatedAt: start}
		if i%3 == 0 {
			tw.Geo, tw.Lon, tw.Lat = tweet.GeoPoint, float64(i%90), 10
		}
		if i%4 == 0 {
			tw.UserLocation = "Lyon"
		}
		b.Write(tweet.AppendCompact(nil, &tw))
		b.WriteString("\n")
	}
	b.WriteString("not json\n{\"delete\":{}}\n") // skipped
	if err := os.WriteFile(filepath.Join(dir, "bg.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func testSpec() *Spec {
	lyon := []City{{Name: "Lyon", Lon: 4.84, Lat: 45.76}}
	return &Spec{Seed: 3, Start: start, Duration: Duration(10 * time.Minute),
		Background: Background{Files: []string{"bg.jsonl"}, Rate: 5, KeepPlace: 0.5, KeepProfile: 0},
		Plants: []Plant{
			{Label: "flood", Kind: KindBurst, At: Duration(4 * time.Minute), Over: Duration(time.Minute), Posts: 40,
				Words: []string{"flood", "river"}, Cities: lyon, Point: 0.25, Profile: 0.25},
			{Label: "market", Kind: KindSteady, At: Duration(time.Minute), Posts: 90, Words: []string{"market"}, Cities: lyon,
				Point: 1},
			{Label: "eclipse", Kind: KindWide, At: Duration(6 * time.Minute), Over: Duration(time.Minute), Posts: 30,
				Words: []string{"eclipse"}, Cities: []City{{"A", 1, 1}, {"B", 100, 1}, {"C", -100, 1}}, Point: 1},
		}}
}

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	writeBackground(t, dir, 1000)
	var capture, labels bytes.Buffer
	truth, err := Build(testSpec(), dir, &capture, &labels)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(capture.String()), "\n")
	labelLines := strings.Split(strings.TrimSpace(labels.String()), "\n")
	if len(lines) != len(labelLines) || len(lines) != truth.Background+40+90+30 {
		t.Fatalf("%d lines, %d labels, %d background + 160 planted", len(lines), len(labelLines), truth.Background)
	}
	// 5 posts a second for 10 minutes.
	if truth.Background < 2700 || truth.Background > 3300 {
		t.Errorf("%d background posts, want about 3000", truth.Background)
	}
	var dec tweet.Decoder
	var prev time.Time
	kinds := map[string]int{}
	ids := map[string]bool{}
	var bgPlaced, bgProfile int
	for i, l := range lines {
		tw, err := dec.Decode([]byte(l))
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if tw.CreatedAt.Before(prev) || tw.CreatedAt.Before(start) || !tw.CreatedAt.Before(truth.End) {
			t.Fatalf("line %d at %s: out of order or of the run", i, tw.CreatedAt)
		}
		prev = tw.CreatedAt
		if ids[tw.ID] {
			t.Fatalf("id %s twice", tw.ID)
		}
		ids[tw.ID] = true
		id, label, _ := strings.Cut(labelLines[i], "\t")
		if id != tw.ID {
			t.Fatalf("label line %d names %s, the capture %s", i, id, tw.ID)
		}
		kinds[label]++
		switch label {
		case BackgroundLabel:
			if tw.Located() {
				bgPlaced++
			}
			if tw.UserLocation != "" {
				bgProfile++
			}
		case "flood":
			if !strings.Contains(tw.Text, "flood") && !strings.Contains(tw.Text, "river") {
				t.Errorf("a flood post says %q", tw.Text)
			}
			if tw.CreatedAt.Before(start.Add(4*time.Minute)) || tw.CreatedAt.After(start.Add(5*time.Minute)) {
				t.Errorf("a flood post at %s", tw.CreatedAt)
			}
		case "eclipse":
			if !tw.Located() || tw.Lat < 0.5 || tw.Lat > 1.5 {
				t.Errorf("an eclipse post at %v,%v", tw.Lon, tw.Lat)
			}
		}
	}
	if kinds["flood"] != 40 || kinds["market"] != 90 || kinds["eclipse"] != 30 {
		t.Errorf("labels %v", kinds)
	}
	// A third of the background had a point, half of which is kept; no
	// profile location is kept.
	if share := float64(bgPlaced) / float64(truth.Background); share < 0.12 || share > 0.22 || bgProfile != 0 {
		t.Errorf("background: %.2f placed, %d profiles", share, bgProfile)
	}
	fl := truth.Plants[0]
	if fl.Label != "flood" || fl.Posts != 40 || fl.Point+fl.Profile < 10 || fl.Point+fl.Profile > 30 || fl.City != "Lyon" ||
		fl.First.Before(start.Add(4*time.Minute)) || !fl.Last.After(fl.First) {
		t.Errorf("truth of the burst: %+v", fl)
	}
	if len(truth.Plants[2].Cities) != 3 {
		t.Errorf("truth of the wide surge: %+v", truth.Plants[2])
	}
	// The same spec builds the same bytes.
	var again bytes.Buffer
	if _, err := Build(testSpec(), dir, &again, &bytes.Buffer{}); err != nil || !bytes.Equal(again.Bytes(), capture.Bytes()) {
		t.Errorf("a second build differs (%v)", err)
	}
}

func TestBuildFromLabelledPosts(t *testing.T) {
	dir := t.TempDir()
	var posts, labels strings.Builder
	for i := range 30 {
		fmt.Fprintf(&posts, `{"id":"t%d","text":"topic%d words"}`+"\n", i, i%3)
		fmt.Fprintf(&labels, "t%d\t%d\n", i, i%3)
	}
	os.WriteFile(filepath.Join(dir, "posts.jsonl"), []byte(posts.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "labels.tsv"), []byte(labels.String()), 0o644)
	s := &Spec{Start: start, Duration: Duration(5 * time.Minute), Plants: []Plant{{Label: "b", Kind: KindBurst,
		At: Duration(time.Minute), Over: Duration(time.Minute), Posts: 25, File: "posts.jsonl", Labels: "labels.tsv",
		Topic: "1", Cities: []City{{"X", 1, 2}}}}}
	var capture bytes.Buffer
	if _, err := Build(s, dir, &capture, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	// Topic 1 has 10 posts: each is taken two or three times.
	if got := strings.Count(capture.String(), "topic1 words"); got != 25 || strings.Contains(capture.String(), "topic0") {
		t.Errorf("%d posts of topic 1 in\n%s", got, capture.String())
	}
	s.Plants[0].Topic = "9"
	if _, err := Build(s, dir, &capture, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), `"9"`) {
		t.Errorf("a topic with no post: %v", err)
	}
}

func TestSpecValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Spec)
		want string
	}{
		{"good", func(*Spec) {}, ""},
		{"no start", func(s *Spec) { s.Start = time.Time{} }, "Start"},
		{"no duration", func(s *Spec) { s.Duration = 0 }, "Duration"},
		{"no rate", func(s *Spec) { s.Background.Rate = 0 }, "Rate"},
		{"keep over 1", func(s *Spec) { s.Background.KeepPlace = 2 }, "keep_place"},
		{"label twice", func(s *Spec) { s.Plants[1].Label = "flood" }, "label"},
		{"background label", func(s *Spec) { s.Plants[0].Label = BackgroundLabel }, "label"},
		{"unknown kind", func(s *Spec) { s.Plants[0].Kind = "storm" }, "kind"},
		{"no posts", func(s *Spec) { s.Plants[0].Posts = 0 }, "posts"},
		{"after the end", func(s *Spec) { s.Plants[0].At = Duration(time.Hour) }, "within"},
		{"burst of no time", func(s *Spec) { s.Plants[0].Over = 0 }, "over"},
		{"words and file", func(s *Spec) { s.Plants[0].File = "x" }, "one of the two"},
		{"file without labels", func(s *Spec) { s.Plants[0].Words, s.Plants[0].File = nil, "x" }, "labels"},
		{"no city", func(s *Spec) { s.Plants[0].Cities = nil }, "city"},
		{"bad city", func(s *Spec) { s.Plants[0].Cities = []City{{"Nowhere", 200, 0}} }, "city"},
		{"shares over 1", func(s *Spec) { s.Plants[0].Point, s.Plants[0].Profile = 0.7, 0.7 }, "add up"},
		{"negative spread", func(s *Spec) { s.Plants[0].SpreadKm = -1 }, "spread"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testSpec()
			tc.mod(s)
			err := s.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadSpec(t *testing.T) {
	dir := t.TempDir()
	good := `{"seed":1,"start":"2026-03-01T12:00:00Z","duration":"10m","background":{"files":["bg.jsonl"],"rate":5,
	"keep_place":1,"keep_profile":1},"plants":[{"label":"a","kind":"burst","at":"2m","over":90,"posts":10,"words":["x"],
	"cities":[{"name":"Lyon","lon":4.84,"lat":45.76}]}]}`
	path := filepath.Join(dir, "s.json")
	os.WriteFile(path, []byte(good), 0o644)
	s, err := LoadSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(s.Plants[0].Over) != 90*time.Second || s.Plants[0].Cities[0].Lat != 45.76 || time.Duration(s.Duration) != 10*time.Minute {
		t.Errorf("spec %+v", s)
	}
	for _, bad := range []string{`{`, `{"duration":"ten minutes"}`, `{"start":"2026-03-01T12:00:00Z","duration":"1m"}`} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := LoadSpec(path); err == nil {
			t.Errorf("spec %s was taken", bad)
		}
	}
	if _, err := LoadSpec(filepath.Join(dir, "none.json")); err == nil {
		t.Error("a missing spec was taken")
	}
}

func TestScore(t *testing.T) {
	at := func(s string) time.Time { d, _ := time.ParseDuration(s); return start.Add(d) }
	truth := &Truth{Start: start, End: at("1h"), Plants: []Planted{
		// First post at 5m03s: its first full batch ends at 5m20s, the
		// window one slide later at 5m40s.
		{Label: "a", Kind: KindBurst, First: at("5m3s"), Last: at("6m"), Cities: []City{{"Lyon", 4.84, 45.76}}},
		{Label: "b", Kind: KindBurst, First: at("10m"), Last: at("11m"), Cities: []City{{"Lima", -77.04, -12.05}}},
		{Label: "c", Kind: KindBurst, First: at("20m"), Last: at("21m"), Cities: []City{{"Oslo", 10.75, 59.91}}},
		{Label: "s", Kind: KindSteady, First: at("1m"), Last: at("59m"), Cities: []City{{"Osaka", 135.5, 34.69}}},
		{Label: "w", Kind: KindWide, First: at("30m"), Last: at("31m"), Cities: []City{{"Cairo", 31.24, 30.04}, {"Perth", 115.86, -31.95}}},
	}}
	evs := []Event{
		{ID: 1, Lon: 4.9, Lat: 45.7, FirstSeen: at("5m40s")},     // a, at its deadline
		{ID: 2, Lon: 4.8, Lat: 45.8, FirstSeen: at("6m20s")},     // a again
		{ID: 3, Lon: -77, Lat: -12, FirstSeen: at("11m")},        // b, late
		{ID: 4, Lon: 135.5, Lat: 34.7, FirstSeen: at("40m")},     // the steady topic: a false alarm
		{ID: 5, Lon: -60, Lat: 10, FirstSeen: at("45m")},         // nothing planted there
		{ID: 6, Lon: 10.75, Lat: 59.91, FirstSeen: at("19m59s")}, // before c began
	}
	rep := Score(truth, evs, Windows{Batch: 10 * time.Second, Slide: 20 * time.Second, Window: time.Minute})
	if rep.Bursts != 3 || rep.Found != 1 || rep.Late != 1 || rep.Missed != 1 || rep.Duplicates != 1 {
		t.Errorf("report %+v", rep)
	}
	if rep.MedianDelay != 37*time.Second || rep.Recall != 1.0/3 {
		t.Errorf("delay %v, recall %v", rep.MedianDelay, rep.Recall)
	}
	if rep.FalseAlarms != 3 || rep.PerHour != 3 || len(rep.DecoyFlagged) != 1 || rep.DecoyFlagged[0] != "s" {
		t.Errorf("false alarms %d (%v an hour), decoys %v", rep.FalseAlarms, rep.PerHour, rep.DecoyFlagged)
	}
	var b strings.Builder
	rep.Print(&b)
	for _, want := range []string{"recall 33%", "LATE", "missed", "FLAGGED", "false alarm event 5"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestReadEvents(t *testing.T) {
	in := `{"kind":"start","id":1,"lon":1,"lat":2,"keywords":["a"],"first_seen":"2026-03-01T12:00:20Z","posts":9}
{"kind":"end","id":1}
{"kind":"start","id":2,"first_seen":"2026-03-01T12:01:20Z"}
`
	evs, err := ReadEvents(strings.NewReader(in))
	if err != nil || len(evs) != 2 || evs[0].ID != 1 || evs[0].Posts != 9 || evs[1].FirstSeen != start.Add(80*time.Second) {
		t.Fatalf("%+v, %v", evs, err)
	}
	if _, err := ReadEvents(strings.NewReader("{\"kind\":\"start\"}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad line: %v", err)
	}
}

func FuzzReadEvents(f *testing.F) {
	f.Add([]byte(`{"kind":"start","id":1,"first_seen":"2026-03-01T12:00:20Z"}` + "\n"))
	f.Add([]byte(`{"kind":"end"}`))
	f.Add([]byte("\n\n{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := ReadEvents(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Kind != "start" {
				t.Fatalf("read a %q line as a start", e.Kind)
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatal(err)
			}
		}
	})
}
