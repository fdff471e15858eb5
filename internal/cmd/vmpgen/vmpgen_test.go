package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// root is the repository, from this package's directory.
const root = "../../.."

func repoHeader(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, headerPath))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// headerCopy writes text as a header in a temporary directory and returns its path.
func headerCopy(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vmp.h")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q is not in the text exactly once", old)
	}
	return strings.Replace(s, old, new, 1)
}

// stale runs the check of `vmpgen -check` for header against the files under dir.
func stale(t *testing.T, dir, header string) []string {
	t.Helper()
	files, err := generate(dir, header)
	if err != nil {
		t.Fatal(err)
	}
	s := staleFiles(dir, files)
	sort.Strings(s)
	return s
}

func allGenerated() []string {
	var p []string
	for _, o := range outputs {
		p = append(p, o.path)
	}
	return p
}

func sorted(s ...string) []string { sort.Strings(s); return s }

// The check of make test: every generated file, and the version in every package file, is
// what include/vmp.h makes. Run `make generate` after changing the header.
func TestGeneratedFilesAreWhatTheHeaderMakes(t *testing.T) {
	if s := stale(t, root, filepath.Join(root, headerPath)); len(s) > 0 {
		t.Fatalf("not what include/vmp.h makes (run make generate): %s", strings.Join(s, ", "))
	}
}

// A value appended to the header and not generated fails the check in every language.
func TestAValueOnlyInTheHeaderFailsTheCheck(t *testing.T) {
	h := replaceOnce(t, repoHeader(t), `  X(VMP_ERR_PUSH_NOT_ALLOWED, 27, "this sales unit may not send push requests; use a QR checkout")`,
		`  X(VMP_ERR_PUSH_NOT_ALLOWED, 27, "this sales unit may not send push requests; use a QR checkout") \
  X(VMP_ERR_FUTURE_THING, 28, "a status a later version adds")`)
	if got, want := stale(t, root, headerCopy(t, h)), sorted(allGenerated()...); !reflect.DeepEqual(got, want) {
		t.Fatalf("stale = %v, want every generated file %v", got, want)
	}
	// And the same for a list other than the statuses (core has no QR formats of its own).
	h = replaceOnce(t, repoHeader(t), `X(VMP_QR_MATRIX, 3,`, `X(VMP_QR_JPEG, 4, "x") X(VMP_QR_MATRIX, 5,`)
	want := sorted("internal/abi/abi_gen.go", "capi/abi_constants_gen.go", "bindings/python/vmp/_abi.py", "bindings/csharp/Vmp/Abi.g.cs")
	if got := stale(t, root, headerCopy(t, h)); !reflect.DeepEqual(got, want) {
		t.Fatalf("stale = %v after a QR format was added, want %v", got, want)
	}
}

