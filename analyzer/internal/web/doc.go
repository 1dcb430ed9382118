// Package web is the analyzer's live page: an HTTP server (Listen) with one
// embedded page, its script and style sheet, a Server-Sent Events stream
// at /events with one message per slide (a Hub), the retained windows at
// /api/windows and their maps at /map/<id>.png. Output is the
// pipeline.Output that turns each window into a message.
//
// Nothing here blocks the analyzer: Output.Write only queues a copy of the
// window, and the Hub gives every stream a buffer of one message, so a slow
// browser skips to the newest slide. On a loopback address the page is
// open to the machine's own browsers (Host is checked, against DNS
// rebinding); on any other address it needs the analyzer's token, as an
// Authorization: Bearer header or a cookie set by visiting /?token=....
package web
