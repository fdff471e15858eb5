package main

import (
	"fmt"
	"slices"
)

// ratioConcurrency and ratioRounds: the in-process lifecycles with the journal on are measured
// against the plain net/http client of baseline.go in rounds that take turns, so a change in
// the machine's load between two sections cannot make the ratio (issue 17's target is this
// ratio at 64 concurrent).
const (
	ratioConcurrency = 64
	ratioRounds      = 3
)

// measureLifecycleRatio runs ratioRounds rounds of the same count of lifecycles at 64
// concurrent, vmp (journal on, embedded simulator) and then the plain client (a simulator of
// its own in this process), and reports the median of the rounds' ratios.
func measureLifecycleRatio(scale int) ([]row, error) {
	b, stop, err := startBaseline()
	if err != nil {
		return nil, err
	}
	defer stop()
	total := lifecycleCount(ratioConcurrency, scale)
	var ratios, withVmp, plain []float64
	for range ratioRounds {
		v, _, _, err := runLifecycles(ratioConcurrency, total)
		if err != nil {
			return nil, err
		}
		p, _, _, err := runConcurrently(ratioConcurrency, total, b.lifecycle)
		if err != nil {
			return nil, fmt.Errorf("baseline at %d concurrent: %w", ratioConcurrency, err)
		}
		ratios, withVmp, plain = append(ratios, v/p), append(withVmp, v), append(plain, p)
	}
	rounds := ""
	for i := range ratios {
		rounds += fmt.Sprintf("%s%.0f / %.0f", map[bool]string{true: "", false: "; "}[i == 0], withVmp[i], plain[i])
	}
	slices.Sort(ratios)
	return []row{{Section: "lifecycles (journal on)", Metric: fmt.Sprintf("journal on / plain net/http, %d concurrent, median of %d rounds taking turns", ratioConcurrency, ratioRounds),
		Value: ratios[len(ratios)/2], Unit: "x", Note: fmt.Sprintf("%d lifecycles a round each; rounds (lifecycles/s, journal on / plain): %s", total, rounds)}}, nil
}
