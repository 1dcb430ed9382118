// Package field reports a bad setting by the name of its field, so that a
// library caller reads the Go name ("K must be between 1 and 1000") while a
// command rewrites it to the flag its user typed ("--k must be between 1
// and 1000"). Packages return *Error from their options' Validate; the
// command that maps flags to fields calls Rename.
package field

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a bad value for one or more settings.
type Error struct {
	// Fields are the Go names of the settings, as in the options struct
	// ("K", "Window.Slide"); the reason is about all of them together.
	Fields []string
	// Reason follows the names: "must be between 1 and 1000".
	Reason string
}

// Errorf returns an *Error for one field.
func Errorf(name, format string, args ...any) error {
	return &Error{Fields: []string{name}, Reason: fmt.Sprintf(format, args...)}
}

// Errorsf returns an *Error about several fields together ("Batch, Window
// and Slide must be positive").
func Errorsf(names []string, format string, args ...any) error {
	return &Error{Fields: names, Reason: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string { return join(e.Fields) + " " + e.Reason }

// Rename returns err with the fields of any *Error in it renamed by names
// (Go name to flag, e.g. "K" to "--k"); a field not in names keeps its Go
// name. Other errors are returned as they are.
func Rename(err error, names map[string]string) error {
	var fe *Error
	if !errors.As(err, &fe) {
		return err
	}
	out := make([]string, len(fe.Fields))
	for i, f := range fe.Fields {
		if n, ok := names[f]; ok {
			out[i] = n
		} else {
			out[i] = f
		}
	}
	return &Error{Fields: out, Reason: fe.Reason}
}

func join(names []string) string {
	switch len(names) {
	case 0:
		return "a setting"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
