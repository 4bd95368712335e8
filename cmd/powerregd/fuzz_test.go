package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// fileLine finds the places an error points at: path:line:.
var fileLine = regexp.MustCompile(`\.toml:([0-9]+):`)

// FuzzConfigFile: whatever a config file holds, powerregd either refuses
// it with a bilingual message that points at a line of the file (never
// line 0), or takes exactly the options that the same keys given as flags
// would give.
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		"data-dir = \"/var/lib/powerreg\"\nhttp-addr = \"0.0.0.0:8443\"\nregion = \"511602\"\n",
		"cors-origin = [\"https://portal.example.gov.cn\", \"*\"]\ntrusted-proxy = \"10.0.0.0/8, 127.0.0.1\"\n",
		"rate-limit = 2.5\nrate-burst = 10\nmax-request-bytes = 1048576\nread-timeout = \"30s\"\ndemo = true\n",
		"log-level = \"debug\"\nlog-format = \"json\"\n# 注释\n\"region\" = '430400'\n",
		"jwt-issuer = \"https://sso.example.gov.cn\"\n", "jwks = \"/etc/sso.json\"\njwt-audience = \"powerreg\"\n",
		"read-timeout = 45\n", "data_dir = \"/srv\"\n", "config = \"x.toml\"\n", "[server]\nregion = \"430100\"\n",
		"region = { a = 1 }\n", "rate-burst = 1e3\n", "region =\n", "", "demo = \"yes\"\n", "a.b = 1\n",
		"trusted-proxy = \"not an address\"\n", "max-request-bytes = 9223372036854775807\n", "rate-limit = nan\n",
	} {
		f.Add(s)
	}
	path := filepath.Join(f.TempDir(), "powerregd.toml")
	parse := func(args []string) (*options, error) {
		fs := flag.NewFlagSet("powerregd", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		return parseFlags(fs, args, func(string) (string, bool) { return "", false })
	}
	f.Fuzz(func(t *testing.T, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		o, err := parse([]string{"--config", path})
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, " / ") {
				t.Fatalf("config %q: %q is not bilingual", text, msg)
			}
			for _, m := range fileLine.FindAllStringSubmatch(msg, -1) {
				if m[1] == "0" && !strings.Contains(text, `\`) { // a key spelt with escapes is not found by its text
					t.Fatalf("config %q: %q points at line 0", text, msg)
				}
			}
			return
		}
		// The same settings as flags.
		var raw map[string]any
		if _, err := toml.Decode(text, &raw); err != nil {
			t.Fatalf("config %q was taken, yet it does not decode: %v", text, err)
		}
		var args []string
		for key, v := range raw {
			values, err := flagStrings(v)
			if err != nil {
				t.Fatalf("config %q: key %s was taken, yet %v", text, key, err)
			}
			for _, s := range values {
				args = append(args, "--"+key+"="+s)
			}
		}
		o2, err := parse(args)
		if err != nil {
			t.Fatalf("config %q gives %+v, the same as flags %q fail: %v", text, o, args, err)
		}
		o.config = ""
		if !reflect.DeepEqual(o, o2) {
			t.Fatalf("config %q gives\n%+v\nthe same as flags %q give\n%+v", text, o, args, o2)
		}
	})
}
