package output

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTimelapse(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		img := image.NewRGBA(image.Rect(0, 0, 600, 400))
		for p := range img.Pix {
			img.Pix[p] = uint8(40 * i)
		}
		img.SetRGBA(10, 10, color.RGBA{0xff, 0, 0, 0xff})
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, MapName(t0.Add(time.Duration(i)*20*time.Second))), buf.Bytes(), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "latest.png"), nil, 0o644) // not a frame
	frames, err := Frames(dir)
	if err != nil || len(frames) != 3 {
		t.Fatalf("frames %v, %v", frames, err)
	}
	var out bytes.Buffer
	if err := Timelapse(&out, frames, TimelapseOptions{Scale: 0.5, Delay: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(&out)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.Image[0].Bounds().Dx() != 300 || g.Delay[0] != 50 {
		t.Fatalf("%d frames of %v, delay %v", len(g.Image), g.Image[0].Bounds(), g.Delay)
	}
	out.Reset()
	if err := Timelapse(&out, frames, TimelapseOptions{Scale: 1, Last: 2}); err != nil {
		t.Fatal(err)
	}
	if g, err := gif.DecodeAll(&out); err != nil || len(g.Image) != 2 {
		t.Fatalf("--last 2: %v", err)
	}
	for name, o := range map[string]TimelapseOptions{"scale 0": {Scale: 0}, "scale 2": {Scale: 2}} {
		if err := Timelapse(&out, frames, o); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if err := Timelapse(&out, nil, TimelapseOptions{Scale: 0.5}); err == nil {
		t.Fatal("no frames accepted")
	}
}
