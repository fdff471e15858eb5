package main

import "testing"

func TestBenchmarkOutputIsReadByNameAndUnit(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/vmp-dev/vmp/scanner
cpu: AMD EPYC
BenchmarkScanLatencyPtyToCallback-2   	    2000	     61234 ns/op	        18.00 p50-µs	       201.0 p99-µs
BenchmarkScanLatencyPtyToPull         	    2000	     58000 ns/op	        22.00 p50-µs	       170.0 p99-µs
BenchmarkScanThroughputPty-16         	  200000	      3100 ns/op	    322580 scans/s
PASS
ok  	github.com/vmp-dev/vmp/scanner	1.234s
`
	got := parseBenchmarks(out)
	tests := []struct {
		name, unit string
		want       float64
	}{
		{"BenchmarkScanLatencyPtyToCallback", "p50-µs", 18},
		{"BenchmarkScanLatencyPtyToCallback", "p99-µs", 201},
		{"BenchmarkScanLatencyPtyToPull", "p50-µs", 22},
		{"BenchmarkScanThroughputPty", "scans/s", 322580},
		{"BenchmarkScanThroughputPty", "ns/op", 3100},
	}
	for _, tt := range tests {
		if v := got[tt.name][tt.unit]; v != tt.want {
			t.Errorf("%s %s = %v; want %v (parsed %v)", tt.name, tt.unit, v, tt.want, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("parsed %d benchmarks; want 3: %v", len(got), got)
	}
}
