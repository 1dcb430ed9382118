// Package server is the sink that serves lines over TCP: one upstream, many
// clients, each with a bounded queue of lines and its own writer goroutine.
//
// The server owns every goroutine it starts (the accept loop, one writer and
// one reader per client, the stats logger) and Close stops and waits for
// all of them. Send never blocks on a live source: a slow client loses its
// oldest lines and the loss is counted. In lossless mode (replay, synth) Send
// waits for the slowest client instead, so nothing is lost.
package server
