package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/vmp-dev/vmp/core/sim"
)

// buildHost compiles the C host (chost/host.c) into build/bench/host.
func buildHost(root string) (string, error) {
	host := filepath.Join(root, "build", "bench", "host")
	if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
		return "", err
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	cmd := exec.Command(cc, "-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", filepath.Join(root, "include"),
		"-o", host, filepath.Join(root, "cmd/vmp-bench/chost/host.c"), "-ldl", "-pthread")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the C host: %v: %s", err, out)
	}
	return host, nil
}

// measureFootprint reports what the library costs a till's process: the size of the stripped
// libraries as make dist ships them, the time to load it and open and close the first client,
// and the C host's resident memory after vmp_init and after 10 000 lifecycles.
func measureFootprint(scale int) ([]row, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	rows, err := librarySizes(root, scale)
	if err != nil {
		return nil, err
	}
	lib, err := builtLibrary(root)
	if err != nil {
		return nil, err
	}
	host, err := buildHost(root)
	if err != nil {
		return nil, err
	}
	s, err := sim.Start(sim.Options{ApproveDelay: -1})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	dir, err := os.MkdirTemp("", "vmp-bench-footprint-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	n := 10000 / scale
	got, err := runBench(host, []string{host, "footprint", lib, s.URL(), dir, strconv.Itoa(n)}, nil)
	if err != nil {
		return nil, err
	}
	mib := func(kb float64) float64 { return kb / 1024 }
	return append(rows,
		row{Section: "footprint", Metric: "dlopen + vmp_init + vmp_close, first client of a fresh process", Value: got["first_client_ms"], Unit: "ms",
			Note: fmt.Sprintf("dlopen %.1f ms (starts the Go runtime), vmp_init %.1f ms (opens the journal), vmp_close %.1f ms", got["dlopen_ms"], got["init_ms"], got["close_ms"])},
		row{Section: "footprint", Metric: "resident memory of a C host after vmp_init", Value: mib(got["rss_after_init_kb"]), Unit: "MiB",
			Note: fmt.Sprintf("VmRSS of the whole process; anonymous (heaps) %.1f MiB", mib(got["anon_after_init_kb"]))},
		row{Section: "footprint", Metric: fmt.Sprintf("resident memory of a C host after %d lifecycles", n), Value: mib(got["rss_after_lifecycles_kb"]), Unit: "MiB",
			Note: fmt.Sprintf("anonymous %.1f MiB; the rest is mostly the journal's memory map (%.1f MiB file, pruned after journal_retention_days); %.0f s for the lifecycles",
				mib(got["anon_after_lifecycles_kb"]), mib(got["journal_kb"]), got["lifecycles_ms"]/1000)},
	), nil
}

// librarySizes builds the stripped libraries the way make dist does (scripts/build-lib.sh
// --release) and reports their sizes. The Windows DLLs need the mingw-w64 cross compilers and
// take a while to build cold, so only a full run (scale 1) builds them.
func librarySizes(root string, scale int) ([]row, error) {
	platforms := []struct{ platform, file, metric string }{
		{"linux-x64", "libvmp.so", "libvmp.so, stripped (Linux x64)"},
		{"windows-x64", "x64/vmp.dll", "vmp.dll, stripped (Windows x64)"},
		{"windows-x86", "x86/vmp.dll", "vmp.dll, stripped (Windows x86)"},
	}
	var rows []row
	for i, p := range platforms {
		if i > 0 && scale > 1 {
			break
		}
		out := filepath.Join(root, "build", "bench", "release", p.file)
		cmd := exec.Command(filepath.Join(root, "scripts/build-lib.sh"), "--release", p.platform, out)
		cmd.Dir = root
		if msg, err := cmd.CombinedOutput(); err != nil {
			if i > 0 {
				fmt.Fprintf(os.Stderr, "vmp-bench: %s not built (%v), its size is left out: %s\n", p.file, err, msg)
				continue
			}
			return nil, fmt.Errorf("building %s: %v: %s", p.file, err, msg)
		}
		fi, err := os.Stat(out)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{Section: "footprint", Metric: p.metric, Value: float64(fi.Size()) / (1 << 20), Unit: "MiB",
			Note: "scripts/build-lib.sh --release, as make dist ships it"})
	}
	return rows, nil
}
