// Package flagenv is how every command reads its settings: flags on the
// command line, and for each flag not given there its environment variable,
// so a Kubernetes manifest can use either. Both sources go through the
// flag's own pflag.Value, so they accept the same syntax and fail the same way.
package flagenv

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// Names maps a flag name to its environment variable.
type Names func(flag string) string

// Prefix names a flag's variable prefix + the flag in upper case with
// underscores: with "JOURNEY_", --log-dir is JOURNEY_LOG_DIR.
func Prefix(prefix string) Names {
	return func(flag string) string {
		return prefix + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(flag))
	}
}

// commandLineOnly are flags that make no sense in a manifest.
var commandLineOnly = map[string]bool{"help": true, "version": true}

// Parse appends " [env NAME]" to each flag's usage, parses args, and then
// sets every flag not given on the command line from its variable when that
// is non-empty (flag > variable > default). Positional arguments are
// refused: every command here takes flags only. Errors from the
// environment name the variable; all of them are reported at once.
func Parse(flags *pflag.FlagSet, args []string, getenv func(string) string, names Names) error {
	flags.VisitAll(func(f *pflag.Flag) {
		if !commandLineOnly[f.Name] {
			f.Usage += fmt.Sprintf(" [env %s]", names(f.Name))
		}
	})
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (%s takes only flags; quote a value that contains spaces, & or ?)", flags.Args(), flags.Name())
	}
	var errs []error
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Changed || commandLineOnly[f.Name] {
			return
		}
		name := names(f.Name)
		if v := getenv(name); v != "" {
			// flags.Set marks the flag Changed, so callers can ask
			// flags.Changed whichever source set it.
			if err := flags.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("env %s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}
