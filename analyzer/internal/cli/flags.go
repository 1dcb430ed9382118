package cli

import "github.com/geostream/geostream/shared/field"

// flagOf maps the options' Go field names, as the packages' Validate
// methods report them, to the flags that set them.
var flagOf = map[string]string{
	// window.Config, pipeline.Options
	"Batch": "--batch", "Window": "--window", "Slide": "--slide",
	"Clock": "--clock", "Lateness": "--lateness", "Locate": "--locate", "StatsInterval": "--stats-interval",
	// cluster.Options, features.Extractor, spherical.Options
	"K": "--k", "Decay": "--decay", "Unit": "--time-unit", "Init": "--init", "Keywords": "--keywords",
	"Profile": "--profile", "TextWeight": "--text-weight", "GeoWeight": "--geo-weight",
	"Text": "--text-weight", "Dense": "--vector-weight", "Geo": "--geo-weight",
	"Iterations": "--iterations", "Reassign": "--reassign", "MaxShare": "--max-share",
	// output.MapsOptions
	"Box": "--bbox", "Width": "--width", "Height": "--height", "Keep": "--keep", "SizeBy": "--size-by",
}

// flagError is a usage error for a package's complaint about an option,
// naming the flag rather than the field.
func flagError(err error) error { return usageError{field.Rename(err, flagOf)} }
