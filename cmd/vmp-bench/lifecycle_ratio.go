package main

import (
	"fmt"
	"slices"
)

// ratioConcurrency and ratioRounds: the in-process lifecycles with the journal on are measured
// against the plain net/http client of baseline.go in rounds that take turns, so a change in
// the machine's load between two sections cannot make the ratio (issue 17's target is this
// ratio at 64 concurrent). One round's ratio moves by a tenth either way on this 2-core machine
// (0.42-0.55 in 18 rounds of one hour): seven rounds make the median a figure to compare.
const (
	ratioConcurrency = 64
	ratioRounds      = 7
)

// measureLifecycleRatio runs ratioRounds rounds of the same count of lifecycles at 64
// concurrent, vmp (journal on, embedded simulator) and the plain client (a simulator of its own
// in this process), first one then the other, and reports the median of the rounds' ratios.
func measureLifecycleRatio(scale int) ([]row, error) {
	b, stop, err := startBaseline()
	if err != nil {
		return nil, err
	}
	defer stop()
	total := lifecycleCount(ratioConcurrency, scale)
	var ratios, withVmp, plain []float64
	for round := range ratioRounds {
		var v, p float64
		// Which goes first alternates, so what one leaves behind (garbage to collect, a file
		// closed) weighs on both alike.
		for _, vmpNow := range [][]bool{{true, false}, {false, true}}[round%2] {
			if vmpNow {
				if v, _, _, err = runLifecycles(ratioConcurrency, total); err != nil {
					return nil, err
				}
			} else if p, _, _, err = runConcurrently(ratioConcurrency, total, b.lifecycle); err != nil {
				return nil, fmt.Errorf("baseline at %d concurrent: %w", ratioConcurrency, err)
			}
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
