package cli

import "github.com/geostream/geostream/shared/field"

// flagOf maps the options' Go field names, as the packages' Validate
// methods report them, to the flags that set them.
var flagOf = map[string]string{
	// synth.Options
	"API": "--api", "Topics": "--topics", "Rate": "--rate", "Count": "--count", "Filler": "--filler",
	"NoGeo": "--no-geo", "PlaceOnly": "--place-only", "Retweet": "--retweets", "Notice": "--notices",
	"Malformed": "--malformed",
	// replay.Options
	"Files": "capture files", "Loop": "--loop",
}

// flagError is a usage error for a package's complaint about an option,
// naming the flag rather than the field.
func flagError(err error) error { return usageError{field.Rename(err, flagOf)} }
