package embed

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	words = []string{"game", "bowl", "rain"}
	vecs  = [][]float32{{1, 0, 0.5}, {0.9, 0.1, 0.4}, {-1, 2, 0}}
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func check(t *testing.T, tb *Table) {
	t.Helper()
	if tb.D != 3 || len(tb.Vectors) != 3 {
		t.Fatalf("got dim %d, %d words", tb.D, len(tb.Vectors))
	}
	for i, w := range words {
		for j, x := range vecs[i] {
			if tb.Vectors[w][j] != x {
				t.Fatalf("%s[%d] = %v, want %v", w, j, tb.Vectors[w][j], x)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	var bin, txt bytes.Buffer
	WriteBinary(&bin, words, vecs)
	WriteText(&txt, words, vecs)
	glove := "game 1 0 0.5\nbowl 0.9 0.1 0.4\nrain -1 2 0\n"
	fasttext := "3 3\ngame 1 0 0.5 \nbowl 0.9 0.1 0.4 \nrain -1 2 0 \n" // fastText leaves a trailing space
	cases := map[string][]byte{
		"word2vec binary": bin.Bytes(), "word2vec text": txt.Bytes(), "glove": []byte(glove),
		"fasttext vec": []byte(fasttext), "gzipped binary": gz(bin.Bytes()), "gzipped glove": gz([]byte(glove)),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			tb, err := Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			check(t, tb)
		})
	}
	t.Run("load from a file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "m.bin.gz")
		os.WriteFile(p, gz(bin.Bytes()), 0o644)
		tb, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		check(t, tb)
	})
}

func TestBadFiles(t *testing.T) {
	var bin bytes.Buffer
	WriteBinary(&bin, words, vecs)
	cases := map[string]string{
		"empty":                 "",
		"huge header":           "999999999999 3\n",
		"huge dimension":        "3 100000\n",
		"binary cut short":      string(bin.Bytes()[:bin.Len()-5]),
		"ragged text":           "2 3\na 1 2 3\nb 1 2\n",
		"not numbers":           "a x y z\n",
		"fewer words than said": "5 2\na 1 2\n",
		"nan in text":           "a NaN 1\n",
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Read(strings.NewReader(data))
			if err == nil {
				t.Fatal("accepted")
			}
			if name != "binary cut short" && !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	var bin, txt bytes.Buffer
	WriteBinary(&bin, words, vecs)
	WriteText(&txt, words, vecs)
	f.Add(bin.Bytes())
	f.Add(txt.Bytes())
	f.Add([]byte("a 1 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for w, v := range tb.Vectors {
			if len(v) != tb.D {
				t.Fatalf("%q has %d values, dim %d", w, len(v), tb.D)
			}
		}
	})
}

func TestHashed(t *testing.T) {
	h := DefaultHashed
	a, b := make([]float64, h.D), make([]float64, h.D)
	h.AddTo(a, "storm", 1)
	h.AddTo(b, "storm", 1)
	var norm float64
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same word, different vectors")
		}
		norm += a[i] * a[i]
	}
	if math.Abs(norm-1) > 0.3 {
		t.Fatalf("norm² %v, want about 1", norm)
	}
	// Different words are nearly orthogonal on average.
	var sum float64
	ws := strings.Fields("storm flood game bowl vote ballot rain wind goal match anime manga safari lions")
	for i := range ws {
		for j := i + 1; j < len(ws); j++ {
			x, y := make([]float64, h.D), make([]float64, h.D)
			h.AddTo(x, ws[i], 1)
			h.AddTo(y, ws[j], 1)
			var dot float64
			for k := range x {
				dot += x[k] * y[k]
			}
			sum += math.Abs(dot)
		}
	}
	if mean := sum / float64(len(ws)*(len(ws)-1)/2); mean > 0.2 {
		t.Fatalf("mean |cos| between different words %v, want small", mean)
	}
}

func TestMeanNeverNaN(t *testing.T) {
	tb, _ := Read(strings.NewReader("a 1 2\n"))
	dst := []float64{9, 9}
	if n := Mean(tb, dst, []string{"zzz", "yyy"}); n != 0 || dst[0] != 0 || dst[1] != 0 {
		t.Fatalf("no known words gave %v (n=%d)", dst, n)
	}
	if n := Mean(tb, dst, []string{"a", "a", "q"}); n != 2 || dst[0] != 1 || dst[1] != 2 {
		t.Fatalf("mean %v n=%d", dst, n)
	}
}
