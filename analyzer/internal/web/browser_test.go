package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/geostream/geostream/analyzer/internal/cli"
	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/output"
	"github.com/geostream/geostream/analyzer/internal/render"
	"github.com/geostream/geostream/analyzer/internal/web"
	"github.com/geostream/geostream/shared/logs/logtest"
)

// chromium finds a Chromium to drive: $GEOSTREAM_CHROMIUM, or one on PATH.
// Without one the test is skipped, unless $CI is set: then it fails, so
// that CI never passes without having run the browser.
func chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("GEOSTREAM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found and CI is set: the browser test must run in CI (.ci/run installs Debian's chromium)")
	}
	t.Skip("no Chromium found: install one (Debian: apt-get install -y chromium) or set GEOSTREAM_CHROMIUM to run the browser test")
	return ""
}

// browser starts a headless Chromium with a fresh profile and returns a tab.
func browser(t testing.TB, width, height int) context.Context {
	t.Helper()
	path := chromium(t)
	profile, err := os.MkdirTemp("", "geostream-chromium")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(profile), chromedp.WindowSize(width, height))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		// Chromium's helpers may write to the profile for a moment after it
		// exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// page is what the test reads off the page.
type page struct {
	Shown      string `json:"shown"`
	ShownEnd   string `json:"shownEnd"`
	Received   string `json:"received"`
	RecvEnd    string `json:"receivedEnd"`
	ReceivedAt int64  `json:"receivedAt"`
	// Drawn is the window whose discs the map shows, Discs how many, and
	// Posts their posts; DiscColours the colours of the clusters' discs.
	Drawn       string            `json:"drawn"`
	Discs       int               `json:"discs"`
	Posts       int               `json:"posts"`
	DiscColours map[string]string `json:"discColours"`
	Basemap     string            `json:"basemap"`
	Card        struct {
		Hidden  bool   `json:"hidden"`
		Cluster string `json:"cluster"`
		Text    string `json:"text"`
	} `json:"card"`
	Events []struct {
		ID       string `json:"id"`
		Cluster  string `json:"cluster"`
		Text     string `json:"text"`
		Selected bool   `json:"selected"`
	} `json:"events"`
	EventMarkers int    `json:"eventMarkers"`
	CSPRefused   int    `json:"cspRefused"` // what the Content-Security-Policy refused
	Rows         []row  `json:"rows"`
	SliderMax    int    `json:"sliderMax"`
	SliderVal    int    `json:"sliderValue"`
	Paused       bool   `json:"paused"`
	Hash         string `json:"hash"`
	Status       string `json:"status"`
	StatusText   string `json:"statusText"`
	Filter       string `json:"filter"`
	ExHidden     bool   `json:"examplesHidden"`
	ExTitle      string `json:"examplesTitle"`
	Examples     []struct {
		Text string `json:"text"`
		Meta string `json:"meta"`
	} `json:"examples"`
	Elements int     `json:"elements"` // <i> elements in the table and examples: markup parsed as HTML
	ScrollY  float64 `json:"scrollY"`
	Focused  int     `json:"focused"` // the cluster of the focused row, or -1
}

type row struct {
	ID       int    `json:"id"`
	Hidden   bool   `json:"hidden"`
	Selected bool   `json:"selected"`
	Label    string `json:"label"`
	Size     string `json:"size"`
	Change   string `json:"change"`
	Keywords string `json:"keywords"`
	Swatch   string `json:"swatch"`
}

const readPage = `(() => {
  const b = document.body.dataset, map = document.getElementById('map');
  const rows = [...document.querySelectorAll('#clusters tbody tr')];
  return {
    shown: b.shownId || '', shownEnd: b.shownEnd || '', received: b.receivedId || '', receivedEnd: b.receivedEnd || '',
    receivedAt: Number(b.receivedAt || 0),
    drawn: b.drawnId || '', basemap: b.basemap || '', discs: Number(b.discs || 0), cspRefused: Number(b.cspRefused || 0),
    ...(() => {
      let posts = 0; const colours = {}; let events = 0;
      if (window.geostreamMap) window.geostreamMap.eachLayer((l) => {
        if (l.disc) { posts += l.disc[4]; colours[l.disc[0]] = l.options.fillColor || l.options.color; }
        if (l.options && l.options.title && l.options.title.startsWith('event ')) events++;
      });
      return { posts, discColours: colours, eventMarkers: events };
    })(),
    card: { hidden: document.getElementById('card').hidden, cluster: document.getElementById('card').dataset.cluster || '',
      text: document.getElementById('card').textContent },
    events: [...document.querySelectorAll('#event-list li')].map((li) => ({ id: li.dataset.event, cluster: li.dataset.cluster,
      text: li.textContent, selected: li.classList.contains('selected') })),
    rows: rows.map((r) => ({ id: Number(r.dataset.cluster), hidden: r.hidden, selected: r.classList.contains('selected'),
      label: r.cells[1].textContent, size: r.cells[2].textContent, change: r.cells[3].textContent,
      keywords: r.cells[4].textContent, swatch: getComputedStyle(r.cells[0].firstChild).backgroundColor })),
    sliderMax: Number(document.getElementById('slider').max), sliderValue: Number(document.getElementById('slider').value),
    paused: document.getElementById('pause').getAttribute('aria-pressed') === 'true',
    hash: location.hash, status: document.getElementById('status').dataset.state,
    statusText: document.getElementById('status-text').textContent, filter: document.getElementById('filter').value,
    examplesHidden: document.getElementById('examples').hidden, examplesTitle: document.getElementById('examples-title').textContent,
    examples: [...document.querySelectorAll('#example-list li')].map((li) => ({ text: li.querySelector('.text').textContent, meta: li.querySelector('.meta').textContent })),
    elements: document.querySelectorAll('#example-list i, #clusters i, #example-list b').length,
    scrollY: window.scrollY,
    focused: document.activeElement && document.activeElement.dataset.cluster !== undefined ? Number(document.activeElement.dataset.cluster) : -1,
  };
})()`

