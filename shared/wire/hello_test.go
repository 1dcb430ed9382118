package wire

import (
	"strings"
	"testing"
)

// TestAppendHello: a hello that describes the stream is written whole; a
// refusal says only why, and a challenge only that a token is needed, so
// that neither contradicts itself nor tells a stranger what is served.
func TestAppendHello(t *testing.T) {
	tests := []struct {
		name string
		h    Hello
		want string
	}{
		{"a replay", Hello{Source: "replay", Finite: true, Speed: 10},
			`{"geostream":{"version":1,"source":"replay","live":false,"finite":true,"speed":10,"auth":false}}`},
		{"a live stream behind a token, after AUTH", Hello{Source: "bluesky", Live: true, Auth: true},
			`{"geostream":{"version":1,"source":"bluesky","live":true,"finite":false,"speed":0,"auth":true}}`},
		{"a challenge", Hello{Auth: true}, `{"geostream":{"version":1,"auth":true}}`},
		{"a refusal", Hello{Error: RefusedBadToken}, `{"geostream":{"version":1,"error":"wrong token"}}`},
		{"a refusal says nothing of the stream", Hello{Source: "replay", Finite: true, Auth: true, Error: RefusedBadToken},
			`{"geostream":{"version":1,"error":"wrong token"}}`},
		{"a server that says nothing", Hello{}, `{"geostream":{"version":1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(AppendHello(nil, tc.h))
			if got != tc.want+"\n" {
				t.Fatalf("got  %s\nwant %s", strings.TrimSpace(got), tc.want)
			}
			back, ok, err := ParseHello([]byte(tc.want))
			if !ok || err != nil {
				t.Fatalf("not read back: %v", err)
			}
			if back.Describes() != tc.h.Describes() || back.Error != tc.h.Error {
				t.Fatalf("read back as %+v from %+v", back, tc.h)
			}
			if tc.h.Describes() && (back.Source != tc.h.Source || back.Live != tc.h.Live || back.Finite != tc.h.Finite ||
				back.Speed != tc.h.Speed || back.Auth != tc.h.Auth) {
				t.Fatalf("read back as %+v from %+v", back, tc.h)
			}
		})
	}
}

func TestParseHello(t *testing.T) {
	tests := []struct {
		line    string
		ok, err bool
	}{
		{`{"geostream":{"version":1,"auth":true}}`, true, false},
		{`  {"geostream":{"version":1}}`, true, false},
		{`{"id":"1","text":"geostream"}`, false, false},
		{`{"geostream":{"version":1},"id":"1"}`, false, false},
		{`{"geostream":{"version":"one"}}`, true, true},
		{`{"geostream":`, true, true},
		{`HTTP/1.1 400 Bad Request`, false, false},
	}
	for _, tc := range tests {
		_, ok, err := ParseHello([]byte(tc.line))
		if ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("%s: ok %v, err %v", tc.line, ok, err)
		}
	}
}

// FuzzParseHello: no line crashes the parser, and a hello read is written
// back as one that reads the same.
func FuzzParseHello(f *testing.F) {
	for _, s := range []string{`{"geostream":{"version":1,"auth":true}}`, `{"geostream":{"version":1,"error":"wrong token"}}`,
		`{"geostream":{"version":1,"source":"synth","live":false,"finite":true,"speed":0,"auth":false}}`, `{"id":"1"}`, "\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		h, ok, err := ParseHello(line)
		if !ok || err != nil {
			return
		}
		b := AppendHello(nil, h)
		again, ok, err := ParseHello(b[:len(b)-1])
		if !ok || err != nil {
			t.Fatalf("%+v written back does not read: %v", h, err)
		}
		if again.Describes() != h.Describes() || again.Error != h.Error {
			t.Fatalf("%+v read back as %+v", h, again)
		}
	})
}
