package render

import (
	"fmt"
	"image/color"
	"math"
	"strings"
)

// What a legend block shows beside its text.
type markKind uint8

const (
	markNone markKind = iota
	markDisc
	markRing
	markSizes // the size key: discs for a few counts
	markStack // a small disc on a larger one
	markEvent // a dashed ring
)

// block is one legend item: a marker and lines of text.
type block struct {
	mark  markKind
	color color.RGBA
	// text is the whole item; keywords, when set, are the words the text
	// may lose from the end (whole words only) to fit in fewer lines.
	head     string
	keywords []string
	lines    []string
	// space is extra room above the block, in font sizes.
	space float64
	// tweets and clusters are what a cluster entry or the "+N" line count.
	tweets, clusters int
	more             bool
	// note is a line of explanation, in grey.
	note bool
	// sizes are the counts of the size key, with their radii.
	sizes     []int
	radii     []float64
	minRadius float64
}

// legendContent is what the legend says, before it is laid out.
type legendContent struct {
	title  string
	blocks []block
}

// legendLayout is a legend laid out in a rectangle.
type legendLayout struct {
	face  face // the items' font
	title face
	// head is the legend's title, in lines that fit its width.
	head []string
	cols int
	colW float64
	// broken counts the entries with a word too wide for a line, which
	// wrap had to split.
	broken int
	height float64 // the height it needs, title included
	blocks []block // with their lines filled
	// col and y are each block's column and top, relative to the legend's
	// top-left corner.
	col []int
	y   []float64
}

// markerSize is the width of a legend marker (13 px at least, so that
// 12 px are solid colour) and markerGap the gap after it.
func (f face) markerSize() float64 { return math.Max(13, math.Round(f.size*0.95)) }
func (f face) markerGap() float64  { return math.Round(f.size * 0.5) }

// layoutBlocks fills each block's lines for a column of width w, keeping
// entries to at most maxLines lines by dropping whole keywords from the
// end, and returns each block's height.
func layoutBlocks(content []block, f face, w float64, maxLines int) ([]block, []float64, int) {
	broken := 0
	out := make([]block, len(content))
	hs := make([]float64, len(content))
	tw := w - f.markerSize() - f.markerGap()
	for i, b := range content {
		switch {
		case b.mark == markSizes:
			b.lines = []string{b.head}
			hs[i] = f.line() + 2*b.radii[len(b.radii)-1] + f.size*0.5
		case b.keywords != nil:
			kw := b.keywords
			for {
				b.lines = wrap(f, entryText(b.head, kw), tw)
				if len(b.lines) <= maxLines || len(kw) <= 1 {
					break
				}
				kw = kw[:len(kw)-1]
			}
			if !wordsFit(f, entryText(b.head, kw), tw) {
				broken++
			}
			hs[i] = float64(len(b.lines))*f.line() + f.size*0.3
		default:
			b.lines = wrap(f, b.head, tw)
			hs[i] = float64(len(b.lines))*f.line() + f.size*0.3
		}
		hs[i] += b.space * f.size
		out[i] = b
	}
	return out, hs, broken
}

// entryText is "C3 (412): game, bowl, super".
func entryText(head string, kw []string) string {
	if len(kw) == 0 {
		return head
	}
	return head + " " + strings.Join(kw, ", ")
}

// flow puts blocks of heights hs into columns top to bottom, each at most
// colH high, and returns each block's column and top, and the number of
// columns used.
func flow(hs []float64, colH float64) (cols []int, ys []float64, n int) {
	cols, ys = make([]int, len(hs)), make([]float64, len(hs))
	col, y := 0, 0.0
	for i, h := range hs {
		if y > 0 && y+h > colH {
			col, y = col+1, 0
		}
		cols[i], ys[i] = col, y
		y += h
	}
	return cols, ys, col + 1
}

// layoutAt lays blocks out in ncols columns of a w-wide rectangle at font
// f, entries in at most maxLines lines, in the shortest columns that hold
// them.
func layoutAt(lc legendContent, blocks []block, f face, w float64, ncols, maxLines int) legendLayout {
	tf := face{size: math.Round(f.size*1.07*10) / 10, bold: true}
	gap := math.Round(f.size * 1.2)
	colW := (w - gap*float64(ncols-1)) / float64(ncols)
	bl, hs, broken := layoutBlocks(blocks, f, colW, maxLines)
	l := legendLayout{face: f, title: tf, cols: ncols, colW: colW + gap, blocks: bl, head: wrap(tf, lc.title, w), broken: broken}
	total, tallest := 0.0, 0.0
	for _, h := range hs {
		total += h
		tallest = math.Max(tallest, h)
	}
	lo, hi := math.Max(tallest, total/float64(ncols)), total
	for hi-lo > 0.5 {
		m := (lo + hi) / 2
		if _, _, n := flow(hs, m); n <= ncols {
			hi = m
		} else {
			lo = m
		}
	}
	l.col, l.y, _ = flow(hs, hi)
	l.height = float64(len(l.head))*tf.line() + f.size*0.5 + hi
	return l
}