// waitPage polls the page until ok holds, failing after 20 s.
func waitPage(t *testing.T, ctx context.Context, what string, ok func(p page) bool) page {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var p page
	var err error
	for {
		p, err = chromedp.Run(ctx, chromedp.Evaluate[page](readPage))
		if err == nil && ok(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("page: no %s after 20 s (err %v): %+v", what, err, p)
		}
		time.Sleep(10 * time.Millisecond) // polling the page: the browser has no event for the test
	}
}

func endOf(w output.WindowLine) string { return w.End.UTC().Format(time.RFC3339) }

// checkTable compares the page's rows with a windows.ndjson line: the
// clusters largest first, with size, change since prev, keywords and the
// map's colour.
func checkTable(t *testing.T, p page, w output.WindowLine, prev *output.WindowLine) {
	t.Helper()
	if len(p.Rows) != len(w.Clusters) {
		t.Fatalf("window %s: %d rows, %d clusters", endOf(w), len(p.Rows), len(w.Clusters))
	}
	before := map[int]int{}
	if prev != nil {
		for _, c := range prev.Clusters {
			before[c.ID] = c.Size
		}
	}
	for i, r := range p.Rows {
		c := w.Clusters[i]
		if i > 0 && c.Size > w.Clusters[i-1].Size {
			t.Fatalf("windows.ndjson is not largest first; compare by id")
		}
		if r.ID != c.ID || r.Label != fmt.Sprint("C", c.ID) || r.Size != fmt.Sprint(c.Size) || r.Keywords != strings.Join(c.Keywords, ", ") {
			t.Fatalf("window %s row %d: %+v, want cluster %+v", endOf(w), i, r, c)
		}
		want := "new"
		if old, ok := before[c.ID]; ok {
			switch d := c.Size - old; {
			case d > 0:
				want = fmt.Sprint("+", d)
			case d < 0:
				want = fmt.Sprint("\u2212", -d)
			default:
				want = "0"
			}
		}
		if r.Change != want {
			t.Fatalf("window %s cluster %d: change %q, want %q", endOf(w), c.ID, r.Change, want)
		}
	}
}

// swatches checks the table's colours against the maps: each cluster's
// swatch is the colour of its discs on the page's map and a colour drawn on
// the window's PNG (its legend), which reaches the page in process; no two
// coloured clusters share one, and a cluster keeps its colour from window
// to window (seen holds the colours so far).
func swatches(t *testing.T, base string, p page, seen map[int]string) {
	t.Helper()
	var resp *http.Response
	for deadline := time.Now().Add(20 * time.Second); ; {
		var err error
		if resp, err = http.Get(base + "/map/" + p.Shown + ".png"); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == http.StatusOK {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("no map for window %s after 20 s: %s", p.Shown, resp.Status)
		}
		time.Sleep(20 * time.Millisecond) // polling the server: the map is drawn in the background
	}
	defer resp.Body.Close()
	img, err := png.Decode(resp.Body)
	if err != nil {
		t.Fatalf("the map of %s: %v", p.Shown, err)
	}
	drawn := map[string]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			drawn[fmt.Sprintf("rgb(%d, %d, %d)", r>>8, g>>8, b>>8)] = true
		}
	}
	grey := fmt.Sprintf("rgb(%d, %d, %d)", render.Grey.R, render.Grey.G, render.Grey.B)
	used := map[string]int{}
	for _, r := range p.Rows {
		if d, ok := p.DiscColours[fmt.Sprint(r.ID)]; ok {
			var cr, cg, cb int
			if _, err := fmt.Sscanf(d, "#%02x%02x%02x", &cr, &cg, &cb); err != nil || fmt.Sprintf("rgb(%d, %d, %d)", cr, cg, cb) != r.Swatch {
				t.Fatalf("C%d's discs are %s, its swatch %s", r.ID, d, r.Swatch)
			}
		}
		if r.Swatch == grey {
			continue
		}
		if !drawn[r.Swatch] {
			t.Fatalf("C%d's swatch %s is not drawn on the map", r.ID, r.Swatch)
		}
		if other, dup := used[r.Swatch]; dup {
			t.Fatalf("C%d and C%d share the colour %s", r.ID, other, r.Swatch)
		}
		used[r.Swatch] = r.ID
		if was, ok := seen[r.ID]; ok && was != r.Swatch {
			t.Fatalf("C%d changed colour from %s to %s", r.ID, was, r.Swatch)
		}
		seen[r.ID] = r.Swatch
	}
	if len(used) == 0 {
		t.Fatal("no cluster in colour")
	}
}

