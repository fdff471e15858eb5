package main

import (
	"bufio"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// measureScanLatency runs the scanner's own Go benchmarks (scanner/bench_linux_test.go), which
// drive the real serial driver through a pseudo-terminal, and reads the figures they report:
// from the last byte of a code written into the pty to the till's callback being entered, or
// its pull call returning; and the scans per second the reader sustains.
func measureScanLatency(scale int) ([]row, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	n, many := max(2000/scale, 50), max(200000/scale, 1000)
	got, err := goBenchmarks(root, "./scanner/", "^BenchmarkScanLatencyPtyTo(Callback|Pull)$", n)
	if err != nil {
		return nil, err
	}
	throughput, err := goBenchmarks(root, "./scanner/", "^BenchmarkScanThroughputPty$", many)
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, b := range []struct{ name, metric string }{
		{"BenchmarkScanLatencyPtyToCallback", "scan latency, pty to vmp_on_scan callback, median / p99"},
		{"BenchmarkScanLatencyPtyToPull", "scan latency, pty to vmp_next_scan returning, median / p99"},
	} {
		m, ok := got[b.name]
		if !ok {
			return nil, fmt.Errorf("no %s in the scanner benchmarks' output", b.name)
		}
		rows = append(rows, row{Section: "scanner", Metric: b.metric, Value: m["p50-µs"] / 1000, Unit: "ms",
			Note: fmt.Sprintf("p99 %.2f ms; %d codes through a real pseudo-terminal and the serial driver (scanner/bench_linux_test.go)", m["p99-µs"]/1000, n)})
	}
	if m, ok := throughput["BenchmarkScanThroughputPty"]; ok {
		rows = append(rows, row{Section: "scanner", Metric: "scans per second one reader sustains", Value: m["scans/s"], Unit: "1/s",
			Note: fmt.Sprintf("%d codes written as fast as the pty takes them, pulled as they come", many)})
	}
	return rows, nil
}

// goBenchmarks runs `go test -bench pattern -benchtime Nx` in a package (bounded in time) and
// parses what the benchmarks report.
func goBenchmarks(root, pkg, pattern string, n int) (map[string]map[string]float64, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-benchtime", fmt.Sprintf("%dx", n), "-count", "1", pkg)
	cmd.Dir = root
	out, err := runBounded(cmd, 10*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, out)
	}
	return parseBenchmarks(out), nil
}

// parseBenchmarks reads `go test -bench` output: for each benchmark (the -N CPU suffix cut),
// its metrics by unit, e.g. "BenchmarkX-2  100  1234 ns/op  65.0 p50-µs".
func parseBenchmarks(output string) map[string]map[string]float64 {
	got := map[string]map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(output))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		m := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				m[f[i+1]] = v
			}
		}
		got[name] = m
	}
	return got
}
