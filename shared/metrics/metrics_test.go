package metrics

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServe(t *testing.T) {
	n := 0.0
	s, err := Listen("127.0.0.1:0", func() []Metric {
		n++
		return []Metric{
			{Name: "x_total", Help: "things", Type: "counter", Value: n},
			{Name: "drops_total", Help: "drops", Type: "counter", Labels: map[string]string{"peer": `a"b`}, Value: 2},
			{Name: "drops_total", Help: "drops", Type: "counter", Labels: map[string]string{"peer": "c"}, Value: 3},
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Get("http://" + s.Addr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `# HELP drops_total drops
# TYPE drops_total counter
drops_total{peer="a\"b"} 2
drops_total{peer="c"} 3
# HELP x_total things
# TYPE x_total counter
x_total 1
`
	if string(b) != want {
		t.Fatalf("got\n%s\nwant\n%s", b, want)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatal("wrong content type")
	}
}
