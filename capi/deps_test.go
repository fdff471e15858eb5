package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The library must not depend on text/template (html/template is built on it): text/template
// calls reflect.Value.MethodByName, and one such call anywhere in a binary makes the Go linker
// keep every exported method of every type converted to an interface, since any of them
// might be called by name. Measured: the simulator's two pages rendered by html/template made
// the stripped libvmp.so 16.8 MB instead of 12.8 MB (+32 %) and pulled in fasthttp's brotli
// dictionary (issue 22). The pages use core/sim's own HTML writer (ui_html.go) instead.
func TestTheLibraryDoesNotDependOnTextTemplate(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "text/template" || pkg == "html/template" {
			t.Errorf("the library depends on %s: the linker then keeps every exported method (about +4 MB); see this test's comment", pkg)
		}
	}
}
