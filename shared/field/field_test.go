package field

import (
	"fmt"
	"testing"
)

func TestErrorAndRename(t *testing.T) {
	err := fmt.Errorf("building the model: %w", Errorf("K", "must be between %d and %d", 1, 1000))
	if got := err.Error(); got != "building the model: K must be between 1 and 1000" {
		t.Fatalf("got %q", got)
	}
	if got := Rename(err, map[string]string{"K": "--k"}).Error(); got != "--k must be between 1 and 1000" {
		t.Fatalf("renamed: %q", got)
	}
	many := Errorsf([]string{"Batch", "Window", "Slide"}, "must be positive")
	if got := Rename(many, map[string]string{"Batch": "--batch", "Slide": "--slide"}).Error(); got != "--batch, Window and --slide must be positive" {
		t.Fatalf("renamed: %q", got)
	}
	plain := fmt.Errorf("disk full")
	if Rename(plain, nil) != plain {
		t.Fatal("a plain error was changed")
	}
}
