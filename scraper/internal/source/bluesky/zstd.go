package bluesky

import (
	"embed"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// dictFS holds Jetstream's zstd dictionary when it has been put there (see
// dict/README.md), and always the README.
//
//go:embed dict
var dictFS embed.FS

// DictionaryID is the ID of the dictionary Jetstream compresses with.
const DictionaryID = 1612007021

// dictMagic opens a structured zstd dictionary (RFC 8878 §5).
const dictMagic = 0xEC30A437

// EmbeddedDictionary returns the dictionary built into the binary, or nil
// if it was built without one.
func EmbeddedDictionary() []byte {
	b, err := dictFS.ReadFile("dict/zstd_dictionary")
	if err != nil {
		return nil
	}
	return b
}

// CheckDictionary returns the ID of a structured zstd dictionary, or an
// error if b is not one.
func CheckDictionary(b []byte) (uint32, error) {
	if len(b) < 8 || binary.LittleEndian.Uint32(b) != dictMagic {
		return 0, errors.New("bluesky: not a zstd dictionary")
	}
	id := binary.LittleEndian.Uint32(b[4:])
	if id == 0 {
		return 0, errors.New("bluesky: zstd dictionary without an ID")
	}
	return id, nil
}

// newDecoder returns a zstd decoder for single messages compressed with
// dictionary, refusing to decode much more than maxLine bytes (a message
// that decodes to more than maxLine is then skipped).
func newDecoder(dictionary []byte, maxLine int) (*zstd.Decoder, error) {
	if _, err := CheckDictionary(dictionary); err != nil {
		return nil, err
	}
	d, err := zstd.NewReader(nil, zstd.WithDecoderDicts(dictionary), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(max(maxLine+1, 1<<20))))
	if err != nil {
		return nil, fmt.Errorf("bluesky: loading the zstd dictionary: %w", err)
	}
	return d, nil
}
