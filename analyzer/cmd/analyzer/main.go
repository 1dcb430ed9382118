// Command analyzer clusters a tweet stream and draws it on a world map.
package main

import (
	"os"

	"github.com/geostream/geostream/analyzer/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
