package sim

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"time"
)

// The pages are written by hand, not by html/template: text/template (under html/template)
// calls reflect's MethodByName, and with it in the binary the Go linker keeps every exported
// method of every type converted to an interface anywhere - measured, it made the shipped
// library 4 MB (32 %) larger for two dev-only pages. capi/deps_test.go fails if the library
// depends on either template package again.
//
// Escaping is the writer's, not the caller's: every value goes through text or attr, which
// escape it; raw takes only markup, a type a string variable does not turn into without an
// explicit conversion, so raw markup comes from this package's constant strings.

// markup is HTML written in this package's source.
type markup string

// htmlWriter collects a page.
type htmlWriter struct{ b bytes.Buffer }

// raw writes markup as it is.
func (w *htmlWriter) raw(m markup) { w.b.WriteString(string(m)) }

// text writes s as text, escaped.
func (w *htmlWriter) text(s string) { w.b.WriteString(html.EscapeString(s)) }

// in writes s, escaped, between open and close: in(`<p class="amount">`, amount, `</p>`).
func (w *htmlWriter) in(open markup, s string, close markup) {
	w.raw(open)
	w.text(s)
	w.raw(close)
}

// attr writes ` name="value"`, the value escaped. A URL's dynamic path pieces are
// url.PathEscape'd by the caller first (escaping for HTML does not make a path segment).
func (w *htmlWriter) attr(name markup, value string) {
	w.raw(" " + name + `="`)
	w.text(value)
	w.raw(`"`)
}

func (w *htmlWriter) bytes() []byte { return w.b.Bytes() }

// clockText is a time of day as the pages show it.
func clockText(t time.Time) string { return t.UTC().Format("15:04:05") }

// countdownText shows time left as m:ss, as ui.js counts it down.
func countdownText(ms int64) string {
	s := ms / 1000
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// Parts both pages use.

const pageHead markup = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
`

const pageAssets markup = `<link rel="stylesheet" href="/sim/ui/static/ui.css">
<script src="/sim/ui/static/ui.js" defer></script>
</head>
`

// receipt is the lines of a receipt, on the phone and on the dashboard.
func (w *htmlWriter) receipt(r uiReceipt) {
	w.raw("<table class=\"receipt\">\n  ")
	for _, l := range r.Lines {
		w.in(`<tr><td class="line-name">`, l.Name, `</td><td class="qty">`)
		if l.Quantity != "" {
			w.in("× ", l.Quantity, "")
		}
		w.in(`</td><td class="num">`, l.Amount, "</td></tr>")
	}
	w.in("\n  <tr class=\"total\"><td>Total</td><td></td><td class=\"num\">", r.Total, "</td></tr>\n</table>")
}

// stateBadge is a payment's state, coloured by ui.css.
func (w *htmlWriter) stateBadge(s State) {
	w.raw(`<span`)
	w.attr("class", "state state-"+string(s))
	w.in(">", string(s), "</span>")
}

// button is a button ui.js turns into a control-API call: action is data-post or data-delete.
func (w *htmlWriter) button(class string, action markup, path string, label markup) {
	w.raw("<button")
	w.attr("class", class)
	w.attr(action, path)
	w.raw(">" + label + "</button>")
}

// actionButton is a data-post button on a line of its own in an actions row.
func (w *htmlWriter) actionButton(indent markup, class string, path string, label markup) {
	w.raw(indent)
	w.button(class, "data-post", path, label)
	w.raw("\n")
}

// paymentAction is the control-API path of an action on p: /sim/payments/<ref>/<action>?msn=.
func paymentAction(p uiPayment, action string) string {
	return "/sim/payments/" + url.PathEscape(p.Reference) + "/" + action + p.Query()
}
