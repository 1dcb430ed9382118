// Package wire is geostream's line protocol: newline-delimited JSON framed by
// a Reader that bounds line length, and the optional AUTH handshake a client
// sends as its first line.
package wire
