package sim

import (
	"net/url"
	"strconv"
)

// The store's dashboard (/sim/ui/), one function per section. storeView (ui_views.go) is
// what it shows; ui.js and ui.css know its classes, ids and data attributes.

func storePage(v storeView) []byte {
	w := &htmlWriter{}
	w.raw(pageHead)
	w.raw("<title>Store dashboard - Vipps MobilePay simulator</title>\n")
	w.raw(pageAssets)
	w.raw(`<body class="store-page">
<header class="app-bar"><span class="brand">Vipps MobilePay simulator</span><span>store dashboard</span></header>
<p id="status" role="status"></p>
<div class="columns">
<div id="live" data-live="/sim/ui/live/store">`)
	w.storeView(v)
	w.raw("</div>\n<aside>\n")
	w.faultForm(v)
	if v.FakeClock {
		w.clockForm()
	}
	w.raw("</aside>\n</div>\n</body>\n</html>")
	return w.bytes()
}

// storeViewHTML is the part of the dashboard its stream sends.
func storeViewHTML(v storeView) []byte {
	w := &htmlWriter{}
	w.storeView(v)
	return w.bytes()
}

func (w *htmlWriter) storeView(v storeView) {
	w.clock(v)
	w.phoneLinks(v.Phones)
	w.payments(v)
	w.faults(v.Faults)
	w.webhooks(v.Webhooks)
	w.checkIns(v.CheckIns)
}

func (w *htmlWriter) clock(v storeView) {
	w.in("\n<section class=\"card clock\"><h2>Clock</h2><p><span id=\"sim-now\">", v.Now.Format("2006-01-02 15:04:05"), "</span> UTC")
	if v.FakeClock {
		w.raw(" (fake: it moves only when advanced)")
	}
	w.raw("</p></section>\n")
}

func (w *htmlWriter) phoneLinks(phones []string) {
	w.raw(`<section class="card phones"><h2>Phones</h2><p>`)
	for _, m := range phones {
		w.phoneLink(`<a class="phone-link"`, m)
		w.raw(" ")
	}
	w.raw("</p></section>\n")
}

// phoneLink links to msisdn's phone page; open is the <a with what comes before href.
func (w *htmlWriter) phoneLink(open markup, msisdn string) {
	w.raw(open)
	w.attr("href", "/sim/ui/phone/"+url.PathEscape(msisdn))
	w.in(">", msisdn, "</a>")
}

func (w *htmlWriter) payments(v storeView) {
	w.raw("<section class=\"card payments\">\n  ")
	w.in("<h2>Payments <small>(", strconv.Itoa(len(v.Payments)), " newest of ")
	w.in("", strconv.Itoa(v.Total), ")</small></h2>\n")
	for _, p := range v.Payments {
		w.storePayment(p)
	}
	if len(v.Payments) == 0 {
		w.raw("  <p class=\"hint\">No payments yet.</p>\n")
	}
	w.raw("</section>\n")
}

// storePayment is one payment on the dashboard: its amounts, the merchant's actions while it
// waits, its event log and receipt.
func (w *htmlWriter) storePayment(p uiPayment) {
	w.raw("  <article class=\"payment\"")
	w.attr("data-reference", p.Reference)
	w.attr("data-state", string(p.State))
	w.in(">\n    <header><strong class=\"reference\">", p.Reference, "</strong> ")
	w.stateBadge(p.State)
	w.in(` <span class="amount">`, p.Amount, "</span> ")
	w.in("<small>MSN ", p.MSN, " · ")
	w.in("", p.UserFlow, " · ")
	w.in("", clockText(p.CreatedAt), "</small></header>\n")
	w.in(`    <p class="amounts">captured <span class="captured">`, p.Captured, "</span>")
	w.in(` · refunded <span class="refunded">`, p.Refunded, "</span>")
	w.in(` · cancelled <span class="cancelled">`, p.Cancelled, "</span></p>\n")
	if p.Description != "" {
		w.in(`    <p class="description">`, p.Description, "</p>\n")
	}
	if p.Customer != "" {
		w.phoneLink("    <p>customer <a", p.Customer)
		w.raw("</p>\n")
	}
	if p.Pending {
		w.raw("    <div class=\"actions\">\n")
		w.actionButton("      ", "approve", paymentAction(p, "approve"), "Approve")
		w.actionButton("      ", "reject", paymentAction(p, "reject"), "Reject")
		w.actionButton("      ", "expire", paymentAction(p, "expire"), "Expire")
		if p.QRToken != "" {
			w.actionButton("      ", "scan", "/sim/qr/"+url.PathEscape(p.QRToken)+"/scan", "Scan it")
		}
		w.raw("    </div>\n")
		if p.QRToken != "" {
			w.raw(`    <img class="checkout-qr"`)
			w.attr("src", "/sim/ui/qr/"+url.PathEscape(p.QRToken)+".png")
			w.raw(` width="160" height="160"`)
			w.attr("alt", "customer-facing QR of "+p.Reference)
			w.raw(">\n")
		}
	}
	w.events(p.Events)
	if p.Receipt != nil {
		w.raw(`    <details class="receipt-details"><summary>receipt</summary>`)
		w.receipt(*p.Receipt)
		w.raw("</details>\n")
	}
	w.raw("  </article>\n")
}

