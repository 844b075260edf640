package flagenv

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

type settings struct {
	addr    string
	timeout time.Duration
	dry     bool
	version bool
}

func parse(t *testing.T, args []string, env map[string]string) (settings, *pflag.FlagSet, string, error) {
	t.Helper()
	var s settings
	var out bytes.Buffer
	flags := pflag.NewFlagSet("cmd", pflag.ContinueOnError)
	flags.SetOutput(&out)
	flags.StringVar(&s.addr, "redis-addr", "localhost:6379", "address")
	flags.DurationVar(&s.timeout, "timeout", time.Second, "timeout")
	flags.BoolVar(&s.dry, "dry-run", false, "dry run")
	flags.BoolVar(&s.version, "version", false, "print the version")
	err := Parse(flags, args, func(k string) string { return env[k] }, Prefix("APP_"))
	return s, flags, out.String(), err
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    settings
		wantErr []string
	}{
		{name: "defaults", want: settings{addr: "localhost:6379", timeout: time.Second}},
		{name: "env-fills-unset-flags", env: map[string]string{"APP_REDIS_ADDR": "r:1", "APP_TIMEOUT": "3s", "APP_DRY_RUN": "true"},
			want: settings{addr: "r:1", timeout: 3 * time.Second, dry: true}},
		{name: "flag-wins-over-env", args: []string{"--timeout", "2s"}, env: map[string]string{"APP_TIMEOUT": "3s"},
			want: settings{addr: "localhost:6379", timeout: 2 * time.Second}},
		{name: "empty-env-is-unset", env: map[string]string{"APP_REDIS_ADDR": ""}, want: settings{addr: "localhost:6379", timeout: time.Second}},
		{name: "version-is-command-line-only", env: map[string]string{"APP_VERSION": "true"}, want: settings{addr: "localhost:6379", timeout: time.Second}},
		{name: "bad-env-values-all-named", env: map[string]string{"APP_TIMEOUT": "soon", "APP_DRY_RUN": "maybe"},
			wantErr: []string{`env APP_TIMEOUT="soon"`, `env APP_DRY_RUN="maybe"`}},
		{name: "bad-flag", args: []string{"--timeout", "soon"}, wantErr: []string{`invalid argument "soon" for "--timeout"`}},
		{name: "positional-refused", args: []string{"now"}, wantErr: []string{`unexpected arguments ["now"] (cmd takes only flags`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, _, err := parse(t, tt.args, tt.env)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("got %+v, want an error containing %q", got, tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseMarksEnvFlagsChanged(t *testing.T) {
	_, flags, _, err := parse(t, nil, map[string]string{"APP_DRY_RUN": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if !flags.Changed("dry-run") || flags.Changed("timeout") {
		t.Errorf("Changed(dry-run)=%v Changed(timeout)=%v, want true, false", flags.Changed("dry-run"), flags.Changed("timeout"))
	}
}

func TestUsageNamesVariables(t *testing.T) {
	_, _, out, err := parse(t, []string{"--help"}, nil)
	if err != pflag.ErrHelp {
		t.Fatalf("err = %v, want pflag.ErrHelp", err)
	}
	for _, want := range []string{"address [env APP_REDIS_ADDR]", "dry run [env APP_DRY_RUN]"} {
		if !strings.Contains(out, want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "APP_VERSION") {
		t.Errorf("usage offers APP_VERSION; --version is command-line only:\n%s", out)
	}
}
