package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// HelloKey is the one key of a hello line, which no tweet or notice has.
const HelloKey = "geostream"

// Hello is the first line a server sends on every connection: what it
// serves, so that a client can set itself up (and a person reading the
// socket with nc can see it), or why it refuses the connection. It is a JSON
// object with the single key "geostream"; a refusal is followed by the
// server closing the connection.
//
// A server with a token says what it serves only to a client that has
// sent it: its first hello is a challenge, {"version":1,"auth":true}, and
// the hello that describes the stream follows the client's AUTH line (or a
// refusal does).
type Hello struct {
	// Version of the protocol: 1.
	Version int `json:"version"`
	// Source names what is served: "replay", "synth", "x", "bluesky",
	// "mastodon".
	Source string `json:"source,omitempty"`
	// Live is set when lines arrive as they happen, so that their arrival
	// is their time; a replay or a generator has times of its own.
	Live bool `json:"live"`
	// Finite is set when the stream ends (a replay without --loop, a
	// generator with --count): the server closes the connection at its end.
	Finite bool `json:"finite"`
	// Speed is a replay's or a generator's pace: 1 the original, N times
	// faster, 0 as fast as the slowest client reads.
	Speed float64 `json:"speed"`
	// Auth says the server needs an "AUTH <token>" line before it sends
	// anything else.
	Auth bool `json:"auth"`
	// Error, if set, says why the connection is refused: RefusedNoToken,
	// RefusedBadToken, RefusedFull, RefusedNeedsTLS.
	Error string `json:"error,omitempty"`
}

// Describes reports whether h says what is served. A refusal does not,
// nor does a challenge: AppendHello writes neither's Source, Live, Finite
// and Speed.
func (h Hello) Describes() bool {
	return h.Error == "" && (h.Source != "" || h.Live || h.Finite || h.Speed != 0)
}

// shortHello is the form of a hello that describes nothing: a refusal
// says only why, a challenge only that a token is needed.
type shortHello struct {
	Version int    `json:"version"`
	Auth    bool   `json:"auth,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Reasons a server gives in Hello.Error.
const (
	RefusedNoToken  = "no token: this scraper needs an AUTH line with its token"
	RefusedBadToken = "wrong token"
	RefusedFull     = "too many clients"
	RefusedNeedsTLS = "this port speaks TLS"
)

// ProtocolVersion is the Version this package writes.
const ProtocolVersion = 1

// AppendHello appends h as one line, newline included. A hello that
// describes the stream (see Describes) is written whole; a refusal as its
// version and error alone, and a challenge as its version and auth.
func AppendHello(dst []byte, h Hello) []byte {
	if h.Version == 0 {
		h.Version = ProtocolVersion
	}
	var b []byte
	// A struct of plain fields always marshals.
	switch {
	case h.Describes():
		b, _ = json.Marshal(map[string]Hello{HelloKey: h})
	case h.Error != "":
		b, _ = json.Marshal(map[string]shortHello{HelloKey: {Version: h.Version, Error: h.Error}})
	default:
		b, _ = json.Marshal(map[string]shortHello{HelloKey: {Version: h.Version, Auth: h.Auth}})
	}
	return append(append(dst, b...), '\n')
}

// ParseHello reads a hello line (without its line ending). ok is false
// when line is not one, as for every tweet and notice; err is set when it
// is one but cannot be read.
func ParseHello(line []byte) (h Hello, ok bool, err error) {
	if !bytes.HasPrefix(bytes.TrimLeft(line, " \t"), []byte(`{"`+HelloKey+`"`)) {
		return Hello{}, false, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		return Hello{}, true, fmt.Errorf("reading the server's hello line: %w", err)
	}
	raw, found := m[HelloKey]
	if !found || len(m) != 1 {
		return Hello{}, false, nil
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return Hello{}, true, fmt.Errorf("reading the server's hello line: %w", err)
	}
	return h, true, nil
}
