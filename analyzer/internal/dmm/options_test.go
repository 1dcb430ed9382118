package dmm

import (
	"errors"
	"flag"
	"math"
	"slices"
	"testing"

	"github.com/geostream/geostream/shared/field"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Options)
		field string // "" for valid
	}{
		{"defaults", func(*Options) {}, ""},
		{"no places", func(o *Options) { o.GeoWeight = 0 }, ""},
		{"no memory", func(o *Options) { o.Memory = 0 }, ""},
		{"a coarse cell", func(o *Options) { o.CoarseCell = 2 }, ""},
		{"no sweeps", func(o *Options) { o.Sweeps = 0 }, ""},
		{"alpha zero", func(o *Options) { o.Alpha = 0 }, "Alpha"},
		{"alpha NaN", func(o *Options) { o.Alpha = math.NaN() }, "Alpha"},
		{"alpha infinite", func(o *Options) { o.Alpha = math.Inf(1) }, "Alpha"},
		{"beta negative", func(o *Options) { o.Beta = -0.1 }, "Beta"},
		{"beta NaN", func(o *Options) { o.Beta = math.NaN() }, "Beta"},
		{"sweeps negative", func(o *Options) { o.Sweeps = -1 }, "Sweeps"},
		{"sweeps too many", func(o *Options) { o.Sweeps = 101 }, "Sweeps"},
		{"geo weight negative", func(o *Options) { o.GeoWeight = -1 }, "GeoWeight"},
		{"geo weight NaN", func(o *Options) { o.GeoWeight = math.NaN() }, "GeoWeight"},
		{"geo weight too large", func(o *Options) { o.GeoWeight = 65 }, "GeoWeight"},
		{"hashtag weight zero", func(o *Options) { o.HashtagWeight = 0 }, "HashtagWeight"},
		{"hashtag weight infinite", func(o *Options) { o.HashtagWeight = math.Inf(1) }, "HashtagWeight"},
		{"cell zero", func(o *Options) { o.Cell = 0 }, "Cell"},
		{"cell too large", func(o *Options) { o.Cell = 91 }, "Cell"},
		{"coarse cell finer than the cell", func(o *Options) { o.CoarseCell = o.Cell / 2 }, "CoarseCell"},
		{"coarse cell NaN", func(o *Options) { o.CoarseCell = math.NaN() }, "CoarseCell"},
		{"memory negative", func(o *Options) { o.Memory = -1 }, "Memory"},
		{"memory too long", func(o *Options) { o.Memory = maxMemory + 1 }, "Memory"},
		{"revive zero", func(o *Options) { o.Revive = 0 }, "Revive"},
		{"revive above one", func(o *Options) { o.Revive = 1.5 }, "Revive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.edit(&o)
			err := o.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := New(o); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			var fe *field.Error
			if !errors.As(err, &fe) || !slices.Equal(fe.Fields, []string{tc.field}) {
				t.Fatalf("Validate: %v, want an error about %s", err, tc.field)
			}
			if _, err := New(o); err == nil {
				t.Fatal("New took invalid options")
			}
		})
	}
}

func TestFlags(t *testing.T) {
	o := DefaultOptions()
	o.Alpha = 0.5 // a current value is the flag's default
	fs := flag.NewFlagSet("dmm", flag.ContinueOnError)
	o.Flags(fs)
	want := []string{"alpha", "beta", "sweeps", "gibbs", "geo-weight", "hashtag-weight", "geo-cell", "geo-coarse-cell", "memory", "revive", "seed"}
	var got []string
	fs.VisitAll(func(f *flag.Flag) { got = append(got, f.Name) })
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("flags %v, want %v", got, want)
	}
	if d := fs.Lookup("alpha").DefValue; d != "0.5" {
		t.Errorf("alpha's default %q, want the current value 0.5", d)
	}
	args := []string{"-alpha", "0.2", "-beta", "0.05", "-sweeps", "4", "-gibbs", "-geo-weight", "0", "-hashtag-weight", "3",
		"-geo-cell", "0.25", "-geo-coarse-cell", "1", "-memory", "6", "-revive", "0.7", "-seed", "42"}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	wantOpts := Options{Alpha: 0.2, Beta: 0.05, Sweeps: 4, Gibbs: true, GeoWeight: 0, HashtagWeight: 3, Cell: 0.25, CoarseCell: 1,
		Memory: 6, Revive: 0.7, Seed: 42}
	if o != wantOpts {
		t.Fatalf("parsed %+v, want %+v", o, wantOpts)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
}
