package render

import (
	"strings"
	"testing"
	"time"
)

// TestTitleSaysPartial: the title of a window cut short says so, and only
// then.
func TestTitleSaysPartial(t *testing.T) {
	f := &Frame{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)}
	if s := title(f, -1); strings.Contains(s, "partial") {
		t.Fatalf("a whole window's title: %q", s)
	}
	f.Partial = true
	if s := title(f, -1); !strings.Contains(s, "00:01:00 UTC (partial)") {
		t.Fatalf("a partial window's title: %q", s)
	}
}