// shrinkScales are the font scales fitLegend tries, largest first, for a
// legend short of room.
var shrinkScales = []float64{0.92, 0.85, 0.78, 0.72}

func scaled(f face, k float64) face { return face{size: math.Max(8, math.Round(f.size*k*2)/2)} }

// fitLegend lays the legend out in a w×maxH rectangle, in at most ncols
// columns: in as few columns as hold it at f (or larger, up to grow times
// f, if it has room), else in ncols at the largest font down to 72% of f and the
// most lines per entry (two, then one) that fit. If even that is too tall,
// the smallest entries are folded into the "+N smaller clusters" line
// until it fits. With maxH <= 0 it returns the layout at f in ncols
// columns, whose height is what the legend needs.
func fitLegend(lc legendContent, f face, w float64, ncols int, maxH, grow float64) legendLayout {
	if maxH <= 0 {
		return layoutAt(lc, lc.blocks, f, w, ncols, 2)
	}
	// First without splitting a word, then splitting them if it must.
	var last legendLayout
	for _, whole := range []bool{true, false} {
		ok := func(l legendLayout) bool { return l.height <= maxH && (!whole || l.broken == 0) }
		for n := 1; n <= ncols; n++ {
			l := layoutAt(lc, lc.blocks, f, w, n, 2)
			if !ok(l) {
				continue
			}
			// It fits at f: find the largest font that fits, in steps of
			// 2.5%, by bisection (the height grows with the font).
			lo, hi := 0, int(math.Round((grow-1)/0.025))
			for lo < hi {
				m := (lo + hi + 1) / 2
				if g := layoutAt(lc, lc.blocks, scaled(f, 1+float64(m)*0.025), w, n, 2); ok(g) {
					lo, l = m, g
				} else {
					hi = m - 1
				}
			}
			return l
		}
		for _, k := range shrinkScales {
			for _, lines := range []int{2, 1} {
				last = layoutAt(lc, lc.blocks, scaled(f, k), w, ncols, lines)
				if ok(last) {
					return last
				}
			}
		}
	}
	for n := 1; n < len(lc.blocks); n++ {
		folded, ok := fold(lc.blocks, n)
		if !ok {
			break
		}
		last = layoutAt(lc, folded, last.face, w, ncols, 1)
		if last.height <= maxH {
			return last
		}
	}
	return last
}

// minWidth is the narrowest column that holds every entry's head and
// first keyword on a line at f: narrower, wrap must split a word.
func (lc legendContent) minWidth(f face) float64 {
	w := 0.0
	for _, b := range lc.blocks {
		words := strings.Fields(b.head)
		if len(b.keywords) > 0 {
			words = append(words, b.keywords[0]+",")
		}
		for _, word := range words {
			w = math.Max(w, f.width(word))
		}
	}
	return w + f.markerSize() + f.markerGap()
}

// fold merges the last n cluster entries into the "+N smaller clusters"
// line (made if there was none). It reports false when there are not n
// entries to fold.
func fold(blocks []block, n int) ([]block, bool) {
	var entries, more, rest []block
	for _, b := range blocks {
		switch {
		case b.keywords != nil:
			entries = append(entries, b)
		case b.more:
			more = append(more, b)
		default:
			rest = append(rest, b)
		}
	}
	if n > len(entries) {
		return nil, false
	}
	clusters, tweets := 0, 0
	for _, b := range append(entries[len(entries)-n:], more...) {
		clusters += b.clusters
		tweets += b.tweets
	}
	out := append([]block(nil), entries[:len(entries)-n]...)
	out = append(out, moreBlock(clusters, tweets))
	return append(out, rest...), true
}

func moreBlock(clusters, tweets int) block {
	noun := "clusters"
	if clusters == 1 {
		noun = "cluster"
	}
	return block{mark: markDisc, color: Grey, more: true, tweets: tweets, clusters: clusters,
		head: fmt.Sprintf("+%d smaller %s (%s posts)", clusters, noun, thousands(tweets))}
}
