package tweet

import "testing"

// BenchmarkDecode compares the fastjson decoder with the encoding/json
// reference on the realistic fixture lines, side by side.
func BenchmarkDecode(b *testing.B) {
	cases := []struct{ name, file string }{
		{"v2", "v2.jsonl"},           // ~1.2 KB envelope with includes
		{"v1.1-retweet", "v1.jsonl"}, // status with user, entities and a retweet
	}
	for _, c := range cases {
		line := readLines(b, c.file)[0]
		b.Run(c.name+"/fastjson", func(b *testing.B) {
			var d Decoder
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(line); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
		b.Run(c.name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := refDecode(line); !ok {
					b.Fatal("reference failed")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkDecodeFree decodes a Jetstream post and a Mastodon status.
func BenchmarkDecodeFree(b *testing.B) {
	for _, c := range []struct{ name, file string }{
		{"jetstream-post", "jetstream.jsonl"}, // ~0.9 KB event with langs, facets and tags
		{"mastodon-status", "mastodon.jsonl"}, // ~1.7 KB Status with HTML and profile fields
	} {
		line := readLines(b, c.file)[1]
		b.Run(c.name, func(b *testing.B) {
			var d Decoder
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if tw, err := d.Decode(line); err != nil || tw.Kind != KindTweet {
					b.Fatal(tw.Kind, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}