// sortBySize orders a line's clusters as the page does (model.BySize).
func sortBySize(w *output.WindowLine) { w.Clusters = model.BySize(w.Clusters) }

func windowsBySize(a *analyzer, n int) ([]output.WindowLine, time.Time) {
	lines, seen := a.windows(n)
	for i := range lines {
		sortBySize(&lines[i])
	}
	return lines, seen
}

// TestLivePageInABrowser runs the analyzer on a stream fed at the test's
// pace and watches the page in a real Chromium: the table against
// windows.ndjson, the map changing with each slide, how fast a slide
// arrives, pause, the slider, the filter, a cluster's tweets, and the view
// kept in the URL.
func TestLivePageInABrowser(t *testing.T) {
	ctx := browser(t, 1100, 700)
	a := startAnalyzer(t, append(liveArgs, "--http-windows", "4", "--keep", "2")...)
	url := a.url()
	f := newFeed(40, 8)
	texts := f.texts
	colours := map[int]string{}
	a.write(f.slide(1))
	a.write(f.slide(2))
	lines, _ := windowsBySize(a, 2)

	if err := chromedp.Do(ctx, chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	p := waitPage(t, ctx, "window 2 with its map", func(p page) bool {
		return p.ShownEnd == endOf(lines[1]) && p.Drawn == p.Shown && p.Basemap == "drawn" && p.Status != "connecting" && p.SliderMax == 1
	})
	checkTable(t, p, lines[1], &lines[0])
	checkDiscs(t, p, lines[1])
	swatches(t, url, p, colours)
	if p.SliderMax != 1 || p.SliderVal != 1 || p.Status != "reading" || !strings.Contains(p.StatusText, "12:00:40") {
		t.Fatalf("a new page: slider %d/%d, status %s %q", p.SliderVal, p.SliderMax, p.Status, p.StatusText)
	}

	// A new slide: it reaches the page within 500 ms of its line in
	// windows.ndjson, and the map changes.
	var worst time.Duration
	next := func(n int) page {
		t.Helper()
		a.write(f.slide(n))
		var seen time.Time
		lines, seen = windowsBySize(a, n)
		p := waitPage(t, ctx, fmt.Sprint("window ", n, " received"), func(p page) bool { return p.RecvEnd == endOf(lines[n-1]) })
		lat := time.UnixMilli(p.ReceivedAt).Sub(seen)
		t.Logf("window %d reached the page %v after its windows.ndjson line", n, lat)
		if lat > 500*time.Millisecond { // the target
			t.Fatalf("window %d took %v to reach the page", n, lat)
		}
		worst = max(worst, lat)
		return p
	}
	next(3)
	p = waitPage(t, ctx, "window 3 on the map", func(p page) bool { return p.ShownEnd == endOf(lines[2]) && p.Drawn == p.Shown })
	checkTable(t, p, lines[2], &lines[1])
	checkDiscs(t, p, lines[2])
	swatches(t, url, p, colours)

	var rainy int = -1
	for _, r := range p.Rows {
		if strings.Contains(r.Keywords, "storm") {
			rainy = r.ID
			break
		}
	}
	if rainy < 0 {
		t.Fatalf("no cluster has the keyword storm: %+v", p.Rows)
	}
	// Zoom into Lyon: a shared link's view, then the zoom button twice.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash = "#ll=45.76,4.85&z=7"`)); err != nil {
		t.Fatal(err)
	}
	for _, z := range []string{"z=8", "z=9"} {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in"))); err != nil {
			t.Fatal(err)
		}
		p = waitPage(t, ctx, "the map zoomed into Lyon, "+z, func(p page) bool { return strings.HasSuffix(p.Hash, z) || strings.Contains(p.Hash, z+"&") })
	}
	inView, err := chromedp.Run(ctx, chromedp.Evaluate[[]bool](`[[45.76, 4.84], [30.27, -97.74], [35.69, 139.69]].map((ll) => geostreamMap.getBounds().contains(ll))`))
	if err != nil || !inView[0] || inView[1] || inView[2] {
		t.Fatalf("zoomed into Lyon, the map holds Lyon, Austin, Tokyo: %v (%v)", inView, err)
	}
	// Hover the rainy cluster's largest disc: its card. Click it: the
	// cluster is selected and its posts listed, as text (they carry markup).
	x, y := discPoint(t, ctx, rainy)
	if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "a hover card", func(p page) bool { return !p.Card.Hidden })
	if p.Card.Cluster != fmt.Sprint(rainy) || !strings.Contains(p.Card.Text, fmt.Sprint("C", rainy, " · ")) ||
		!strings.Contains(p.Card.Text, "storm") || !strings.Contains(p.Card.Text, "here") {
		t.Fatalf("hovering C%d's disc: card %+v", rainy, p.Card)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(x, y)); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "the cluster's tweets", func(p page) bool { return !p.ExHidden && len(p.Examples) > 0 })
	checkExamples(t, p, rainy, texts)
	if !strings.Contains(p.Hash, fmt.Sprint("sel=", rainy)) || !strings.Contains(p.Hash, "ll=45.") {
		t.Fatalf("hash %q: no selection or view", p.Hash)
	}
	// The same from the keyboard, on the map: N shows the card of the
	// selected cluster's largest disc in view, Escape closes it, P shows
	// it again (after Escape it starts from the largest), Enter lets its
	// cluster go, and Enter again selects it.
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const m = document.getElementById('map'); m.focus(); return document.activeElement === m; })()`)); err != nil || !ok {
		t.Fatalf("focusing the map: %v %v", ok, err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("n")); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "a disc's card from the keyboard", func(p page) bool { return !p.Card.Hidden && p.Card.Cluster != "" })
	if p.Card.Cluster != fmt.Sprint(rainy) || !strings.Contains(p.Card.Text, "storm") || !strings.Contains(p.Card.Text, "here") {
		t.Fatalf("N on the map with C%d selected: card %+v", rainy, p.Card)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "the card closed", func(p page) bool { return p.Card.Hidden })
	for _, keys := range [][]string{{"p", kb.Enter}, {kb.Enter}} {
		want := len(keys) == 1
		for _, k := range keys {
			if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
				t.Fatal(err)
			}
		}
		p = waitPage(t, ctx, fmt.Sprint("C", rainy, " selected ", want, " from the keyboard"), func(p page) bool {
			return strings.Contains(p.Hash, fmt.Sprint("sel=", rainy)) == want && !p.Card.Hidden
		})
	}

	// The filter hides the clusters without a matching keyword.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("filter"), "stor")); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "the filter applied", func(p page) bool { return strings.Contains(p.Hash, "q=stor") })
	checkFilter(t, p, "stor")

	// Pause: a new slide arrives but the page stays on window 3, with its
	// selection, filter and scroll.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("pause"))); err != nil {
		t.Fatal(err)
	}
	shown3 := p.Shown
	p = waitPage(t, ctx, "paused", func(p page) bool { return p.Paused && strings.Contains(p.Hash, "paused=1") })
	scrollY, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.scrollTo(0, 120), window.scrollY`))
	if err != nil || scrollY == 0 {
		t.Fatalf("the page does not scroll (%v): make the window smaller", err)
	}
	// A keyboard user on a row keeps it through the updates.
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
		`(() => { const r = document.querySelector('#clusters tr[data-cluster="%d"]'); r.focus(); return document.activeElement === r; })()`, rainy)))
	if err != nil || !focused {
		t.Fatalf("focusing C%d's row: %v %v", rainy, focused, err)
	}
	next(4)
	p = waitPage(t, ctx, "paused page after window 4", func(p page) bool { return p.SliderMax == 3 })
	if p.Focused != rainy {
		t.Fatalf("an update moved the keyboard focus off C%d's row (now %d)", rainy, p.Focused)
	}
	if p.Shown != shown3 || p.SliderVal != 2 || !strings.Contains(p.StatusText, "paused") {
		t.Fatalf("paused, yet shows %s (slider %d of %d, status %q)", p.ShownEnd, p.SliderVal, p.SliderMax, p.StatusText)
	}
	checkTable(t, p, lines[2], &lines[1])
	checkFilter(t, p, "stor")
	checkExamples(t, p, rainy, texts)
	if p.ScrollY != scrollY {
		t.Fatalf("an update scrolled the page from %v to %v", scrollY, p.ScrollY)
	}

	// Resume: the newest window.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("pause"))); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "resumed on window 4", func(p page) bool { return !p.Paused && p.ShownEnd == endOf(lines[3]) && p.Drawn == p.Shown })
	checkTable(t, p, lines[3], &lines[2])
	checkDiscs(t, p, lines[3])
	swatches(t, url, p, colours)

	// The slider: back to the oldest kept window, then one on. Window 1's
	// map file is gone from disk (--keep 2); the page still has it.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("slider"), kb.Home)); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "window 1 on the slider", func(p page) bool { return p.ShownEnd == endOf(lines[0]) && p.Drawn == p.Shown })
	checkTable(t, p, lines[0], nil)
	checkDiscs(t, p, lines[0])
	swatches(t, url, p, colours)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("slider"), kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "window 2 on the slider", func(p page) bool { return p.ShownEnd == endOf(lines[1]) && p.Drawn == p.Shown })
	checkTable(t, p, lines[1], &lines[0])
	checkDiscs(t, p, lines[1])
	swatches(t, url, p, colours)
	shown2 := p.Shown
	// A new slide pushes window 1 out; the slider stays on window 2.
	next(5)
	p = waitPage(t, ctx, "window 5 on the slider's range", func(p page) bool { return p.SliderMax == 3 && p.SliderVal == 0 })
	if p.Shown != shown2 || p.Paused {
		t.Fatalf("after an update the slider shows %s, paused %v", p.ShownEnd, p.Paused)
	}
	checkTable(t, p, lines[1], &lines[0])

	// The view is in the URL: a new page load restores it.
	if !strings.Contains(p.Hash, "at="+shown2) || !strings.Contains(p.Hash, fmt.Sprint("sel=", rainy)) {
		t.Fatalf("hash %q", p.Hash)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(url+"/"+p.Hash)); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "the view restored", func(p page) bool { return p.Shown == shown2 && len(p.Examples) > 0 && p.Drawn == p.Shown })
	if z, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`geostreamMap.getZoom()`)); err != nil || z != 9 {
		t.Fatalf("the restored map's zoom is %v (%v), want 9", z, err)
	}
	checkTable(t, p, lines[1], &lines[0])
	checkFilter(t, p, "stor")
	checkExamples(t, p, rainy, texts)

	// The analyzer lets window 2 go; the page keeps the one it is on.
	next(6)
	p = waitPage(t, ctx, "window 6 on the slider's range", func(p page) bool { return p.RecvEnd == endOf(lines[5]) })
	if p.Shown != shown2 || p.SliderVal != 0 || p.SliderMax != 3 || p.Drawn != shown2 {
		t.Fatalf("the page let go of the window it shows: %s (slider %d of %d)", p.ShownEnd, p.SliderVal, p.SliderMax)
	}
	checkTable(t, p, lines[1], &lines[0])
	checkExamples(t, p, rainy, texts)

	// Newest, then the input ends and the analyzer with it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("newest"))); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "window 6", func(p page) bool { return p.ShownEnd == endOf(lines[5]) && p.Drawn == p.Shown })
	checkTable(t, p, lines[5], &lines[4])
	checkDiscs(t, p, lines[5])

	// A link paused on a window of another run (the analyzer since
	// restarted) cannot be shown: the page follows the newest window, not
	// paused, and its cluster ids are another run's, so none is selected.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.Navigate(fmt.Sprintf("%s/#sel=%d&paused=1&at=0badc0de-2", url, rainy))); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "an old run's link", func(p page) bool { return p.ShownEnd == endOf(lines[5]) && p.Status != "connecting" })
	if p.Paused || strings.Contains(p.Hash, "at=") || strings.Contains(p.Hash, "sel=") || strings.Contains(p.StatusText, "paused") {
		t.Fatalf("an old run's link: paused %v, hash %q, status %q", p.Paused, p.Hash, p.StatusText)
	}
	if p.CSPRefused != 0 {
		t.Fatalf("the Content-Security-Policy refused %d things the page or Leaflet did", p.CSPRefused)
	}
	a.in.Close()
	// Its last word stays on the page: the input ended, nothing is coming.
	p = waitPage(t, ctx, "the analyzer gone", func(p page) bool { return p.Status == "ended" })
	t.Logf("slowest slide to reach the page: %v after its windows.ndjson line", worst)
}

