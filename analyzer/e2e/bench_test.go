package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	fastOnce sync.Once
	fastBin  string
	fastErr  error
)

// fastBinaries builds the binaries without the race detector, for speed.
func fastBinaries(b *testing.B) string {
	fastOnce.Do(func() {
		fastBin = filepath.Join(bin, "fast")
		for _, name := range []string{"scraper", "analyzer"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(fastBin, name), "github.com/geostream/geostream/"+name+"/cmd/"+name)
			cmd.Dir = ".."
			if out, err := cmd.CombinedOutput(); err != nil {
				fastErr = fmt.Errorf("building %s: %v\n%s", name, err, out)
				return
			}
		}
	})
	if fastErr != nil {
		b.Fatal(fastErr)
	}
	return fastBin
}

// benchCapture makes a synthetic capture of count tweets of the given API
// with the scraper in dir.
func benchCapture(b *testing.B, dir, api string, count int) string {
	capture := filepath.Join(b.TempDir(), "capture-"+api+".jsonl")
	gen := exec.Command(filepath.Join(dir, "scraper"), "synth", "--api", api, "--count", fmt.Sprint(count),
		"--rate", "200", "--out", capture, "--log-level", "warn")
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	return capture
}

// japaneseText is what the Japanese capture's posts are made of, a line
// a phrase.
const japaneseText = `東京は朝から雪が降っている
今日の会議は午後三時からです
新しい駅ビルのパン屋が美味しい
電車が止まって帰れない
花火大会の写真を撮りました
明日は晴れるといいな
地元のチームが優勝した
図書館で勉強してから帰ります
週末に家族で温泉へ行った
このアプリの新機能が便利
#東京
#拡散希望`

// japaneseCapture writes count Japanese posts of two or three phrases,
// 200 a second of event time, one in ten with a point, as compact lines.
func japaneseCapture(b *testing.B, count int) string {
	phrases := strings.Split(japaneseText, "\n")
	rng := rand.New(rand.NewPCG(3, 5))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	for i := range count {
		var text []string
		for range 2 + rng.IntN(2) {
			text = append(text, phrases[rng.IntN(len(phrases))])
		}
		at := t0.Add(time.Duration(i) * 5 * time.Millisecond)
		fmt.Fprintf(&buf, `{"id":"%d","created_at":%q,"lang":"ja",`, 1800000000000000000+i, at.Format(time.RFC3339Nano))
		if i%10 == 0 {
			fmt.Fprintf(&buf, `"lon":%.4f,"lat":%.4f,`, 139+rng.Float64()*2, 35+rng.Float64())
		}
		fmt.Fprintf(&buf, `"text":%q}`+"\n", strings.Join(text, "。"))
	}
	capture := filepath.Join(b.TempDir(), "capture-ja.jsonl")
	if err := os.WriteFile(capture, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return capture
}

// BenchmarkIngest replays a capture at --speed 0 through the scraper's
// socket into the analyzer (event clock, maps off, clustering on) and
// reports tweets per second end to end, the analyzer's CPU time per
// tweet and, as events-%cpu, the share of that CPU time the event
// detector took (its time by the analyzer's finished line, ms_events,
// over the run's CPU time). v2/spark is Spark's Euclidean
// update with online word vectors (the default before the spherical
// model); v2/spark-hashed the same without the online vectors;
// v2-events-off the default without event detection, to set beside v2;
// ja is Japanese posts, segmented by the dictionary.
//
// With GEOSTREAM_BENCH_BASELINE naming a directory that holds scraper
// and analyzer binaries of other code, every case runs both, the same
// capture in the same run: bin=before (those) and bin=after (this tree's),
// for benchstat -col /bin.
func BenchmarkIngest(b *testing.B) {
	dir := fastBinaries(b)
	bins := []struct{ name, dir string }{{"", dir}}
	if base := os.Getenv("GEOSTREAM_BENCH_BASELINE"); base != "" {
		bins = []struct{ name, dir string }{{"/bin=before", base}, {"/bin=after", dir}}
	}
	for _, c := range []struct {
		name, api string
		count     int
		extra     []string
	}{
		{"v2", "v2", 100000, nil},
		{"v2-events-off", "v2", 100000, []string{"--events=false"}},
		{"v2/spark", "v2", 100000, []string{"--kmeans", "spark"}},
		{"v2/spark-hashed", "v2", 100000, []string{"--kmeans", "spark", "--embeddings-online=false"}},
		{"v1", "v1", 40000, nil},
		{"ja", "", 50000, nil},
	} {
		var capture string
		if c.api == "" {
			capture = japaneseCapture(b, c.count)
		} else {
			capture = benchCapture(b, dir, c.api, c.count)
		}
		st, _ := os.Stat(capture)
		for _, bin := range bins {
			b.Run(c.name+bin.name, func(b *testing.B) {
				b.SetBytes(st.Size())
				var elapsed, cpu, events time.Duration
				timed := true
				for b.Loop() {
					r := ingest(b, bin.dir, capture, c.extra)
					elapsed, cpu, events = elapsed+r.elapsed, cpu+r.cpu, events+r.events
					timed = timed && r.timed
				}
				b.ReportMetric(float64(c.count*b.N)/elapsed.Seconds(), "tweets/s")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(c.count*b.N), "cpu-ns/tweet")
				if timed {
					b.ReportMetric(100*events.Seconds()/cpu.Seconds(), "events-%cpu")
				}
			})
		}
	}
}

// ingested is what one run of ingest measured: how long the analyzer
// took, the CPU time it used (user and system), which other work on the
// machine moves less than the time it took, and the time its event
// detector took, by its finished line (timed: the line said it).
type ingested struct {
	elapsed, cpu, events time.Duration
	timed                bool
}

// msEvents finds the detector's time in the analyzer's finished line.
var msEvents = regexp.MustCompile(`msg=finished .*\bms_events=([0-9.]+)`)

// ingest replays capture with the binaries in dir.
func ingest(b *testing.B, dir, capture string, extra []string) ingested {
	ln := freePortAddr(b)
	scr := exec.Command(filepath.Join(dir, "scraper"), "replay", capture, "--speed", "0", "--listen", ln, "--log-level", "warn")
	if err := scr.Start(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	args := append([]string{"run", "--connect", ln, "--once", "--clock", "event",
		"--maps=false", "--out", b.TempDir()}, extra...)
	an := exec.Command(filepath.Join(dir, "analyzer"), args...)
	out, err := an.CombinedOutput()
	if err != nil {
		scr.Process.Kill()
		b.Fatalf("analyzer: %v\n%s", err, out)
	}
	r := ingested{elapsed: time.Since(start), cpu: an.ProcessState.UserTime() + an.ProcessState.SystemTime()}
	scr.Wait()
	if m := msEvents.FindSubmatch(out); m != nil {
		ms, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			b.Fatalf("the finished line's ms_events=%s: %v", m[1], err)
		}
		r.events, r.timed = time.Duration(ms*float64(time.Millisecond)), true
	}
	return r
}
