// Command vmp-bench measures the figures vmp publishes and prints them as one table; with
// -json it also writes them as JSON. `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// row is one published figure.
type row struct {
	Section string  `json:"section"`
	Metric  string  `json:"metric"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Note    string  `json:"note,omitempty"`
}

type report struct {
	Machine  machine `json:"machine"`
	Started  string  `json:"started"`
	Duration string  `json:"duration"`
	Rows     []row   `json:"rows"`
}

type machine struct {
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	OS     string `json:"os"`
	Go     string `json:"go"`
	Memory string `json:"memory"`
}

func main() {
	jsonPath := flag.String("json", "", "also write the table as JSON to this file")
	quick := flag.Bool("quick", false, "fewer iterations (for a smoke run in tests)")
	only := flag.String("only", "", "run only these measurements, comma-separated: "+measurementNames())
	flag.Parse()

	start := time.Now()
	scale := 1
	if *quick {
		scale = 10
	}
	var rows []row
	for _, m := range measurements {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), m.name) {
			continue
		}
		got, err := m.run(scale)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vmp-bench: %v\n", err)
			os.Exit(1)
		}
		rows = append(rows, got...)
	}
	r := report{Machine: describeMachine(), Started: start.UTC().Format(time.RFC3339), Duration: time.Since(start).Round(time.Second).String(), Rows: rows}
	printTable(r)
	if *jsonPath != "" {
		data, err := wirejson.Marshal(r)
		if err == nil {
			err = os.WriteFile(*jsonPath, data, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "vmp-bench: writing %s: %v\n", *jsonPath, err)
			os.Exit(1)
		}
	}
}

// measurements run in order; each returns its rows. scale > 1 divides the iteration counts.
var measurements = []struct {
	name string
	run  func(scale int) ([]row, error)
}{
	{"journal", measureJournalWrites},
	{"lifecycles", measureLifecycles},
	{"baseline", measureBaselineLifecycles},
	{"lifecycle-ratio", measureLifecycleRatio},
	{"lifecycles-http", measureLifecyclesOverHTTP},
	{"webhooks", measureWebhookLatency},
	{"bindings", measureBindings},
	{"scanner", measureScanLatency},
	{"footprint", measureFootprint},
	{"find", measureFinding},
	{"ledger", measureLedger},
}

func measurementNames() string {
	var names []string
	for _, m := range measurements {
		names = append(names, m.name)
	}
	return strings.Join(names, ", ")
}

func printTable(r report) {
	fmt.Printf("vmp benchmark — %s, %d cores, %s, %s, %s (took %s)\n\n", r.Machine.CPU, r.Machine.Cores, r.Machine.Memory, r.Machine.OS, r.Machine.Go, r.Duration)
	ws, wm := len("section"), len("metric") // the columns are as wide as their longest entry
	for _, x := range r.Rows {
		ws, wm = max(ws, utf8.RuneCountInString(x.Section)), max(wm, utf8.RuneCountInString(x.Metric))
	}
	fmt.Printf("| %-*s | %-*s | %12s | %-8s | %s\n", ws, "section", wm, "metric", "value", "unit", "note")
	fmt.Printf("|%s|%s|%s|%s|%s\n", strings.Repeat("-", ws+2), strings.Repeat("-", wm+2), strings.Repeat("-", 14), strings.Repeat("-", 10), strings.Repeat("-", 6))
	for _, x := range r.Rows {
		fmt.Printf("| %s | %s | %12s | %-8s | %s\n", pad(x.Section, ws), pad(x.Metric, wm), formatValue(x.Value), x.Unit, x.Note)
	}
}

// pad fills s with spaces to n characters (runes: the metrics hold µ and …).
func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(0, n-utf8.RuneCountInString(s)))
}

func formatValue(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func describeMachine() machine {
	m := machine{CPU: "unknown", Cores: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version(), Memory: "unknown"}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				if _, v, ok := strings.Cut(line, ":"); ok {
					m.CPU = strings.TrimSpace(v)
					break
				}
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			m.Memory = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return m
}