// checkDiscs checks the map against a windows.ndjson line: every post
// placed is in a disc, the discs are of the window's clusters.
func checkDiscs(t *testing.T, p page, w output.WindowLine) {
	t.Helper()
	if p.Posts != w.Located || p.Discs == 0 {
		t.Fatalf("window %s: %d discs of %d posts on the map, %d located", endOf(w), p.Discs, p.Posts, w.Located)
	}
	ids := map[string]bool{}
	for _, c := range w.Clusters {
		ids[fmt.Sprint(c.ID)] = true
	}
	for id := range p.DiscColours {
		if !ids[id] {
			t.Fatalf("window %s: a disc of C%s, not one of its clusters", endOf(w), id)
		}
	}
}

// discPoint is where on the screen the largest disc of a cluster is.
func discPoint(t *testing.T, ctx context.Context, cluster int) (x, y float64) {
	t.Helper()
	pt, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
  let best = null;
  geostreamMap.eachLayer((l) => { if (l.disc && l.disc[0] === %d && (!best || l.disc[4] > best.disc[4])) best = l; });
  if (!best) return [];
  // A point of the disc that no other disc covers.
  const c = geostreamMap.latLngToContainerPoint(best.getLatLng()), rad = best.getRadius();
  const others = [];
  geostreamMap.eachLayer((l) => { if (l.disc && l !== best) others.push([geostreamMap.latLngToContainerPoint(l.getLatLng()), l.getRadius()]); });
  const r = document.getElementById('map').getBoundingClientRect();
  for (const f of [0, 0.5, 0.75]) for (let a = 0; a < 360; a += 30) {
    const x = c.x + f * rad * Math.cos(a * Math.PI / 180), y = c.y + f * rad * Math.sin(a * Math.PI / 180);
    if (others.every(([o, orad]) => Math.hypot(x - o.x, y - o.y) > orad + 2)) return [r.left + x, r.top + y];
  }
  return [];
})()`, cluster)))
	if err != nil || len(pt) != 2 {
		t.Fatalf("no disc of C%d on the map (%v)", cluster, err)
	}
	return pt[0], pt[1]
}

func checkExamples(t *testing.T, p page, cluster int, texts map[string]bool) {
	t.Helper()
	if p.ExHidden || !strings.HasPrefix(p.ExTitle, fmt.Sprint("C", cluster, " ")) || len(p.Examples) == 0 || len(p.Examples) > 5 {
		t.Fatalf("examples of C%d: hidden %v, %q, %d tweets", cluster, p.ExHidden, p.ExTitle, len(p.Examples))
	}
	sel := 0
	for _, r := range p.Rows {
		if r.Selected {
			sel++
			if r.ID != cluster {
				t.Fatalf("C%d selected, want C%d", r.ID, cluster)
			}
		}
	}
	if sel != 1 {
		t.Fatalf("%d rows selected", sel)
	}
	for _, e := range p.Examples {
		if !texts[e.Text] {
			t.Fatalf("example %q is not one of the tweets fed", e.Text)
		}
		if !strings.Contains(e.Text, "<i>rain</i>") && !strings.Contains(e.Text, "storm") {
			t.Fatalf("example %q is not a rainy tweet", e.Text)
		}
		if !strings.Contains(e.Meta, "Lyon, France") || !strings.Contains(e.Meta, "located by") {
			t.Fatalf("example's place %q", e.Meta)
		}
	}
	if p.Elements != 0 {
		t.Fatalf("tweet markup became %d elements", p.Elements)
	}
	marked := false
	for _, e := range p.Examples {
		marked = marked || strings.Contains(e.Text, "<i>")
	}
	if !marked {
		t.Fatal("no example shows its markup as text")
	}
}

func checkFilter(t *testing.T, p page, q string) {
	t.Helper()
	if p.Filter != q {
		t.Fatalf("filter box %q, want %q", p.Filter, q)
	}
	shown := 0
	for _, r := range p.Rows {
		if match := strings.Contains(r.Keywords, q); match == r.Hidden {
			t.Fatalf("filter %q: row %+v hidden %v", q, r, r.Hidden)
		}
		if !r.Hidden {
			shown++
		}
	}
	if shown == 0 || shown == len(p.Rows) {
		t.Fatalf("filter %q shows %d of %d rows: it tests nothing", q, shown, len(p.Rows))
	}
}

// TestScreenshot writes README's picture of the page (docs/live.png) from a
// real run: the analyzer connected to a scraper (played here by the test)
// that has sent three quarters of a capture and is still connected.
// GEOSTREAM_SCREENSHOT=out.png GEOSTREAM_SCREENSHOT_INPUT=capture.jsonl, a
// `scraper synth` capture: never real tweets, whose text the picture shows.
func TestScreenshot(t *testing.T) {
	out, in := os.Getenv("GEOSTREAM_SCREENSHOT"), os.Getenv("GEOSTREAM_SCREENSHOT_INPUT")
	if out == "" || in == "" {
		t.Skip("set GEOSTREAM_SCREENSHOT and GEOSTREAM_SCREENSHOT_INPUT to take README's screenshot")
	}
	capture, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(capture), "\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hold := make(chan struct{})
	defer close(hold)
	go func() { // the scraper: three quarters of the capture, then quiet
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, strings.Join(lines[:len(lines)*3/4], ""))
		<-hold
	}()
	ctx := browser(t, 1440, 960)
	dir := t.TempDir()
	logs := &logtest.Buffer{}
	root := cli.NewRootCmd(cli.Deps{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs, Getenv: func(string) string { return "" }})
	pl, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := pl.Addr().String()
	pl.Close()
	root.SetArgs([]string{"run", "--connect", ln.Addr().String(), "--clock", "event", "--out", dir, "--http", addr, "--log-level", "warn"})
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(runCtx) }()
	defer func() { cancel(); <-done }()
	var got []output.WindowLine
	for deadline := time.Now().Add(2 * time.Minute); ; {
		b, _ := os.ReadFile(filepath.Join(dir, "windows.ndjson"))
		if n := bytes.Count(b, []byte("\n")); n >= 8 {
			for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
				var w output.WindowLine
				json.Unmarshal(l, &w)
				got = append(got, w)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no windows:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond) // polling a file
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+addr+"/")); err != nil {
		t.Fatal(err)
	}
	var newest page
	waitPage(t, ctx, "the windows so far", func(p page) bool {
		newest = p
		return p.Drawn == p.Shown && p.Basemap == "drawn" && p.Status == "connected" && p.SliderMax >= 7
	})
	sortBySize(&got[len(got)-1])
	sel := fmt.Sprintf(`#clusters tr[data-cluster="%d"]`, newest.Rows[1].ID)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "a cluster's tweets", func(p page) bool { return len(p.Examples) > 0 })
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPageFetchesTheWindowsItMissed opens the page at the moment that made
// TestLivePageInABrowser flaky on a loaded machine: the page's first list
// of windows (/api/windows) was taken before any window was published, and
// then the stream, which had fallen behind, skipped straight to the second
// window. The page must notice that it lacks the first and fetch it.
func TestPageFetchesTheWindowsItMissed(t *testing.T) {
	ctx := browser(t, 900, 600)
	srv, err := web.Listen(web.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	hub := srv.Hub()
	slide := func(n int) []byte {
		return fmt.Appendf(nil, `{"start":"2026-01-01T12:00:%02dZ","end":"2026-01-01T12:01:%02dZ","counts":{"tweets":%d},"clusters":[{"id":0,"size":%d,"lon":0,"lat":0,"keywords":["w%d"]}]}`, n*20-20, n*20-20, n, n, n)
	}
	hub.Publish(slide(1), nil, nil)
	hub.Publish(slide(2), nil, nil)
	// The first /api/windows is answered as it was before any window was
	// published: empty. Later ones reach the server.
	var lists atomic.Int32
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/windows" && lists.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "[]")
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close() // ends the page's event stream, which ts.Close waits for
		ts.Close()
	})
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	p := waitPage(t, ctx, "both windows on the slider", func(p page) bool { return p.SliderMax == 1 && p.RecvEnd != "" })
	if p.ShownEnd != "2026-01-01T12:01:20Z" || p.SliderVal != 1 {
		t.Fatalf("the page shows %s, slider %d of %d; want the newest window, 12:01:20", p.ShownEnd, p.SliderVal, p.SliderMax)
	}
	if n := lists.Load(); n < 2 {
		t.Fatalf("the page asked for the list of windows %d times", n)
	}
}

