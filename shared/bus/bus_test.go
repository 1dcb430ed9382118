package bus_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/geostream/geostream/shared/bus"
	"github.com/geostream/geostream/shared/bus/bustest"
	"github.com/geostream/geostream/shared/wire/wiretest"
)

// TestConnectPassesCredentialsAndTLS: each way of authenticating reaches
// a server that demands it, JetStream answers over it, and the same
// options without the secret are refused at once.
func TestConnectPassesCredentialsAndTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := wiretest.Cert(t, dir)
	credsOpt, creds := bustest.Creds(t, dir)
	cases := []struct {
		name   string
		server []bustest.Option
		good   bus.Options
		bad    bus.Options // what is missing or wrong
		errHas string
	}{
		{"token", []bustest.Option{bustest.Token("s3cret")}, bus.Options{Token: "s3cret"}, bus.Options{Token: "wrong"}, "authorization"},
		{"user and password", []bustest.Option{bustest.User("geo", "pw")}, bus.Options{User: "geo", Password: "pw"}, bus.Options{User: "geo", Password: "nope"}, "authorization"},
		{"credentials file", []bustest.Option{credsOpt}, bus.Options{Creds: creds}, bus.Options{}, "authorization"},
		{"TLS", []bustest.Option{bustest.TLS(t, cert, key, "", false)}, bus.Options{TLSCA: cert}, bus.Options{}, "certificate"},
		{"TLS with a client certificate", []bustest.Option{bustest.TLS(t, cert, key, cert, true)},
			bus.Options{TLSCA: cert, TLSCert: cert, TLSKey: key}, bus.Options{TLSCA: cert}, ""},
		{"TLS server name", []bustest.Option{bustest.TLS(t, cert, key, "", false)},
			bus.Options{TLSCA: cert, TLSServerName: "localhost"}, bus.Options{TLSCA: cert, TLSServerName: "elsewhere.example"}, "elsewhere.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := bustest.Run(t, c.server...)
			c.good.URL, c.bad.URL = s.URL(), s.URL()
			nc, js, err := bus.JetStream(c.good, nil)
			if err != nil {
				t.Fatalf("connecting with the right options: %v", err)
			}
			defer nc.Close()
			if _, err := js.AccountInfo(t.Context()); err != nil {
				t.Fatalf("JetStream over the connection: %v", err)
			}
			bad, err := bus.Connect(c.bad)
			if err == nil {
				bad.Close()
				t.Fatal("connected without the right credentials")
			}
			if !strings.Contains(strings.ToLower(err.Error()), strings.ToLower(c.errHas)) {
				t.Fatalf("error %q does not say %q", err, c.errHas)
			}
			for _, secret := range []string{"s3cret", "pw", "nope", "wrong"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q holds a secret", err)
				}
			}
		})
	}
}

func TestEnvFillsOnlyWhatIsUnset(t *testing.T) {
	env := map[string]string{bus.EnvUser: "u", bus.EnvPassword: "p", bus.EnvToken: "t", bus.EnvCreds: "c"}
	o := bus.Options{User: "flag-user"}
	o.Env(func(k string) string { return env[k] })
	if o.User != "flag-user" || o.Password != "p" || o.Token != "t" || o.Creds != "c" {
		t.Fatalf("after Env: %+v", o)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		o    bus.Options
		ok   bool
	}{
		{"plain", bus.Options{URL: "nats://127.0.0.1:4222"}, true},
		{"a cluster", bus.Options{URL: "nats://a:4222, nats://b:4222"}, true},
		{"tls scheme", bus.Options{URL: "tls://a:4222"}, true},
		{"no url", bus.Options{}, false},
		{"host only", bus.Options{URL: "127.0.0.1:4222"}, false},
		{"http", bus.Options{URL: "http://a:4222"}, false},
		{"cert without key", bus.Options{URL: "nats://a:1", TLSCert: "c"}, false},
		{"password without user", bus.Options{URL: "nats://a:1", Password: "p"}, false},
		{"token and creds", bus.Options{URL: "nats://a:1", Token: "t", Creds: "c"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.o.Validate(); (err == nil) != c.ok {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	got := bus.Redact("nats://geo:s3cret@a:4222,nats://b:4222")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "geo:") || !strings.Contains(got, "b:4222") {
		t.Fatalf("Redact: %q", got)
	}
	// A user without a password is a token to NATS.
	if got := bus.Redact("nats://s3cr3tTOKEN@host:4222,tls://b:4222"); strings.Contains(got, "s3cr3tTOKEN") || !strings.Contains(got, "@host:4222") || !strings.Contains(got, "tls://b:4222") {
		t.Fatalf("Redact of a token URL: %q", got)
	}
}

// FuzzRedact: whatever the URL list, Redact never panics and never keeps
// a password it was given.
func FuzzRedact(f *testing.F) {
	f.Add("u", "s3cret", "a:4222")
	f.Add("", "p", "")
	f.Add("u@x", "p:w@d", "h:1,nats://b:2")
	f.Fuzz(func(t *testing.T, user, password, rest string) {
		without := url.User(user).String() + "@" + bus.Redact("nats://"+rest)
		if len(password) < 4 || strings.Contains(without, password) || strings.Contains(without, url.QueryEscape(password)) ||
			strings.Contains(password, ",") {
			return // the user or the rest holds it anyway, or it splits the list
		}
		in := "nats://" + url.UserPassword(user, password).String() + "@" + rest
		if got := bus.Redact(in); strings.Contains(got, password) || strings.Contains(got, url.QueryEscape(password)) {
			t.Fatalf("Redact(%q) = %q keeps the password", in, got)
		}
	})
}

// TestComplete: the URL and the name are set, the credentials taken from
// the environment where no flag gave them, and the result checked.
func TestComplete(t *testing.T) {
	env := map[string]string{bus.EnvUser: "geo", bus.EnvPassword: "pw"}
	var o bus.Options
	if err := o.Complete("nats://127.0.0.1:4222", "geostream test", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if o.URL != "nats://127.0.0.1:4222" || o.Name != "geostream test" || o.User != "geo" || o.Password != "pw" {
		t.Fatalf("completed as %+v", o)
	}
	o = bus.Options{Token: "t"} // a token flag beside a user from the environment: two ways at once
	if err := o.Complete("nats://127.0.0.1:4222", "x", func(k string) string { return env[k] }); err == nil {
		t.Fatal("two ways of authenticating accepted")
	}
	if err := (&bus.Options{}).Complete("127.0.0.1:4222", "x", nil); err == nil {
		t.Fatal("a URL without a scheme accepted")
	}
}