func (w *htmlWriter) events(events []PaymentEvent) {
	w.in(`    <details class="events"><summary>events (`, strconv.Itoa(len(events)), ")</summary><table>\n      ")
	for _, e := range events {
		w.in("<tr><td>", clockText(e.Timestamp), "</td>")
		w.in("<td>", e.Name, "</td>")
		w.in(`<td class="num">`, strconv.FormatInt(e.Amount.Value, 10)+" "+e.Amount.Currency, "</td>")
		w.in("<td><small>", e.PSPReference, "</small></td></tr>")
	}
	w.raw("\n    </table></details>\n")
}

func (w *htmlWriter) faults(faults []faultJSON) {
	w.raw("<section class=\"card faults\">\n  <h2>Faults</h2>\n  ")
	if len(faults) == 0 {
		w.raw("<p class=\"hint\">None injected.</p>\n</section>\n")
		return
	}
	w.raw("<table>\n    <tr><th>id</th><th>kind</th><th>operation</th><th>reference</th><th>status</th><th>remaining</th><th>hits</th><th></th></tr>\n    ")
	for _, f := range faults {
		w.raw(`<tr class="fault"`)
		w.attr("data-id", f.ID)
		w.in("><td>", f.ID, "</td>")
		w.in("<td>", string(f.Kind), "</td>")
		w.in("<td>", f.Operation, "</td>")
		w.in("<td>", f.Reference, "</td><td>")
		if f.Status != 0 {
			w.text(strconv.Itoa(f.Status))
		}
		if f.ErrorCode != 0 {
			w.in(" / ", strconv.Itoa(f.ErrorCode), "")
		}
		w.in("</td><td>", strconv.Itoa(f.Remaining), "</td>")
		w.in("<td>", strconv.Itoa(f.Hits), "</td>\n")
		w.raw("      <td>")
		w.button("remove", "data-delete", "/sim/faults/"+url.PathEscape(f.ID), "Remove")
		w.raw("</td></tr>")
	}
	w.raw("\n  </table><button class=\"clear\" data-delete=\"/sim/faults\">Remove all</button>\n</section>\n")
}

func (w *htmlWriter) webhooks(hooks []Webhook) {
	w.raw("<section class=\"card webhooks\">\n  <h2>Webhooks</h2>\n  ")
	if len(hooks) == 0 {
		w.raw("<p class=\"hint\">No registrations.</p>\n</section>\n")
		return
	}
	w.raw("<table>\n    <tr><th>MSN</th><th>URL</th><th>events</th><th>pending</th><th>delivered</th><th>failed attempts</th></tr>\n    ")
	for _, h := range hooks {
		w.in("<tr><td>", h.MSN, "</td>")
		w.in("<td>", h.URL, "</td><td>")
		for _, e := range h.Events {
			w.in("", e, " ")
		}
		w.in("</td><td>", strconv.Itoa(h.Pending), "</td>")
		w.in("<td>", strconv.Itoa(h.Delivered), "</td>")
		w.in("<td>", strconv.Itoa(h.FailedAttempts), "</td></tr>")
	}
	w.raw("\n  </table>\n</section>\n")
}

func (w *htmlWriter) checkIns(checkIns []CheckIn) {
	w.raw("<section class=\"card checkins\">\n  <h2>Check-ins</h2>\n  ")
	if len(checkIns) == 0 {
		w.raw("<p class=\"hint\">None yet.</p>\n</section>\n")
		return
	}
	w.raw("<ul>")
	for _, ci := range checkIns {
		w.in("<li>", clockText(ci.At), " ")
		w.phoneLink("<a", ci.PhoneNumber)
		if ci.IsMember {
			w.raw(" member")
		} else {
			w.raw(" not a member")
		}
		w.in(" (screen: ", ci.Screen, ")</li>")
	}
	w.raw("</ul>\n</section>\n")
}

// faultForm injects a fault (POST /sim/faults); ui.js sends the fields as JSON.
func (w *htmlWriter) faultForm(v storeView) {
	w.raw(`  <section class="card">
    <h2>Inject a fault</h2>
    <form id="fault-form" data-post="/sim/faults">
      <label>kind <select name="kind">`)
	for _, k := range v.FaultKinds {
		w.in("<option>", string(k), "</option>")
	}
	w.raw(`</select></label>
      <label>operation <select name="operation"><option value="">any</option>`)
	for _, op := range v.Operations {
		w.in("<option>", op, "</option>")
	}
	w.raw(`</select></label>
      <label>reference <input name="reference" placeholder="any"></label>
      <label>times <input name="times" data-number type="number" min="-1" placeholder="1 (-1: until removed)"></label>
      <label>probability <input name="probability" data-number type="number" min="0" max="1" step="any" placeholder="always"></label>
      <label>status <input name="status" data-number type="number" min="400" max="599" placeholder="for kind status"></label>
      <label>error_code <input name="error_code" data-number type="number" min="0" placeholder="e.g. 6260"></label>
      <label>retry_after_ms <input name="retry_after_ms" data-number type="number" min="0"></label>
      <label>delay_ms <input name="delay_ms" data-number type="number" min="0" placeholder="for kind delay"></label>
      <button type="submit" id="inject">Inject</button>
    </form>
  </section>
`)
}

// clockForm moves a FakeClock (POST /sim/clock/advance).
func (w *htmlWriter) clockForm() {
	w.raw(`  <section class="card">
    <h2>Move the fake clock</h2>
    <form id="clock-form" data-post="/sim/clock/advance">
      <label>ms <input name="ms" data-number type="number" min="0" value="60000"></label>
      <button type="submit">Advance</button>
    </form>
  </section>
`)
}
