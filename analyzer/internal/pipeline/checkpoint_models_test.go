package pipeline

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/geostream/geostream/analyzer/internal/cluster"
	"github.com/geostream/geostream/analyzer/internal/dmm"
	"github.com/geostream/geostream/analyzer/internal/embed"
	"github.com/geostream/geostream/analyzer/internal/events"
	"github.com/geostream/geostream/analyzer/internal/kmeans"
	"github.com/geostream/geostream/analyzer/internal/lloyd"
	"github.com/geostream/geostream/analyzer/internal/spherical"
)

// everyModel makes each model the analyzer has, with the settings that
// change what its state holds.
func everyModel(t *testing.T) map[string]func() Model {
	t.Helper()
	wrap := func(c cluster.Clusterer, err error) Model { return clustered(t, c, err) }
	sph := func(idf bool) func() Model {
		return func() Model {
			s := spherical.DefaultSettings()
			s.IDF = idf
			return wrap(spherical.NewClusterer(s))
		}
	}
	spark := func(profile string) func() Model {
		return func() Model {
			s := kmeans.DefaultSettings()
			s.Profile, s.Vectors.Online = profile, embed.Switch{Given: true, On: false}
			return wrap(kmeans.NewClusterer(s))
		}
	}
	return map[string]func() Model{
		"dmm":   func() Model { return wrap(dmm.New(dmm.DefaultOptions())) },
		"lloyd": func() Model { return wrap(lloyd.New(lloyd.DefaultSettings())) },
		"lloyd --idf": func() Model {
			s := lloyd.DefaultSettings()
			s.IDF = true
			return wrap(lloyd.New(s))
		},
		"spherical":            sph(false),
		"spherical --idf":      sph(true),
		"spark":                spark("default"),
		"spark --profile seed": spark("seed"),
	}
}

// TestCheckpointResumesEveryModel: with each of the analyzer's models, a
// run stopped anywhere and started again from its checkpoint writes the
// windows (clusters, their ids, births and examples, every post's
// cluster) of one never stopped.
func TestCheckpointResumesEveryModel(t *testing.T) {
	for name, newModel := range everyModel(t) {
		t.Run(name, func(t *testing.T) { checkpointResumes(t, newModel, func() Detector { return nil }) })
	}
}

// TestCheckpointResumesWithEvents: the same with the event detector on,
// as it is by default.
func TestCheckpointResumesWithEvents(t *testing.T) {
	whole := checkpointResumes(t, everyModel(t)["dmm"], func() Detector {
		d, err := events.New(events.DefaultOptions(20*time.Second, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
	if !strings.Contains(strings.Join(whole, "\n"), "FirstSeen") {
		t.Fatal("no event flagged")
	}
}

// checkpointResumes runs checkpointInput with a model and detector, whole
// and stopped after various windows (before, during and after its
// burst), and compares the windows; it returns the whole run's.
func checkpointResumes(t *testing.T, newModel func() Model, newDetector func() Detector) []string {
	t.Helper()
	whole := &windowLines{}
	if err := checkpointRunWith(t, CheckpointOptions{}, newModel(), newDetector(), whole, 0); err != nil {
		t.Fatal(err)
	}
	if len(whole.got) < 10 || !strings.Contains(strings.Join(whole.got, "\n"), "} [{") {
		t.Fatalf("%d windows, none with a cluster", len(whole.got))
	}
	for _, stops := range [][]int{{1}, {2}, {3, 2}, {4, 1, 5}, {9}, {20, 1, 1, 1}, {21}} {
		co := CheckpointOptions{Path: filepath.Join(t.TempDir(), "checkpoint"), Input: "in"}
		out := &windowLines{}
		for _, n := range append(stops, 0) {
			if err := checkpointRunWith(t, co, newModel(), newDetector(), out, n); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(out.got, whole.got) {
			i := 0
			for i < min(len(out.got), len(whole.got)) && out.got[i] == whole.got[i] {
				i++
			}
			t.Fatalf("stopped after %v windows, window %d differs:\n%s\nnever stopped:\n%s", stops, i,
				strings.Join(out.got[i:min(i+1, len(out.got))], "\n"), strings.Join(whole.got[i:min(i+1, len(whole.got))], "\n"))
		}
	}
	return whole.got
}
