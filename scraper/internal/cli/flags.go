package cli

import (
	"github.com/spf13/cobra"

	"github.com/geostream/geostream/shared/cmdhelp"
	"github.com/geostream/geostream/shared/field"
)

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
func flagError(err error) error { return cmdhelp.UsageError{Err: field.Rename(err, flagOf)} }

// Flag groups for the sources' help, by purpose; each command adds its own
// source's group first.
var (
	serveFlags = cmdhelp.Group{Title: "Serving flags", Flags: []string{"listen", "wait-clients", "max-clients", "queue",
		"client-timeout", "format", "max-line"}}
	natsFlags = cmdhelp.Group{Title: "NATS JetStream flags", Flags: []string{"publish", "nats-subject", "nats-partitions",
		"nats-max-age", "nats-max-bytes", "nats-dedup-window", "nats-timeout", "nats-creds", "nats-tls-ca",
		"nats-tls-cert", "nats-tls-key", "nats-tls-server-name"}}
	secureFlags = cmdhelp.Group{Title: "Security flags", Flags: []string{"token", "tls-cert", "tls-key"}}
	fileFlags   = cmdhelp.Group{Title: "File flags", Flags: []string{"out", "record", "labels"}}
	statsFlags  = cmdhelp.Group{Title: "Monitoring flags", Flags: []string{"stats-interval", "metrics-addr"}}
)

// groupFlags gives cmd's help its source group and the shared ones.
func groupFlags(cmd *cobra.Command, source cmdhelp.Group) {
	cmdhelp.Apply(cmd, []cmdhelp.Group{source, serveFlags, natsFlags, secureFlags, fileFlags, statsFlags})
}
