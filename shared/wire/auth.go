package wire

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

// AuthPrefix starts the first line a client sends when the server has a token.
const AuthPrefix = "AUTH "

// ErrAuth is returned when a client's first line does not carry the token.
// Its text never contains either token.
var ErrAuth = errors.New("wire: authentication failed")

// WriteAuth sends the AUTH line for token.
func WriteAuth(w io.Writer, token string) error {
	if _, err := io.WriteString(w, AuthPrefix+token+"\n"); err != nil {
		return fmt.Errorf("sending auth line: %w", err)
	}
	return nil
}

// CheckAuth reports whether line (the client's first line, without its line
// ending) carries token. The comparison takes the same time whatever the
// line holds.
func CheckAuth(line []byte, token string) error {
	got, ok := bytes.CutPrefix(line, []byte(AuthPrefix))
	if !ok {
		// Compare anyway so a missing prefix takes as long as a wrong token.
		got = nil
	}
	if subtle.ConstantTimeCompare(got, []byte(token)) != 1 || !ok {
		return ErrAuth
	}
	return nil
}
