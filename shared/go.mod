module github.com/geostream/geostream/shared

go 1.26.8

require (
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	github.com/valyala/fastjson v1.6.10
)

require github.com/inconshreveable/mousetrap v1.1.0 // indirect
