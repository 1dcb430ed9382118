// Command scraper pulls tweets and serves them as newline-delimited JSON.
package main

import (
	"os"

	"github.com/geostream/geostream/scraper/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