// TestPageListsEvents: a window's events are listed with their first
// posts and "new", marked on the map, and a click on one selects its
// cluster; its discs come with the slide, then as a change from the slide
// before.
func TestPageListsEvents(t *testing.T) {
	ctx := browser(t, 1100, 700)
	srv, err := web.Listen(web.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	hub := srv.Hub()
	window := func(n int, isNew bool) []byte {
		return fmt.Appendf(nil, `{"start":"2026-01-01T12:00:%02dZ","end":"2026-01-01T12:01:%02dZ","tweets":30,"located":30,`+
			`"clusters":[{"id":4,"colour":"#0072b2","size":20,"lon":2.35,"lat":48.85,"keywords":["storm","roof"]},{"id":9,"colour":"#d55e00","size":10,"lon":-74,"lat":40.7,"keywords":["jazz"]}],`+
			`"events":[{"id":1,"cluster":4,"lon":2.35,"lat":48.85,"radius_km":3,"keywords":["storm","roof"],"first_seen":"2026-01-01T12:01:00Z","posts":%d,"slide":12,"new":%v}]}`,
			n*20-20, n*20-20, 10*n, isNew)
	}
	examples := map[string][]map[string]any{"e1": {{"id": "5", "text": "the <b>roof</b> came off", "lon": 2.35, "lat": 48.85, "located": "point", "level": "point"}}}
	first := hub.PublishSlide(window(1, true), examples, []byte(`{"all":[[4,2.35,48.85,0,20],[9,-73.99,40.71,0,10]]}`), nil)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL())); err != nil {
		t.Fatal(err)
	}
	p := waitPage(t, ctx, "the event listed", func(p page) bool {
		return len(p.Events) == 1 && strings.Contains(p.Events[0].Text, "the <b>roof</b> came off") && p.Drawn == first.ID
	})
	if e := p.Events[0]; e.ID != "1" || e.Cluster != "4" || !strings.HasPrefix(e.Text, "newstorm, roof") || !strings.Contains(e.Text, "10 posts") ||
		p.EventMarkers != 1 || p.Posts != 30 || p.Elements != 0 {
		t.Fatalf("the event: %+v, %d markers, %d posts on the map, %d elements", e, p.EventMarkers, p.Posts, p.Elements)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#event-list li[data-event="1"]`))); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "the event's cluster selected", func(p page) bool { return strings.Contains(p.Hash, "sel=4") })
	if !p.Events[0].Selected || len(p.Rows) != 2 || !p.Rows[0].Selected || p.Rows[1].Selected {
		t.Fatalf("selected: event %+v, rows %+v", p.Events[0], p.Rows)
	}
	// The next slide sends only what changed: one disc grows, one goes,
	// one comes. (Its full set here differs from the change on purpose: the
	// page must build its discs from the change.)
	second := hub.PublishSlide(window(2, false), examples, []byte(`{"all":[[4,2.35,48.85,0,25],[4,2.37,48.85,1,3],[7,0.01,0.01,0,100]]}`),
		fmt.Appendf(nil, `{"from":%q,"set":[[4,2.35,48.85,0,25],[4,2.37,48.85,1,3]],"del":[[9,-73.99,40.71,0]]}`, first.ID))
	p = waitPage(t, ctx, "the second slide", func(p page) bool { return p.Drawn == second.ID })
	if p.Posts != 28 || p.Discs != 2 || p.CSPRefused != 0 || strings.Contains(p.Events[0].Text, "new") || !strings.Contains(p.Events[0].Text, "20 posts") {
		t.Fatalf("after the change: %d discs of %d posts, event %+v", p.Discs, p.Posts, p.Events[0])
	}
}

