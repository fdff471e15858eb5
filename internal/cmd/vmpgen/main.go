// Command vmpgen makes everything that copies include/vmp.h's enums and version from the
// header itself, so that the header stays the one list (`make generate`):
//
//   - internal/abi/abi_gen.go      the Go types, constants and names (core and capi use them)
//   - core/abi_gen.go              core's names for them (Code, CodeOK, State, ... Version)
//   - capi/abi_constants_gen.go    a compile-time check of cgo's view of vmp.h against abi
//   - bindings/python/vmp/_abi.py  the Python IntEnums and constants
//   - bindings/csharp/Vmp/Abi.g.cs the C# enums and constants
//
// and writes the version into the package files that must spell it out (pyproject.toml, the
// Python build backend, Vmp.csproj). scripts/from-header.sh derives the export lists.
//
// With -check it writes nothing and fails, naming them, when any of those files is not what
// the header makes: a value added to the header and not generated, or a value in a language's
// table that the header lacks. The test of this package runs the check (make test).
//
// Usage: go run ./internal/cmd/vmpgen [-check] [-root DIR]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// output is one file vmpgen makes whole.
type output struct {
	path   string // relative to the repository
	render func(*header) ([]byte, error)
}

var outputs = []output{
	{"internal/abi/abi_gen.go", renderAbi},
	{"core/abi_gen.go", renderCore},
	{"capi/abi_constants_gen.go", renderCapi},
	{"bindings/python/vmp/_abi.py", func(h *header) ([]byte, error) { return renderPython(h), nil }},
	{"bindings/csharp/Vmp/Abi.g.cs", func(h *header) ([]byte, error) { return renderCSharp(h), nil }},
}

// stamp is a hand-written file that spells out the version: the first group of pattern is
// replaced with MAJOR.MINOR.PATCH; the pattern must match exactly once.
type stamp struct {
	path    string
	pattern *regexp.Regexp
}

var stamps = []stamp{
	{"bindings/python/pyproject.toml", regexp.MustCompile(`(?m)^version = "([^"]*)"$`)},
	{"bindings/python/build_backend/vmp_build.py", regexp.MustCompile(`(?m)^VERSION = "([^"]*)"$`)},
	{"bindings/csharp/Vmp/Vmp.csproj", regexp.MustCompile(`<Version>([^<]*)</Version>`)},
}

const headerPath = "include/vmp.h"

func main() {
	check := flag.Bool("check", false, "write nothing; fail when a file is not what the header makes")
	root := flag.String("root", ".", "the repository")
	header := flag.String("header", "", "the header to read (default ROOT/"+headerPath+")")
	flag.Parse()
	if *header == "" {
		*header = filepath.Join(*root, headerPath)
	}
	files, err := generate(*root, *header)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vmpgen:", err)
		os.Exit(1)
	}
	if *check {
		if stale := staleFiles(*root, files); len(stale) > 0 {
			for _, p := range stale {
				fmt.Fprintf(os.Stderr, "vmpgen: %s is not what %s makes: run make generate\n", p, headerPath)
			}
			os.Exit(1)
		}
		return
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*root, f.path), f.content, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "vmpgen:", err)
			os.Exit(1)
		}
	}
}

// file is one file as vmpgen would leave it.
type file struct {
	path    string
	content []byte
}

// generate reads the header and returns every generated and stamped file's wanted content.
func generate(root, headerFile string) ([]file, error) {
	text, err := os.ReadFile(headerFile)
	if err != nil {
		return nil, err
	}
	h, err := parseHeader(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", headerFile, err)
	}
	if err := checkLists(h); err != nil {
		return nil, fmt.Errorf("%s: %v", headerFile, err)
	}
	var files []file
	for _, o := range outputs {
		content, err := o.render(h)
		if err != nil {
			return nil, err
		}
		files = append(files, file{o.path, content})
	}
	for _, s := range stamps {
		old, err := os.ReadFile(filepath.Join(root, s.path))
		if err != nil {
			return nil, err
		}
		m := s.pattern.FindAllSubmatchIndex(old, -1)
		if len(m) != 1 {
			return nil, fmt.Errorf("%s: %d places match %s, want 1", s.path, len(m), s.pattern)
		}
		var content []byte
		content = append(content, old[:m[0][2]]...)
		content = append(content, h.versionText()...)
		content = append(content, old[m[0][3]:]...)
		files = append(files, file{s.path, content})
	}
	return files, nil
}

// staleFiles names the files under root that differ from what generate made.
func staleFiles(root string, files []file) []string {
	var stale []string
	for _, f := range files {
		have, err := os.ReadFile(filepath.Join(root, f.path))
		if err != nil || !bytes.Equal(have, f.content) {
			stale = append(stale, f.path)
		}
	}
	return stale
}
