// Command loadgen sends HTTP load to one URL and prints what the server
// answered: counts by outcome and latency percentiles. It runs on the
// reader's machine against the kind cluster's NodePort, to make the HPA
// scale the api up and down:
//
//	go run ./cmd/loadgen --url 'http://127.0.0.1:30080/api/v1/work/cpu?ms=20' --rate 50 --duration 3m --ramp 30s
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/buildinfo"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/flagenv"
	"github.com/cloudnative-go-journey/cloudnative-go-journey/v0.3/journey/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first Ctrl-C stops the load and prints the summary so far;
		// restoring the default handling lets a second one end it at once.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return
		}
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		os.Exit(1)
	}
}

// config is the command line, parsed.
type config struct {
	Load         loadgen.Config
	Progress     time.Duration
	FailOnErrors ratio
	Version      bool
}

// ratio is --fail-on-errors: off, or a maximum error ratio in [0, 1].
type ratio struct {
	set bool
	max float64
}

func (r *ratio) String() string {
	if !r.set {
		return "off"
	}
	return strconv.FormatFloat(r.max, 'g', -1, 64)
}

func (r *ratio) Set(s string) error {
	if s == "off" {
		*r = ratio{}
		return nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v >= 0 && v <= 1) {
		return fmt.Errorf("want a ratio between 0 and 1 (0.01 = 1%%) or off, got %q", s)
	}
	*r = ratio{set: true, max: v}
	return nil
}

func (r *ratio) Type() string { return "ratio" }

const usageHeader = `Usage: loadgen --url URL (--rate N | --concurrency N) [flags]

Sends HTTP requests to URL for --duration and prints a summary on stdout:
requests by outcome, throughput, and latency p50/p90/p99/max of the
successful requests. A status line on stderr shows progress. Ctrl-C stops
early and still prints the summary so far.

Two ways to make load:
  --rate N         open model: N requests start every second, whether or not
                   earlier ones have answered, like independent users. Use
                   this to see latency grow when the service is saturated.
  --concurrency N  closed model: N workers each send a request, wait for the
                   answer, and send the next. The load slows down with the
                   service, so it hides saturation; good for "as fast as it
                   can go".

Exit status: 0 when the run happened (whatever the server answered), 1 on
bad flags, or, with --fail-on-errors, when the error ratio was above it.

Every flag can also be set by the environment variable shown with it; a flag
given on the command line wins over its variable.

Flags:
`

func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	var c config
	l := &c.Load
	flags := pflag.NewFlagSet("loadgen", pflag.ContinueOnError)
	flags.SetOutput(out)
	flags.SortFlags = false
	flags.StringVar(&l.URL, "url", "", "target, http:// or https:// (required)")
	flags.Float64Var(&l.Rate, "rate", 0, fmt.Sprintf("open model: requests started per second (at most %d)", loadgen.MaxRate))
	flags.IntVar(&l.Concurrency, "concurrency", 0, fmt.Sprintf("closed model: number of workers (at most %d)", loadgen.MaxConcurrency))
	flags.DurationVar(&l.Duration, "duration", 30*time.Second, fmt.Sprintf("length of the run, ramp included (at most %s)", loadgen.MaxDuration))
	flags.DurationVar(&l.Ramp, "ramp", 0, "grow the rate or the workers linearly from 0 over this time (at most --duration)")
	flags.DurationVar(&l.Timeout, "timeout", 10*time.Second, "per request, until the end of the body")
	flags.StringVar(&l.Method, "method", "GET", "request method, sent without a body")
	flags.BoolVar(&l.NoKeepAlive, "no-keepalive", false, "a new connection per request, so a Kubernetes Service spreads the load over pods added during the run")
	flags.IntVar(&l.MaxInFlight, "max-in-flight", 1000, "open model: requests waiting for an answer at most; scheduled requests beyond it are dropped and counted")
	flags.DurationVar(&c.Progress, "progress", time.Second, "status line interval on stderr (0 turns it off)")
	flags.Var(&c.FailOnErrors, "fail-on-errors", "exit 1 if errors/completed is above this ratio (0 = any error), or if nothing succeeded")
	flags.BoolVar(&c.Version, "version", false, "print the version and exit")
	flags.Usage = func() { fmt.Fprint(out, usageHeader+flags.FlagUsages()) }

	// A variable marks its flag Changed too, which the model choice reads.
	if err := flagenv.Parse(flags, args, getenv, flagenv.Prefix("JOURNEY_LOADGEN_")); err != nil {
		return c, err
	}
	if c.Version {
		return c, nil
	}
	l.Method = strings.ToUpper(l.Method)
	// The model is chosen by which flag was given, not by its value, so
	// that --rate 0 is reported as a bad rate, not as a missing choice.
	rate, conc := flags.Changed("rate"), flags.Changed("concurrency")
	switch {
	case rate && conc:
		return c, errors.New("invalid configuration: give --rate (open model) or --concurrency (closed model), not both")
	case rate:
		l.Model = loadgen.Open
	case conc:
		l.Model = loadgen.Closed
	default:
		return c, errors.New("invalid configuration: give --rate N (open model: N requests/s) or --concurrency N (closed model: N workers)")
	}
	var errs []string
	if err := l.Validate(); err != nil {
		errs = append(errs, err.Error())
	}
	if c.Progress < 0 {
		errs = append(errs, fmt.Sprintf("progress %s must be >= 0", c.Progress))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("invalid configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	if cfg.Version {
		_, err := fmt.Fprintln(stdout, buildinfo.Get().Line("loadgen"))
		return err
	}
	res, err := loadgen.Run(ctx, cfg.Load, loadgen.Options{
		Progress:      stderr,
		ProgressEvery: cfg.Progress,
		Live:          isTerminal(stderr),
	})
	if err != nil {
		return err
	}
	// Ctrl-C still gets here: the summary so far is the point of stopping.
	if err := loadgen.WriteSummary(stdout, cfg.Load, res); err != nil {
		return err
	}
	if f := cfg.FailOnErrors; f.set {
		switch {
		case res.OK == 0:
			return errors.New("no request succeeded (--fail-on-errors)")
		case res.ErrorRatio() > f.max:
			return fmt.Errorf("error ratio %.4f above --fail-on-errors %g (%d errors of %d completed)",
				res.ErrorRatio(), f.max, res.Errors(), res.Completed())
		}
	}
	return nil
}

// isTerminal reports whether w is a character device such as a terminal,
// where the status line can rewrite itself; pipes and files get one line
// per update instead. (/dev/null is a character device too; harmless.)
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
