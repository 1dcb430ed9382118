package render

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"testing"
)

// encodePNG writes what image/png reads back pixel for pixel, at every
// compression level, for images of any size, offset and content, and
// across several IDAT chunks.
func TestEncodePNG(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		r    image.Rectangle
		fill func(x, y int) color.RGBA
	}{
		{"noise", image.Rect(0, 0, 37, 11), func(int, int) color.RGBA {
			return color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff}
		}},
		{"one pixel", image.Rect(0, 0, 1, 1), func(int, int) color.RGBA { return color.RGBA{1, 2, 3, 0xff} }},
		{"offset", image.Rect(5, 7, 20, 30), func(x, y int) color.RGBA { return color.RGBA{uint8(x), uint8(y), uint8(x * y), 0xff} }},
		{"many chunks", image.Rect(0, 0, 700, 500), func(int, int) color.RGBA {
			return color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 0xff}
		}},
	} {
		img := image.NewRGBA(tc.r)
		for y := tc.r.Min.Y; y < tc.r.Max.Y; y++ {
			for x := tc.r.Min.X; x < tc.r.Max.X; x++ {
				img.SetRGBA(x, y, tc.fill(x, y))
			}
		}
		for _, level := range []png.CompressionLevel{png.DefaultCompression, png.NoCompression, png.BestSpeed, png.BestCompression} {
			var buf bytes.Buffer
			if err := encodePNG(&buf, img, level); err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("%s, level %d: %v", tc.name, level, err)
			}
			if got.Bounds().Size() != tc.r.Size() {
				t.Fatalf("%s: size %v, want %v", tc.name, got.Bounds().Size(), tc.r.Size())
			}
			for y := range tc.r.Dy() {
				for x := range tc.r.Dx() {
					want := img.RGBAAt(tc.r.Min.X+x, tc.r.Min.Y+y)
					if c := color.RGBAModel.Convert(got.At(x, y)).(color.RGBA); c != want {
						t.Fatalf("%s, level %d: pixel %d,%d is %v, want %v", tc.name, level, x, y, c, want)
					}
				}
			}
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestEncodePNGWriteError(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	if err := encodePNG(&failWriter{n: 100}, img, png.BestSpeed); err == nil {
		t.Fatal("a failing writer gave no error")
	}
}
