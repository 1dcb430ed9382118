package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/web"
	"github.com/geostream/geostream/shared/tweet"
)

// historyView is what the test reads of the page's history controls.
type historyView struct {
	Hidden  bool   `json:"hidden"`
	State   string `json:"state"`
	Text    string `json:"text"`
	Past    bool   `json:"past"`
	Label   string `json:"label"`
	Caption string `json:"caption"`
}

const readHistory = `(() => ({
  hidden: document.getElementById('history').hidden, state: document.getElementById('history').dataset.state || '',
  text: document.getElementById('history-state').textContent, past: document.body.dataset.shownHistory === '1',
  label: document.getElementById('slider-label').textContent, caption: document.getElementById('window-time').textContent,
}))()`

// TestPageScrubsIntoHistory: with a stream that keeps its history, the
// page asks for it to be rebuilt, its slider reaches back over the
// rebuilt windows before the kept ones, marked as history, with their
// discs; Newest returns to live.
func TestPageScrubsIntoHistory(t *testing.T) {
	ctx := browser(t, 1100, 700)
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	rebuild := func(_ context.Context, _ time.Time, out *web.HistoryOutput) error {
		defer out.Close()
		for n := 1; n <= 3; n++ { // windows ending 12:00:20, :40, 12:01:00
			end := base.Add(time.Duration(n) * 20 * time.Second)
			r := &model.Result{Start: end.Add(-time.Minute), End: end, Counts: model.Counts{Tweets: 5 * n, Located: 5 * n},
				Clusters: []model.ClusterSummary{{ID: 2, Size: 5 * n, Lon: 139.7, Lat: 35.7, Keywords: []string{"quake"}}}}
			for range 5 * n {
				r.Points = append(r.Points, &model.Point{Lon: 139.7, Lat: 35.7, Cluster: 2, Located: tweet.GeoPoint})
			}
			if err := out.Write(r); err != nil {
				return err
			}
		}
		return nil
	}
	srv, err := web.Listen(web.Options{Addr: "127.0.0.1:0", History: web.HistoryOptions{Rebuild: rebuild}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	live := func(n int) []byte { // windows ending 12:01:00 (also rebuilt), :20, :40
		return fmt.Appendf(nil, `{"start":"2026-01-01T12:00:%02dZ","end":"2026-01-01T12:01:%02dZ","tweets":7,"located":7,`+
			`"clusters":[{"id":0,"colour":"#0072b2","size":7,"lon":2.35,"lat":48.85,"keywords":["jazz"]}],"events":[]}`, n*20, n*20)
	}
	for n := range 3 {
		srv.Hub().PublishSlide(live(n), nil, []byte(`{"all":[[0,2.35,48.85,0,7]]}`), nil)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL())); err != nil {
		t.Fatal(err)
	}
	hv := func() historyView {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[historyView](readHistory))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	waitPage(t, ctx, "the live windows", func(p page) bool { return p.SliderMax == 2 && p.ShownEnd == "2026-01-01T12:01:40Z" })
	if v := hv(); v.Hidden {
		t.Fatal("the history controls are hidden on a page whose run keeps a history")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("history-start"))); err != nil {
		t.Fatal(err)
	}
	// The rebuilt window ending 12:01:00 is kept live too: the slider has
	// the two before it, then the three kept.
	p := waitPage(t, ctx, "the rebuilt windows on the slider", func(p page) bool { return p.SliderMax == 4 })
	if p.ShownEnd != "2026-01-01T12:01:40Z" || p.SliderVal != 4 {
		t.Fatalf("after the rebuild the page shows %s (slider %d of %d), not the newest", p.ShownEnd, p.SliderVal, p.SliderMax)
	}
	if v := hv(); v.State != "done" || !strings.Contains(v.Text, "3 windows rebuilt") || v.Past {
		t.Fatalf("history controls: %+v", v)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("slider"), kb.Home)); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "the oldest rebuilt window", func(p page) bool { return p.ShownEnd == "2026-01-01T12:00:20Z" && p.Drawn == p.Shown })
	if v := hv(); !v.Past || !strings.HasPrefix(v.Label, "history · 1 of 5") || !strings.HasPrefix(v.Caption, "History") || !strings.Contains(v.Caption, "5 posts") {
		t.Fatalf("a rebuilt window is not marked as history: %+v", v)
	}
	if p.Posts != 5 || p.Discs != 1 || len(p.Rows) != 1 || p.Rows[0].ID != 2 || p.CSPRefused != 0 {
		t.Fatalf("the rebuilt window: %d discs of %d posts, rows %+v, %d refused", p.Discs, p.Posts, p.Rows, p.CSPRefused)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("slider"), kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "the second rebuilt window", func(p page) bool { return p.ShownEnd == "2026-01-01T12:00:40Z" && p.Drawn == p.Shown })
	if p.Posts != 10 {
		t.Fatalf("the second rebuilt window has %d posts on the map", p.Posts)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("newest"))); err != nil {
		t.Fatal(err)
	}
	p = waitPage(t, ctx, "back to live", func(p page) bool { return p.ShownEnd == "2026-01-01T12:01:40Z" && p.Drawn == p.Shown })
	if v := hv(); v.Past || strings.Contains(v.Label, "history") || p.Posts != 7 || strings.Contains(p.Hash, "at=") {
		t.Fatalf("back to live: %+v, %d posts, hash %q", v, p.Posts, p.Hash)
	}
}
