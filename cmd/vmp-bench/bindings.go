package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// measureBindings runs the C host's, and the bindings' own, bench programs - C calling the
// dlopen'ed library (chost/host.c), Python through ctypes, C# through P/Invoke on Mono - and
// reads their lines "bench: <metric> <nanoseconds>". A binding whose runtime is not installed
// is skipped with a note (make test installs them).
func measureBindings(scale int) ([]row, error) {
	n := strconv.Itoa(max(200000/scale, 1000))
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	lib, err := builtLibrary(root)
	if err != nil {
		return nil, err
	}
	var rows []row
	host, err := buildHost(root)
	if err != nil {
		return nil, err
	}
	got, err := runBench(host, []string{host, "calls", lib, strconv.Itoa(max(10000000/scale, 10000))}, nil)
	if err != nil {
		return nil, err
	}
	rows = append(rows, bindingRows("C (dlopen, function pointer)", got)...)
	python := []string{"python3", filepath.Join(root, "bindings/python/bench.py"), n}
	got, err = runBench("python3", python, nil)
	if err != nil {
		return nil, err
	}
	rows = append(rows, bindingRows("Python (ctypes)", got)...)
	if _, err := exec.LookPath("mcs"); err == nil {
		if out, err := exec.Command(filepath.Join(root, "bindings/csharp/build.sh")).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building the C# bench: %v: %s", err, out)
		}
		got, err := runBench("mono", []string{"mono", "VmpBench.exe", n}, func(c *exec.Cmd) { c.Dir = filepath.Join(root, "build/csharp") })
		if err != nil {
			return nil, err
		}
		rows = append(rows, bindingRows("C# (P/Invoke, Mono)", got)...)
	} else {
		fmt.Fprintln(os.Stderr, "vmp-bench: mcs not installed; the C# figures are skipped (make deps installs it)")
	}
	return rows, nil
}

// builtLibrary is build/libvmp.so, built first when missing: go test runs before make lib.
func builtLibrary(root string) (string, error) {
	lib := filepath.Join(root, "build", "libvmp.so")
	if _, err := os.Stat(lib); err != nil {
		build := exec.Command("go", "build", "-buildmode=c-shared", "-o", "build/libvmp.so", "./capi")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			return "", fmt.Errorf("building build/libvmp.so for the figures: %v: %s", err, out)
		}
		_ = os.Remove(filepath.Join(root, "build", "libvmp.h")) // cgo's header is not the contract
	}
	return lib, nil
}

// repoRoot is the source tree's root (the folder with go.mod), from wherever this runs (go test
// runs in cmd/vmp-bench).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for i := 0; i < 10; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		dir = filepath.Dir(dir)
	}
	return "", fmt.Errorf("no go.mod above the working folder")
}

var bindingMetrics = []struct{ suffix, metric string }{
	{"status_str_ns", "one vmp_status_str call (no I/O)"},
	{"status_str_raw_ns", "one vmp_status_str call, raw ctypes function (no I/O)"},
	{"poll_status_memory_ns", "one vmp_poll_status, wait 0, answered from memory"},
}

func bindingRows(section string, got map[string]float64) []row {
	var rows []row
	for _, m := range bindingMetrics {
		for name, v := range got {
			if strings.HasSuffix(name, "_"+m.suffix) {
				rows = append(rows, row{Section: "ABI call cost (no I/O)", Metric: section + ": " + m.metric, Value: v, Unit: "ns",
					Note: "best of 5 rounds of many calls, through the public API of each"})
			}
		}
	}
	return rows
}

// runBench runs an external bench program (bounded in time) and parses its "bench:" lines.
func runBench(tool string, argv []string, setup func(*exec.Cmd)) (map[string]float64, error) {
	if _, err := exec.LookPath(tool); err != nil {
		fmt.Fprintf(os.Stderr, "vmp-bench: %s not installed; skipped\n", tool)
		return nil, nil
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	if setup != nil {
		setup(cmd)
	}
	out, err := runBounded(cmd, 5*time.Minute)
	if err != nil {
		return nil, err
	}
	got := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "bench:" {
			if v, err := strconv.ParseFloat(f[2], 64); err == nil {
				got[f[1]] = v
			}
		}
	}
	return got, nil
}

// runBounded runs cmd, killing it after limit, and returns its standard output; its standard
// error goes to ours.
func runBounded(cmd *exec.Cmd, limit time.Duration) (string, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	timer := time.AfterFunc(limit, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	if err := cmd.Wait(); err != nil {
		return out.String(), fmt.Errorf("%s: %v", strings.Join(cmd.Args, " "), err)
	}
	return out.String(), nil
}
