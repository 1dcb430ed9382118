package output

import (
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"io"
	"os"
	"time"

	xdraw "golang.org/x/image/draw"
)

// TimelapseOptions configures Timelapse.
type TimelapseOptions struct {
	Scale float64       // frame size relative to the maps (0 < Scale <= 1)
	Delay time.Duration // time each frame is shown
	Last  int           // use only the newest Last frames (0: all)
}

// Timelapse writes the PNG frames, oldest first, as an animated GIF that
// loops. Frames are scaled, then quantized to the web palette with
// Floyd–Steinberg dithering. It reads one frame at a time.
func Timelapse(w io.Writer, frames []string, o TimelapseOptions) error {
	if len(frames) == 0 {
		return fmt.Errorf("timelapse: no map-*.png frames")
	}
	if o.Scale <= 0 || o.Scale > 1 {
		return fmt.Errorf("timelapse: scale %v must be in (0, 1]", o.Scale)
	}
	if o.Last > 0 && len(frames) > o.Last {
		frames = frames[len(frames)-o.Last:]
	}
	delay := int(o.Delay / (10 * time.Millisecond))
	out := &gif.GIF{LoopCount: 0}
	for _, path := range frames {
		img, err := readPNG(path)
		if err != nil {
			return err
		}
		b := img.Bounds()
		size := image.Rect(0, 0, max(1, int(float64(b.Dx())*o.Scale)), max(1, int(float64(b.Dy())*o.Scale)))
		scaled := image.NewRGBA(size)
		xdraw.ApproxBiLinear.Scale(scaled, size, img, b, xdraw.Src, nil)
		pal := image.NewPaletted(size, palette.WebSafe)
		draw.FloydSteinberg.Draw(pal, size, scaled, image.Point{})
		out.Image = append(out.Image, pal)
		out.Delay = append(out.Delay, delay)
	}
	if err := gif.EncodeAll(w, out); err != nil {
		return fmt.Errorf("timelapse: encoding GIF: %w", err)
	}
	return nil
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("timelapse: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("timelapse: %s: %w", path, err)
	}
	return img, nil
}
