// Package cbuild builds what the Go tests that drive C tills need: the library with a test
// build tag (vmpfailpoints for the crash matrix, vmpsoak for the soak) and a C program of
// tests/c linked against it.
package cbuild

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Root is the repository root, seen from a package two levels down (tests/<name>).
func Root() string {
	root, _ := filepath.Abs("../..")
	return root
}

// Till builds ./capi with the build tag into dir/libvmp.so, then tests/c/<name>.c into
// dir/<name>, linked against that library (found through its rpath) with the extra gcc
// flags. It returns the program's path.
func Till(tb testing.TB, dir, tag, name string, flags ...string) string {
	tb.Helper()
	Library(tb, dir, tag)
	return Program(tb, dir, name, flags...)
}

// Library builds ./capi with the build tag into dir/libvmp.so.
func Library(tb testing.TB, dir, tag string) {
	tb.Helper()
	build := exec.Command("go", "build", "-tags", tag, "-buildmode=c-shared", "-o", filepath.Join(dir, "libvmp.so"), "./capi")
	build.Dir = Root()
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("building the library with -tags %q: %v\n%s", tag, err, out)
	}
}

// Program builds tests/c/<name>.c into dir/<name>, linked against the dir/libvmp.so Library
// built, with the extra gcc flags. It returns the program's path.
func Program(tb testing.TB, dir, name string, flags ...string) string {
	tb.Helper()
	return ProgramAt(tb, dir, filepath.Join("tests/c", name+".c"), flags...)
}

// ProgramAt builds the C file source (relative to the repository root, e.g. an example) into
// dir, linked against dir/libvmp.so, and returns the program's path.
func ProgramAt(tb testing.TB, dir, source string, flags ...string) string {
	tb.Helper()
	root := Root()
	program := filepath.Join(dir, strings.TrimSuffix(filepath.Base(source), ".c"))
	args := append([]string{"-std=c99", "-Wall", "-Wextra", "-Werror", "-I", filepath.Join(root, "include"), "-o", program,
		filepath.Join(root, source), "-L", dir, "-lvmp", "-Wl,-rpath," + dir}, flags...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		tb.Fatalf("building %s: %v\n%s", source, err, out)
	}
	return program
}
