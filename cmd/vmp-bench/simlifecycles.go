package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// measureLifecyclesOverHTTP runs payment lifecycles (checkout, poll until AUTHORIZED, capture)
// from the C host (chost/host.c: a till's process, through the C ABI) against the standalone
// simulator - a vmp-sim process, customer approves at once - over loopback HTTP, at each of
// lifecycleConcurrency. Side by side in the same run: the journal on disk, the journal on tmpfs
// (/dev/shm: fsync costs nothing there, the ceiling the journal can reach), and the library
// built as it was before group commit (-tags vmpsinglecommit: one commit per write). Each
// figure is the median of three rounds, the variants taking turns, so that what else the
// machine does falls on all of them.
func measureLifecyclesOverHTTP(scale int) ([]row, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	lib, err := builtLibrary(root)
	if err != nil {
		return nil, err
	}
	single, err := builtLibraryTagged(root, "vmpsinglecommit")
	if err != nil {
		return nil, err
	}
	host, err := buildHost(root)
	if err != nil {
		return nil, err
	}
	simURL, stop, err := startSimProcess(root)
	if err != nil {
		return nil, err
	}
	defer stop()

	// On disk: a folder in build/, beside the sources (os.TempDir may be a tmpfs).
	diskDir, err := os.MkdirTemp(filepath.Join(root, "build", "bench"), "journal-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(diskDir)
	variants := []struct {
		name, lib, dir string
	}{
		{"journal on disk", lib, diskDir},
		{"journal on disk, one commit per write (before group commit)", single, diskDir},
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		shm, err := os.MkdirTemp("/dev/shm", "vmp-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(shm)
		variants = append(variants, struct{ name, lib, dir string }{"journal on tmpfs (/dev/shm): the ceiling", lib, shm})
	} else {
		fmt.Fprintln(os.Stderr, "vmp-bench: no /dev/shm; the tmpfs ceiling is left out")
	}

	rounds := 3
	if scale > 1 {
		rounds = 1
	}
	var rows []row
	for _, conc := range lifecycleConcurrency {
		n := max(conc*4, 1000/scale)
		if conc == 1 {
			n = max(20, 300/scale)
		}
		got := make([][]map[string]float64, len(variants))
		for round := range rounds {
			for v, variant := range variants {
				journal := filepath.Join(variant.dir, fmt.Sprintf("c%d-r%d-v%d.db", conc, round, v))
				m, err := runBench(host, []string{host, "lifecycles", variant.lib, simURL, journal, strconv.Itoa(conc), strconv.Itoa(n)}, nil)
				if err != nil {
					return nil, err
				}
				if m["per_second"] == 0 {
					return nil, fmt.Errorf("the C host's lifecycles (%s, %d concurrent) printed no figures", variant.name, conc)
				}
				got[v] = append(got[v], m)
			}
		}
		ceiling := 0.0
		if len(variants) == 3 {
			ceiling = medianOf(got[2], "per_second")
		}
		for v, variant := range variants {
			perSec := medianOf(got[v], "per_second")
			note := fmt.Sprintf("%d lifecycles, median of %d rounds (%s/s); p99 %.1f ms; CPU %.2f s user, %.2f s system",
				n, rounds, roundsOf(got[v], "per_second"), medianOf(got[v], "p99_ms"), medianOf(got[v], "user_s"), medianOf(got[v], "sys_s"))
			if ceiling > 0 && v < 2 {
				note += fmt.Sprintf("; %.2fx the tmpfs ceiling", perSec/ceiling)
			}
			if v == 0 {
				note += fmt.Sprintf("; %.2fx one commit per write", perSec/medianOf(got[1], "per_second"))
			}
			section := "lifecycles over HTTP (vmp-sim process, C ABI)"
			rows = append(rows,
				row{Section: section, Metric: fmt.Sprintf("payment lifecycles per second, %d concurrent, %s", conc, variant.name), Value: perSec, Unit: "1/s", Note: note},
				row{Section: section, Metric: fmt.Sprintf("one lifecycle, %d concurrent, %s, median", conc, variant.name), Value: medianOf(got[v], "p50_ms"), Unit: "ms",
					Note: fmt.Sprintf("rounds %s ms", roundsOf(got[v], "p50_ms"))})
		}
	}
	return rows, nil
}

func medianOf(ms []map[string]float64, key string) float64 {
	var vs []float64
	for _, m := range ms {
		vs = append(vs, m[key])
	}
	slices.Sort(vs)
	if len(vs) == 0 {
		return 0
	}
	return vs[len(vs)/2]
}

// roundsOf lists each round's figure, in the order they ran.
func roundsOf(ms []map[string]float64, key string) string {
	var s []string
	for _, m := range ms {
		s = append(s, formatValue(m[key]))
	}
	return strings.Join(s, " / ")
}

// builtLibraryTagged builds the library with a build tag, for side-by-side figures only, into
// build/bench/<tag>/libvmp.so.
func builtLibraryTagged(root, tag string) (string, error) {
	lib := filepath.Join(root, "build", "bench", tag, "libvmp.so")
	build := exec.Command("go", "build", "-tags", tag, "-buildmode=c-shared", "-o", lib, "./capi")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s: %v: %s", lib, err, out)
	}
	_ = os.Remove(strings.TrimSuffix(lib, ".so") + ".h") // cgo's header is not the contract
	return lib, nil
}

// startSimProcess builds cmd/vmp-sim and runs it on a free loopback port, customers approving
// at once; it returns the simulator's base URL and how to stop it.
func startSimProcess(root string) (url string, stop func(), err error) {
	bin := filepath.Join(root, "build", "bench", "vmp-sim")
	build := exec.Command("go", "build", "-o", bin, "./cmd/vmp-sim")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("building vmp-sim: %v: %s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-approve-delay", "0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "vmp-sim: Vipps MobilePay simulator at "); ok {
				found <- strings.TrimSpace(u)
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case url = <-found:
		return url, stop, nil
	case <-time.After(30 * time.Second):
		stop()
		return "", nil, fmt.Errorf("vmp-sim did not say where it listens within 30 s")
	}
}
