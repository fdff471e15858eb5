// Command vmp-sim runs the Vipps MobilePay simulator of package core/sim on its own, for test
// rigs that are not written in Go or do not load libvmp: it serves the same wire contract as
// the simulator embedded in the library (access token, ePayment, QR exchange, Check-in, Login
// CIBA, userinfo) and its control API, until SIGINT or SIGTERM.
//
//	go run ./cmd/vmp-sim -addr 127.0.0.1:8080
//
// `vmp-sim --help` lists the flags, the magic customers and the control API; that part of the
// help is generated from core/sim/doc.go (see simdoc.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmp-dev/vmp/core/sim"
	"github.com/vmp-dev/vmp/core/wirejson"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// settings are the command line, parsed.
type settings struct {
	addr         string
	allowRemote  bool
	approveDelay time.Duration
	expiry       time.Duration
	fakeClock    bool
	faultSeed    int64
	// The default sales unit's settings at Vipps (sim.UnitRules) and the failure amounts.
	unit           sim.UnitRules
	failureAmounts bool
}

// run is the whole command: it returns the exit status (0 after a signal, 2 for a bad command
// line, 1 when the simulator cannot start) once ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	s, err := parseFlags(args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	opts := sim.Options{
		Addr:           s.addr,
		AllowRemote:    s.allowRemote,
		ApproveDelay:   s.approveDelay,
		PaymentExpiry:  s.expiry,
		FaultSeed:      s.faultSeed,
		UnitRules:      map[string]sim.UnitRules{sim.DefaultCredentials.MSN: s.unit},
		FailureAmounts: s.failureAmounts,
	}
	if opts.ApproveDelay == 0 { // sim.Options reads 0 as "the default": 0 here means at once
		opts.ApproveDelay = -1
	}
	if s.fakeClock {
		opts.Clock = sim.NewFakeClock(time.Now())
	}
	srv, err := sim.Start(opts)
	if err != nil {
		fmt.Fprintf(stderr, "vmp-sim: %v\n", err)
		if !s.allowRemote && strings.Contains(err.Error(), "loopback") {
			fmt.Fprintln(stderr, "vmp-sim: add -allow-remote to listen where other machines can reach it")
		}
		return 1
	}
	printBanner(stdout, srv.URL(), s)
	<-ctx.Done()
	fmt.Fprintln(stdout, "vmp-sim: stopping")
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "vmp-sim: %v\n", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stdout, stderr io.Writer) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("vmp-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.addr, "addr", "127.0.0.1:8080", "listen address `host:port`; port 0 picks a free one. Loopback only, unless -allow-remote")
	fs.BoolVar(&s.allowRemote, "allow-remote", false, "allow a non-loopback -addr (e.g. 0.0.0.0:8080) so other machines can reach the simulator.\nAnyone who reaches it can approve payments and inject faults: no authentication, no TLS")
	fs.DurationVar(&s.approveDelay, "approve-delay", time.Second, "how long a magic customer takes to approve or decline (0: at once)")
	fs.DurationVar(&s.expiry, "expiry", 10*time.Minute, "how long an unanswered payment lives before it EXPIRES")
	fs.BoolVar(&s.fakeClock, "fake-clock", false, "run on a fake clock that moves only with POST /sim/clock/advance {\"ms\": N},\nso expiry tests need no waiting")
	fs.Int64Var(&s.faultSeed, "fault-seed", 0, "seed for faults injected with a probability, to repeat a run (0: from the time)")
	fs.StringVar(&s.unit.Market, "market", "NO", "the sales unit's market: NO (NOK), DK (DKK) or FI (EUR); another currency is 5040")
	fs.BoolVar(&s.unit.PushNotAllowed, "push-not-allowed", false, "the sales unit is not approved for push requests (5080)")
	fs.BoolVar(&s.unit.FullCaptureOnly, "full-capture-only", false, "the sales unit may not capture partially (6140)")
	fs.BoolVar(&s.failureAmounts, "failure-amounts", false, "the test environment's failure amounts fail (1.51 refused by the card, refund of 1.23 not possible, ...)")
	fs.Usage = func() { usage(stdout, fs) }
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vmp-sim: unexpected argument %q (see vmp-sim -help)\n", fs.Arg(0))
		return s, errors.New("unexpected argument")
	}
	if s.approveDelay < 0 || s.expiry <= 0 {
		fmt.Fprintln(stderr, "vmp-sim: -approve-delay must be 0 or more and -expiry more than 0")
		return s, errors.New("bad duration")
	}
	return s, nil
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `vmp-sim - the Vipps MobilePay simulator of vmp, standalone

Usage: vmp-sim [flags]

Serves the Vipps wire contract that vmp uses (access token, ePayment, QR exchange, Check-in,
Login CIBA, userinfo) and a control API on one HTTP address, until Ctrl+C (SIGINT) or SIGTERM.
It prints its base URL and the API keys it accepts. Point a Vipps client at the base URL
instead of https://apitest.vipps.no, or give libvmp the configuration it prints.

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprint(w, "\nFrom the simulator's documentation (core/sim/doc.go):\n\n")
	fmt.Fprint(w, simDoc)
}

// printBanner says where the simulator listens and how to reach it.
func printBanner(w io.Writer, url string, s settings) {
	c := sim.DefaultCredentials
	clock := "the real clock"
	if s.fakeClock {
		clock = "a fake clock (POST /sim/clock/advance moves it)"
	}
	fmt.Fprintf(w, "vmp-sim: Vipps MobilePay simulator at %s\n", url)
	fmt.Fprintf(w, "  base URL                   %s\n", url)
	fmt.Fprintf(w, "  client_id                  %s\n", c.ClientID)
	fmt.Fprintf(w, "  client_secret              %s\n", c.ClientSecret)
	fmt.Fprintf(w, "  Ocp-Apim-Subscription-Key  %s\n", c.SubscriptionKey)
	fmt.Fprintf(w, "  Merchant-Serial-Number     %s\n", c.MSN)
	fmt.Fprintf(w, "  customers answer after %s; payments expire after %s; %s\n", s.approveDelay, s.expiry, clock)
	fmt.Fprintf(w, "vmp config: %s\n", libraryConfig(url))
	fmt.Fprintf(w, "  store dashboard            %s/sim/ui/\n", url)
	fmt.Fprintf(w, "  a customer's phone         %s/sim/ui/phone/%s\n", url, sim.MSISDNWaitsForControl)
	fmt.Fprintln(w, "vmp-sim: ready; control API under /sim/ (vmp-sim -help); stop with Ctrl+C")
}

// libraryConfig is the vmp_init configuration that points libvmp at this simulator (the
// fields of core.Config that matter here; JSON objects print with their keys sorted).
func libraryConfig(url string) string {
	c := sim.DefaultCredentials
	data, err := wirejson.Marshal(map[string]string{
		"environment":      "simulator",
		"base_url":         url,
		"client_id":        c.ClientID,
		"client_secret":    c.ClientSecret,
		"subscription_key": c.SubscriptionKey,
		"msn":              c.MSN,
	})
	if err != nil {
		return fmt.Sprintf("(cannot encode: %v)", err)
	}
	return string(data)
}
