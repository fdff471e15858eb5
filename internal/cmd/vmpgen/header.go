package main

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// header is what vmpgen reads from include/vmp.h: the X-macro lists, the plain integer
// constants and the version.
type header struct {
	lists     map[string][]entry // by macro name, e.g. "VMP_STATUS_LIST"
	listOrder []string           // macro names in the order the header defines them
	constants []constant
	version   [3]int // MAJOR, MINOR, PATCH
}

// entry is one X(name, value, "description") of a list.
type entry struct {
	name  string
	value int
	text  string
}

// constant is a `#define VMP_NAME 123` (or 0x1u) of the header that is not a list's.
type constant struct {
	name     string
	value    uint64
	unsigned bool   // written with a u suffix
	doc      string // the one-line /** ... */ above it, if any
}

var (
	listStart  = regexp.MustCompile(`^#define\s+(VMP_[A-Z0-9_]+_LIST)\(X\)\s*\\$`)
	intDefine  = regexp.MustCompile(`^#define\s+(VMP_[A-Z0-9_]+)\s+(0x[0-9A-Fa-f]+|[0-9]+)(u?)\s*(?:/\*.*\*/)?\s*$`)
	oneLineDoc = regexp.MustCompile(`^/\*\*\s*(.*?)\s*\*/$`)
	versionDef = regexp.MustCompile(`^VMP_VERSION_(MAJOR|MINOR|PATCH)$`)
)

// parseHeader reads the lists, constants and version of vmp.h's text.
func parseHeader(text string) (*header, error) {
	h := &header{lists: map[string][]entry{}}
	found := map[string]bool{}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if m := listStart.FindStringSubmatch(line); m != nil {
			// The list runs on while lines end in a backslash.
			var body strings.Builder
			for i++; i < len(lines); i++ {
				l := strings.TrimRight(lines[i], " \t")
				cont := strings.HasSuffix(l, `\`)
				body.WriteString(strings.TrimSuffix(l, `\`))
				body.WriteByte(' ')
				if !cont {
					break
				}
			}
			entries, err := parseEntries(body.String())
			if err != nil {
				return nil, fmt.Errorf("%s: %v", m[1], err)
			}
			if _, dup := h.lists[m[1]]; dup {
				return nil, fmt.Errorf("%s is defined twice", m[1])
			}
			h.lists[m[1]] = entries
			h.listOrder = append(h.listOrder, m[1])
			continue
		}
		m := intDefine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseUint(m[2], 0, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", m[1], err)
		}
		if vm := versionDef.FindStringSubmatch(m[1]); vm != nil {
			h.version[strings.Index("MAJOR MINOR PATCH", vm[1])/6] = int(v)
			found[m[1]] = true
			continue
		}
		c := constant{name: m[1], value: v, unsigned: m[3] == "u"}
		if i > 0 {
			if d := oneLineDoc.FindStringSubmatch(strings.TrimSpace(lines[i-1])); d != nil {
				c.doc = d[1]
			}
		}
		h.constants = append(h.constants, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, p := range []string{"MAJOR", "MINOR", "PATCH"} {
		if !found["VMP_VERSION_"+p] {
			return nil, fmt.Errorf("VMP_VERSION_%s is missing", p)
		}
	}
	return h, nil
}

// parseEntries reads `X(NAME, 12, "text" "more text") X(...)` - a list's body with the
// backslashes taken out. C comments between entries are skipped.
func parseEntries(body string) ([]entry, error) {
	var out []entry
	s := body
	for {
		s = skipSpaceAndComments(s)
		if s == "" {
			break
		}
		if !strings.HasPrefix(s, "X(") {
			return nil, fmt.Errorf("expected X( at %q", clip(s))
		}
		s = s[2:]
		var e entry
		var ok bool
		if e.name, s, ok = ident(skipSpaceAndComments(s)); !ok {
			return nil, fmt.Errorf("expected a name at %q", clip(s))
		}
		if s, ok = expect(s, ","); !ok {
			return nil, fmt.Errorf("%s: expected a comma", e.name)
		}
		s = skipSpaceAndComments(s)
		n := strings.IndexFunc(s, func(r rune) bool { return !(r == '-' || r >= '0' && r <= '9') })
		if n <= 0 {
			return nil, fmt.Errorf("%s: expected a decimal value at %q", e.name, clip(s))
		}
		v, err := strconv.Atoi(s[:n])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", e.name, err)
		}
		e.value, s = v, s[n:]
		if s, ok = expect(s, ","); !ok {
			return nil, fmt.Errorf("%s: expected a comma after the value", e.name)
		}
		// One or more adjacent string literals.
		for {
			s = skipSpaceAndComments(s)
			if !strings.HasPrefix(s, `"`) {
				break
			}
			lit, rest, err := stringLiteral(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", e.name, err)
			}
			e.text += lit
			s = rest
		}
		if s, ok = expect(s, ")"); !ok {
			return nil, fmt.Errorf("%s: expected ) after the description at %q", e.name, clip(s))
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the list is empty")
	}
	return out, nil
}

func skipSpaceAndComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if !strings.HasPrefix(s, "/*") {
			return s
		}
		end := strings.Index(s, "*/")
		if end < 0 {
			return ""
		}
		s = s[end+2:]
	}
}

func ident(s string) (name, rest string, ok bool) {
	n := strings.IndexFunc(s, func(r rune) bool {
		return !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if n <= 0 {
		return "", s, false
	}
	return s[:n], s[n:], true
}

func expect(s, tok string) (string, bool) {
	s = skipSpaceAndComments(s)
	if !strings.HasPrefix(s, tok) {
		return s, false
	}
	return s[len(tok):], true
}

// stringLiteral reads one C string literal at the start of s (simple escapes only).
func stringLiteral(s string) (value, rest string, err error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			if i+1 >= len(s) {
				return "", "", fmt.Errorf("unfinished escape")
			}
			i++
			switch e := s[i]; e {
			case '"', '\\', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			default:
				return "", "", fmt.Errorf(`escape \%c is not one vmpgen reads`, e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated string")
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
