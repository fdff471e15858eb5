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
// is skipped with a note (make test installs them). Each runs against the library (the wall
// between host and Go, capi/wall.h) and against a build of it as it was before the wall, whose
// callers enter Go themselves (build tag vmpnowall), so that the table shows both side by side.
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
	before, err := builtLibraryBeforeTheWall(root)
	if err != nil {
		return nil, err
	}
	host, err := buildHost(root)
	if err != nil {
		return nil, err
	}
	csharp := false
	if _, err := exec.LookPath("mcs"); err == nil {
		if out, err := exec.Command(filepath.Join(root, "bindings/csharp/build.sh")).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building the C# bench: %v: %s", err, out)
		}
		csharp = true
	} else {
		fmt.Fprintln(os.Stderr, "vmp-bench: mcs not installed; the C# figures are skipped (make deps installs it)")
	}
	var rows []row
	builds := []struct{ lib, csharpDir, name string }{
		{lib, filepath.Join(root, "build/csharp"), ""},
		{before, filepath.Join(filepath.Dir(before), "csharp"), ", before the wall"},
	}
	for _, build := range builds {
		withLib := func(c *exec.Cmd) { c.Env = append(os.Environ(), "VMP_LIBRARY="+build.lib) }
		got, err := runBench(host, []string{host, "calls", build.lib, strconv.Itoa(max(10000000/scale, 10000))}, nil)
		if err != nil {
			return nil, err
		}
		rows = append(rows, bindingRows("C (dlopen, function pointer)"+build.name, got)...)
		got, err = runBench("python3", []string{"python3", filepath.Join(root, "bindings/python/bench.py"), n}, withLib)
		if err != nil {
			return nil, err
		}
		rows = append(rows, bindingRows("Python (ctypes)"+build.name, got)...)
		if csharp {
			// Mono binds [DllImport("vmp")] to the libvmp.so beside the program, whatever
			// VMP_LIBRARY says: the build before the wall gets a folder of its own.
			if err := besideLibrary(filepath.Join(root, "build/csharp"), build.csharpDir, build.lib); err != nil {
				return nil, err
			}
			got, err := runBench("mono", []string{"mono", "VmpBench.exe", n}, func(c *exec.Cmd) { c.Dir = build.csharpDir })
			if err != nil {
				return nil, err
			}
			rows = append(rows, bindingRows("C# (P/Invoke, Mono)"+build.name, got)...)
		}
	}
	return rows, nil
}

// besideLibrary puts the C# bench (VmpBench.exe, Vmp.dll from dir) and lib into to, unless to
// is dir itself.
func besideLibrary(dir, to, lib string) error {
	if dir == to {
		return nil
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	for _, f := range [][2]string{{filepath.Join(dir, "VmpBench.exe"), "VmpBench.exe"}, {filepath.Join(dir, "Vmp.dll"), "Vmp.dll"}, {lib, "libvmp.so"}} {
		data, err := os.ReadFile(f[0])
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, f[1]), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// builtLibraryBeforeTheWall builds the library as it was before the wall (capi/nowall.go), for
// the side-by-side figures only, into build/bench/nowall/libvmp.so.
func builtLibraryBeforeTheWall(root string) (string, error) {
	lib := filepath.Join(root, "build", "bench", "nowall", "libvmp.so")
	build := exec.Command("go", "build", "-tags", "vmpnowall", "-buildmode=c-shared", "-o", lib, "./capi")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v: %s", lib, err, out)
	}
	_ = os.Remove(strings.TrimSuffix(lib, ".so") + ".h") // cgo's header is not the contract
	return lib, nil
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
	{"enter_go_ns", "one call that enters Go and does no I/O (vmp_pending, NULL handle; P3)"},
	{"enter_go_8_threads_ns", "the same from 8 threads at once: each call's wait (P3)"},
	{"poll_status_memory_ns", "one vmp_poll_status, wait 0, answered from memory (P4)"},
	{"poll_status_memory_8_threads_ns", "the same from 8 threads at once: each call's wait (P4)"},
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
