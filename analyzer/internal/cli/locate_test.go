package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runLocate(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRootCmd(Deps{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	root.SetArgs(append([]string{"locate"}, args...))
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestLocateCommand(t *testing.T) {
	out, err := runLocate(t, "", "Brooklyn, NY", "London ON", "Earth", "ÜT: 40.7,-74.0", "Texas")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Brooklyn, NY → Brooklyn, New York, United States, US, city, -73.94958, 40.65010",
		"London ON → London, Ontario, Canada, CA, city, -81.23304, 42.98339",
		"Earth → not located",
		"ÜT: 40.7,-74.0 → coordinates, city, -74.00000, 40.70000",
		"Texas → Texas, United States, US, region, ",
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want %q…", i, lines[i], w)
		}
	}
}

func TestLocateCommandStdinAndText(t *testing.T) {
	out, err := runLocate(t, "Paris\nParis, TX\n\n")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "Paris → Paris, Île-de-France, France, FR, city") ||
		!strings.Contains(out, "\nParis, TX → Paris, Texas, United States, US, city") ||
		!strings.HasSuffix(out, "\n → not located\n") {
		t.Errorf("stdin output:\n%s", out)
	}
	out, err = runLocate(t, "", "--text", "flying to Los Angeles tomorrow", "Reading a good book")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "flying to Los Angeles tomorrow → Los Angeles, California, United States, US, city") ||
		!strings.Contains(out, "\nReading a good book → not located\n") {
		t.Errorf("--text output:\n%s", out)
	}
}

func TestLocateCommandLangBioName(t *testing.T) {
	// The same text placed in English and refused in Norwegian, whose stop
	// word "medan" is.
	in := "Vi ventet lenge Medan bussen kom"
	out, err := runLocate(t, "", "--text", "--lang", "en", in)
	if err != nil || !strings.HasPrefix(out, in+" → Medan, North Sumatra") {
		t.Errorf("--lang en: %q, %v", out, err)
	}
	out, err = runLocate(t, "", "--text", "--lang", "no", in)
	if err != nil || out != in+" → not located\n" {
		t.Errorf("--lang no: %q, %v", out, err)
	}
	out, err = runLocate(t, "", "--bio", "Writer and runner. 📍 Lisbon", "ML researcher | AI, IG")
	if err != nil || !strings.HasPrefix(out, "Writer and runner. 📍 Lisbon → Lisbon, Portugal, PT, city") ||
		!strings.HasSuffix(out, "\nML researcher | AI, IG → not located\n") {
		t.Errorf("--bio: %q, %v", out, err)
	}
	out, err = runLocate(t, "", "--name", "Adam", "Ana 📍 Porto")
	if err != nil || !strings.HasPrefix(out, "Adam → not located\nAna 📍 Porto → Porto, ") {
		t.Errorf("--name: %q, %v", out, err)
	}
	for _, args := range [][]string{{"--text", "--bio", "x"}, {"--bio", "--name", "x"}, {"--lang", "en", "x"}, {"--name", "--lang", "en", "x"}} {
		if _, err := runLocate(t, "", args...); err == nil {
			t.Errorf("locate %q accepted", args)
		}
	}
}
