package e2e

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// evalScores are the means analyzer eval prints.
type evalScores struct {
	ari, homogeneity, largest, maxLargest float64
}

var meanLine = regexp.MustCompile(`ARI ([-0-9.]+) .*homogeneity ([0-9.]+) .*largest ([0-9.]+) \(max ([0-9.]+)\)`)

// evaluate runs analyzer eval on a capture and parses its mean line.
func evaluate(t *testing.T, capture, labels string, flags ...string) evalScores {
	t.Helper()
	args := append([]string{"eval", "--input", capture, "--labels", labels, "--quiet"}, flags...)
	out, err := exec.Command(filepath.Join(bin, "analyzer"), args...).Output()
	if err != nil {
		t.Fatalf("analyzer %v: %v", args, err)
	}
	m := meanLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no mean line in %q", out)
	}
	var v [4]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
	}
	return evalScores{v[0], v[1], v[2], v[3]}
}

// synthCapture writes a labelled synthetic capture.
func synthCapture(t *testing.T, dir string, flags ...string) (capture, labels string) {
	t.Helper()
	capture, labels = filepath.Join(dir, "s.jsonl"), filepath.Join(dir, "l.tsv")
	args := append([]string{"synth", "--out", capture, "--labels", labels}, flags...)
	if out, err := exec.Command(filepath.Join(bin, "scraper"), args...).CombinedOutput(); err != nil {
		t.Fatalf("scraper %v: %v\n%s", args, err, out)
	}
	return capture, labels
}

// TestHardCaseClusters runs the default model on the hard synthetic case,
// which reproduces what real geotagged streams did to Spark's Euclidean
// update: clusters that mix every topic, and at times one cluster holding
// most of the window. The seed is not one the defaults were chosen on.
func TestHardCaseClusters(t *testing.T) {
	capture, labels := synthCapture(t, t.TempDir(), "--hard", "--seed", "7", "--count", "6000")
	got := evaluate(t, capture, labels)
	if got.homogeneity < 0.5 || got.largest > 0.35 || got.maxLargest > 0.5 {
		t.Errorf("default model: homogeneity %.3f (want ≥ 0.5), largest cluster %.3f of a window on average (want ≤ 0.35), %.3f at most (want ≤ 0.5)",
			got.homogeneity, got.largest, got.maxLargest)
	}
	// The case is hard: Spark's update on the weighted Euclidean features,
	// the default before the spherical model, fails it.
	spark := evaluate(t, capture, labels, "--kmeans", "spark")
	if spark.homogeneity >= 0.5 && spark.maxLargest <= 0.5 {
		t.Errorf("--kmeans spark passes the hard case (homogeneity %.3f, largest at most %.3f): it no longer tells the models apart",
			spark.homogeneity, spark.maxLargest)
	}
}

// TestCleanSynthClusters checks the default model on the ordinary
// generator, on a seed the defaults were not chosen on. With fewer topics
// than clusters the model splits some topics by city, which costs ARI
// (about 0.69 here) but not homogeneity.
func TestCleanSynthClusters(t *testing.T) {
	capture, labels := synthCapture(t, t.TempDir(), "--seed", "9", "--topics", "8", "--count", "20000")
	if got := evaluate(t, capture, labels); got.ari < 0.6 || got.homogeneity < 0.9 {
		t.Errorf("default model: ARI %.3f (want ≥ 0.6), homogeneity %.3f (want ≥ 0.9)", got.ari, got.homogeneity)
	}
}
