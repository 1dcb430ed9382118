package render

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
)

// encodePNG writes an image as an 8-bit RGB PNG (dropping alpha: maps
// are opaque) whose rows all
// use the Up filter. image/png picks a filter per row by trying all five,
// which made encoding three quarters of a frame's time; on maps, where
// most rows repeat the one above, Up alone encodes three times faster
// for files about 6% larger. level is as for png.Encoder.
func encodePNG(w io.Writer, img *image.RGBA, level png.CompressionLevel) error {
	b := img.Bounds()
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("\x89PNG\r\n\x1a\n")
	var hdr [13]byte
	binary.BigEndian.PutUint32(hdr[0:], uint32(b.Dx()))
	binary.BigEndian.PutUint32(hdr[4:], uint32(b.Dy()))
	hdr[8], hdr[9] = 8, 2 // 8 bits per sample, RGB; deflate, filters, no interlace
	writeChunk(bw, "IHDR", hdr[:])

	idat := &chunkWriter{w: bw}
	zw, err := zlib.NewWriterLevel(idat, zlibLevel(level))
	if err != nil {
		return fmt.Errorf("encoding PNG: %w", err)
	}
	n := 3 * b.Dx()
	row := make([]byte, 1+n)
	prev, cur := make([]byte, n), make([]byte, n)
	row[0] = 2 // Up
	for y := b.Min.Y; y < b.Max.Y; y++ {
		pix := img.Pix[img.PixOffset(b.Min.X, y):]
		for x, i := 0, 0; i < n; x, i = x+4, i+3 {
			cur[i], cur[i+1], cur[i+2] = pix[x], pix[x+1], pix[x+2]
		}
		for i := range cur {
			row[1+i] = cur[i] - prev[i]
		}
		if _, err := zw.Write(row); err != nil {
			return fmt.Errorf("encoding PNG: %w", err)
		}
		prev, cur = cur, prev
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("encoding PNG: %w", err)
	}
	idat.flush()
	writeChunk(bw, "IEND", nil)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("encoding PNG: %w", err)
	}
	return nil
}

func zlibLevel(l png.CompressionLevel) int {
	switch l {
	case png.NoCompression:
		return zlib.NoCompression
	case png.BestSpeed:
		return zlib.BestSpeed
	case png.BestCompression:
		return zlib.BestCompression
	}
	return zlib.DefaultCompression
}

func writeChunk(w *bufio.Writer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	c := crc32.NewIEEE()
	io.WriteString(c, typ)
	c.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], c.Sum32())
	w.Write(n[:])
}

// chunkWriter cuts the compressed stream into IDAT chunks of up to 256
// KiB. Errors stay in the bufio.Writer until its Flush reports them.
type chunkWriter struct {
	w   *bufio.Writer
	buf []byte
}

const idatSize = 256 << 10

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), idatSize-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == idatSize {
			c.flush()
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() {
	if len(c.buf) > 0 {
		writeChunk(c.w, "IDAT", c.buf)
		c.buf = c.buf[:0]
	}
}
