// Package mastodon is a live source that needs only a free account's
// token: a Mastodon instance's streaming API over a WebSocket
// (/api/v1/streaming). It follows one public stream (public, public:local,
// public:remote, or a hashtag) and serves the Status of each "update" event
// (a JSON document inside the event's JSON string) as one line. Deletions,
// edits and other events are skipped and counted.
//
// When the connection breaks it dials again with a doubling, jittered
// backoff. The streaming API has no cursor, so once the new connection is
// up the source asks the instance's REST timeline for the same stream for
// what was posted since the last status it served (min_id, oldest first,
// up to Backfill statuses) and serves those before the stream goes on;
// statuses served twice are dropped. An instance that limits its requests
// (429 Too Many Requests) is asked again only once the wait it names is
// over; a wait longer than BackfillMaxWait gives that gap up. An instance
// numbers a remote status
// by the time it was posted, not the time it arrived, so one that arrived
// late by federation during the gap, numbered before the newest served, is
// not fetched. A refused token ends the source at once with ErrAuth.
package mastodon
