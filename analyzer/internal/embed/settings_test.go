package embed

import (
	"testing"

	"github.com/geostream/geostream/analyzer/internal/model"
	"github.com/geostream/geostream/analyzer/internal/model/modeltest"
)

// TestLearnPosts: an owner of online vectors trains them on its posts'
// words, as Learn on the same words does; an owner without does nothing.
func TestLearnPosts(t *testing.T) {
	batch := []*model.Point{modeltest.WithTokens(&model.Point{}, []string{"storm", "flood", "rain"}), modeltest.WithTokens(&model.Point{}, []string{"game", "bowl"}), {}}
	o := Owner{V: Vectors{Online: NewOnline(OnlineOptions{Seed: 1})}}
	o.LearnPosts(batch)
	o.V.Online.Wait()
	m := NewOnline(OnlineOptions{Seed: 1})
	m.Learn([][]string{{"storm", "flood", "rain"}, {"game", "bowl"}, nil})
	got, want := o.V.Online.Stats(), m.Stats()
	if got.Batches != 1 || got.Vocab != want.Vocab || got.Vocab == 0 {
		t.Fatalf("trained %+v, Learn on the same words %+v", got, want)
	}
	for _, w := range []string{"storm", "bowl"} {
		a, b := make([]float64, m.Dim()), make([]float64, m.Dim())
		o.V.Online.AddTo(a, w, 1)
		m.AddTo(b, w, 1)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%q: its vector differs from Learn's at %d", w, i)
			}
		}
	}
	var none Owner
	none.LearnPosts(batch) // no online vectors: nothing to train, no panic
}
