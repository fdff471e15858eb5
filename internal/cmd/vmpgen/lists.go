package main

import (
	"fmt"
	"sort"
	"strings"
)

// listSpec says how one X-macro list of vmp.h is named in each language. Every list of the
// header must have one (a new list fails generation until it is added here).
type listSpec struct {
	macro    string   // VMP_STATUS_LIST
	ctype    string   // the C typedef the values travel in
	prefixes []string // stripped, first match, for the short names: VMP_STATE_CREATED -> CREATED
	// goType names the type in internal/abi, goPrefix its constants (goPrefix + CamelCase of the
	// short name), goAll the slice of every value.
	goType, goPrefix, goAll string
	// goString: "full" - String() is the C name (as vmp_status_str); "short" - the short name
	// (as the other *_str functions); "" - String() is written by hand in internal/abi.
	goString  string
	goUnknown string // String() of a value not in the list
	inCore    bool   // core re-exports the type and constants under the same names
	py, cs    string // the Python IntEnum and the C# enum
	pyMixin   string // the class of bindings/python/vmp/_enum_behaviour.py the IntEnum mixes in
}

var lists = []listSpec{
	{macro: "VMP_STATUS_LIST", ctype: "vmp_status", prefixes: []string{"VMP_ERR_", "VMP_"},
		goType: "Code", goPrefix: "Code", goAll: "Codes", goString: "full", goUnknown: "VMP_ERR_UNKNOWN_STATUS",
		inCore: true, py: "Status", cs: "VmpStatus"},
	{macro: "VMP_PAYMENT_STATE_LIST", ctype: "vmp_payment_state", prefixes: []string{"VMP_STATE_"},
		goType: "State", goPrefix: "State", goAll: "States", goString: "short", goUnknown: "UNKNOWN",
		inCore: true, py: "PaymentState", cs: "PaymentState", pyMixin: "PaymentStateBehaviour"},
	{macro: "VMP_SCAN_EVENT_LIST", ctype: "vmp_scan_event", prefixes: []string{"VMP_SCAN_"},
		goType: "ScanEvent", goPrefix: "ScanEvent", goAll: "ScanEvents", goString: "short", goUnknown: "UNKNOWN",
		py: "ScanEvent", cs: "ScanEvent"},
	{macro: "VMP_CODE_KIND_LIST", ctype: "vmp_code_kind", prefixes: []string{"VMP_CODE_"},
		goType: "CodeKind", goPrefix: "CodeKind", goAll: "CodeKinds", goString: "short", goUnknown: "UNKNOWN",
		py: "CodeKind", cs: "CodeKind", pyMixin: "CodeKindBehaviour"},
	{macro: "VMP_SCAN_SOURCE_LIST", ctype: "vmp_scan_source", prefixes: []string{"VMP_SCAN_SOURCE_"},
		goType: "ScanSource", goPrefix: "ScanSource", goAll: "ScanSources", goString: "short", goUnknown: "UNKNOWN",
		py: "ScanSource", cs: "ScanSource"},
	{macro: "VMP_ENROLLMENT_STATE_LIST", ctype: "vmp_enrollment_state", prefixes: []string{"VMP_ENROLLMENT_"},
		goType: "EnrollmentState", goPrefix: "Enrollment", goAll: "EnrollmentStates", goString: "short", goUnknown: "UNKNOWN",
		inCore: true, py: "EnrollmentState", cs: "EnrollmentState", pyMixin: "EnrollmentStateBehaviour"},
	{macro: "VMP_LOG_LEVEL_LIST", ctype: "vmp_log_level", prefixes: []string{"VMP_LOG_"},
		goType: "LogLevel", goPrefix: "Log", goAll: "LogLevels", goString: "", inCore: true,
		py: "LogLevel", cs: "LogLevel"},
	{macro: "VMP_QR_FORMAT_LIST", ctype: "int32_t", prefixes: []string{"VMP_QR_"},
		goType: "QRFormat", goPrefix: "QR", goAll: "QRFormats", goString: "short", goUnknown: "UNKNOWN",
		py: "QrFormat", cs: "QrFormat"},
}

// goInitialisms are written in capitals in Go names (CodeInvalidJSON, KindEAN8, MSISDNSize).
var goInitialisms = map[string]bool{"OK": true, "JSON": true, "QR": true, "URL": true, "SVG": true, "PNG": true,
	"EAN8": true, "EAN13": true, "UPCA": true, "MSISDN": true, "ID": true, "AIM": true}

// short is a value's name without its list's prefix.
func (l listSpec) short(name string) string {
	for _, p := range l.prefixes {
		if strings.HasPrefix(name, p) {
			return strings.TrimPrefix(name, p)
		}
	}
	return name
}

func (l listSpec) goName(name string) string { return l.goPrefix + camel(l.short(name), goInitialisms) }

// camel turns SNAKE_CASE into CamelCase; words in initialisms stay capitals.
func camel(snake string, initialisms map[string]bool) string {
	var b strings.Builder
	for _, w := range strings.Split(snake, "_") {
		if w == "" {
			continue
		}
		if initialisms[w] {
			b.WriteString(w)
			continue
		}
		b.WriteString(w[:1])
		b.WriteString(strings.ToLower(w[1:]))
	}
	return b.String()
}

// checkLists holds the header to the rules the generated code relies on: every list has a
// spec and every spec a list; each name starts with its list's prefix (vmp.c's *_str cut it
// off by length); values are appended only, so they rise.
func checkLists(h *header) error {
	known := map[string]bool{}
	for _, l := range lists {
		known[l.macro] = true
		entries, ok := h.lists[l.macro]
		if !ok {
			return fmt.Errorf("vmp.h has no %s (vmpgen's lists.go names it)", l.macro)
		}
		for i, e := range entries {
			if l.short(e.name) == e.name {
				return fmt.Errorf("%s: %s does not start with %s", l.macro, e.name, strings.Join(l.prefixes, " or "))
			}
			if i > 0 && e.value <= entries[i-1].value {
				return fmt.Errorf("%s: %s = %d does not follow %s = %d (values are only appended)",
					l.macro, e.name, e.value, entries[i-1].name, entries[i-1].value)
			}
		}
	}
	var unknown []string
	for _, m := range h.listOrder {
		if !known[m] {
			unknown = append(unknown, m)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("vmp.h defines %s: say in internal/cmd/vmpgen/lists.go how each language names it",
			strings.Join(unknown, ", "))
	}
	return nil
}