// TestFramesWithTenThousandDiscs measures the page's frame times while the
// map pans and zooms over 10,000 discs: the intervals between animation
// frames, read through the DevTools protocol. It is a measurement, run
// with GEOSTREAM_FRAMES=1; it fails only if the map stalls (a frame of
// over half a second).
var frameDiscs = 10_000 // 10 to measure the base map alone

func TestFramesWithTenThousandDiscs(t *testing.T) {
	if os.Getenv("GEOSTREAM_FRAMES") == "" {
		t.Skip("set GEOSTREAM_FRAMES=1 to measure frame times over 10,000 discs")
	}
	ctx := browser(t, 1440, 900)
	srv, err := web.Listen(web.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var b strings.Builder
	b.WriteString(`{"all":[`)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range frameDiscs {
		if i > 0 {
			b.WriteByte(',')
		}
		lon, lat := math.Round((rng.NormFloat64()*50)*100)/100+0.01, math.Round(max(-80, min(80, rng.NormFloat64()*25+20))*100)/100+0.01
		fmt.Fprintf(&b, "[%d,%.2f,%.2f,%d,%d]", i%40, lon, lat, i%3/2, 1+rng.IntN(30))
	}
	b.WriteString("]}")
	clusters := make([]string, 40)
	for i := range clusters {
		clusters[i] = fmt.Sprintf(`{"id":%d,"colour":"#0072b2","size":250,"lon":0,"lat":0,"keywords":["k%d"]}`, i, i)
	}
	m := srv.Hub().PublishSlide(fmt.Appendf(nil, `{"start":"2026-01-01T12:00:00Z","end":"2026-01-01T12:01:00Z","tweets":1,"located":1,"clusters":[%s],"events":[]}`,
		strings.Join(clusters, ",")), nil, []byte(b.String()), nil)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL())); err != nil {
		t.Fatal(err)
	}
	waitPage(t, ctx, "10,000 discs", func(p page) bool { return p.Drawn == m.ID && p.Discs == frameDiscs && p.Basemap == "drawn" })
	frames, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`new Promise((done) => {
  const m = geostreamMap, times = [];
  let last = performance.now(), on = true;
  const tick = (now) => { times.push(now - last); last = now; if (on) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const steps = [() => m.panBy([300, 0]), () => m.panBy([-300, 150]), () => m.zoomIn(), () => m.zoomIn(),
    () => m.panBy([0, -200]), () => m.zoomOut(), () => m.zoomOut(), () => m.flyTo([48.85, 2.35], 6, { duration: 1 })];
  let i = 0;
  const next = () => { if (i < steps.length) { steps[i++](); setTimeout(next, 400); } else setTimeout(() => { on = false; done(times.slice(2)); }, 1200); };
  next();
})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(frames)
	q := func(p float64) float64 { return frames[int(p*float64(len(frames)-1))] }
	t.Logf("10,000 discs, %d frames while panning and zooming: median %.1f ms, p95 %.1f ms, p99 %.1f ms, worst %.1f ms",
		len(frames), q(0.5), q(0.95), q(0.99), frames[len(frames)-1])
	if frames[len(frames)-1] > 1000 {
		t.Fatalf("a frame of %.0f ms: the map stalls", frames[len(frames)-1])
	}
}