// A value in a language's table that the header lacks fails the check: the tables are
// generated whole, so an edit by hand is a difference.
func TestAValueOnlyInALanguageTableFailsTheCheck(t *testing.T) {
	dir := t.TempDir()
	files, err := generate(root, filepath.Join(root, headerPath))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files { // a copy of the repository's generated and stamped files
		p := filepath.Join(dir, f.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	header := filepath.Join(root, headerPath)
	if s := stale(t, dir, header); len(s) > 0 {
		t.Fatalf("the copy is stale before any edit: %v", s)
	}
	edits := map[string][2]string{
		"bindings/python/vmp/_abi.py":  {"    PUSH_NOT_ALLOWED = 27\n", "    PUSH_NOT_ALLOWED = 27\n    FUTURE_THING = 28\n"},
		"bindings/csharp/Vmp/Abi.g.cs": {"        PushNotAllowed = 27,\n", "        PushNotAllowed = 27,\n        FutureThing = 28,\n"},
		"internal/abi/abi_gen.go":      {"\tCodePushNotAllowed Code = 27\n", "\tCodePushNotAllowed Code = 27\n\tCodeFutureThing Code = 28\n"},
	}
	for path, e := range edits {
		p := filepath.Join(dir, path)
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, []byte(replaceOnce(t, string(b), e[0], e[1])), 0o644); err != nil {
			t.Fatal(err)
		}
		if s := stale(t, dir, header); !reflect.DeepEqual(s, []string{path}) {
			t.Errorf("after a status was added to %s only, stale = %v", path, s)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The version lives in vmp.h; a bump that is not generated fails the check for every copy.
func TestAVersionBumpFailsTheCheck(t *testing.T) {
	h := replaceOnce(t, repoHeader(t), "#define VMP_VERSION_MINOR 2\n", "#define VMP_VERSION_MINOR 9\n")
	want := []string{"internal/abi/abi_gen.go", "bindings/python/vmp/_abi.py", "bindings/csharp/Vmp/Abi.g.cs"}
	for _, s := range stamps {
		want = append(want, s.path)
	}
	if got := stale(t, root, headerCopy(t, h)); !reflect.DeepEqual(got, sorted(want...)) {
		t.Fatalf("stale = %v, want %v", got, sorted(want...))
	}
}

// The rules the generated code relies on are enforced on the header.
func TestHeaderRulesAreEnforced(t *testing.T) {
	cases := []struct{ name, old, new, want string }{
		{"a name without its list's prefix", `X(VMP_STATE_TERMINATED, 5,`, `X(VMP_TERMINATED, 5,`, "does not start with VMP_STATE_"},
		{"a value that does not rise", `X(VMP_STATE_TERMINATED, 5,`, `X(VMP_STATE_TERMINATED, 4,`, "values are only appended"},
		{"a list vmpgen does not know", "#define VMP_LOG_TEXT_SIZE 4096", "#define VMP_LOG_TEXT_SIZE 4096\n#define VMP_NEW_THING_LIST(X) \\\n  X(VMP_NEW_A, 0, \"a\")\n", "VMP_NEW_THING_LIST"},
		{"a list removed", "#define VMP_SCAN_SOURCE_LIST(X)", "#define VMP_SCAN_SOURCES(X)", "no VMP_SCAN_SOURCE_LIST"},
	}
	for _, c := range cases {
		_, err := generate(root, headerCopy(t, replaceOnce(t, repoHeader(t), c.old, c.new)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one saying %q", c.name, err, c.want)
		}
	}
}

// vmpgen reads the lists as text; the C compiler is the authority on what they expand to. A
// program built from the header prints every list through its own X, and must print what
// vmpgen read.
func TestTheListsAreWhatTheCompilerSees(t *testing.T) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler (%s): %v", cc, err)
	}
	h, err := parseHeader(repoHeader(t))
	if err != nil {
		t.Fatal(err)
	}
	var src, want strings.Builder
	src.WriteString("#include <stdio.h>\n#include \"vmp.h\"\n#define P(name, value, text) printf(\"%s %d %s\\n\", #name, (int)(value), text);\nint main(void) {\n")
	for _, l := range lists {
		fmt.Fprintf(&src, "  printf(\"%s\\n\");\n  %s(P)\n", l.macro, l.macro)
		fmt.Fprintf(&want, "%s\n", l.macro)
		for _, e := range h.lists[l.macro] {
			fmt.Fprintf(&want, "%s %d %s\n", e.name, e.value, e.text)
		}
	}
	for _, c := range h.constants {
		fmt.Fprintf(&src, "  printf(\"%s %%llu\\n\", (unsigned long long)%s);\n", c.name, c.name)
		fmt.Fprintf(&want, "%s %d\n", c.name, c.value)
	}
	src.WriteString("  printf(\"%d.%d.%d\\n\", VMP_VERSION_MAJOR, VMP_VERSION_MINOR, VMP_VERSION_PATCH);\n  return 0;\n}\n")
	fmt.Fprintf(&want, "%s\n", h.versionText())
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lists.c"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	inc, _ := filepath.Abs(filepath.Join(root, "include"))
	if out, err := exec.Command(cc, "-std=c99", "-I", inc, "-o", filepath.Join(dir, "lists"), filepath.Join(dir, "lists.c")).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cc, err, out)
	}
	got, err := exec.Command(filepath.Join(dir, "lists")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Fatalf("the compiler sees\n%s\nvmpgen read\n%s", got, want.String())
	}
}

// scripts/from-header.sh reads the version for the export lists and package names; both
// readers agree.
func TestFromHeaderScriptReadsTheSameVersion(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	out, err := exec.Command("sh", filepath.Join(root, "scripts/from-header.sh"), "version", filepath.Join(root, headerPath)).Output()
	if err != nil {
		t.Fatal(err)
	}
	h, err := parseHeader(repoHeader(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != h.versionText() {
		t.Fatalf("from-header.sh version = %s, vmpgen reads %s", got, h.versionText())
	}
}
