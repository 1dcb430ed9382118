module github.com/geostream/geostream/scraper

go 1.26.8

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)

require (
	github.com/coder/websocket v1.8.15
	github.com/g8rswimmer/go-twitter/v2 v2.1.5
	github.com/geostream/geostream/shared v0.0.0
	github.com/klauspost/compress v1.20.4
	github.com/spf13/cobra v1.10.2
	github.com/valyala/fastjson v1.6.10
	go.uber.org/goleak v1.3.0
)

replace github.com/geostream/geostream/shared => ../shared
