package sim

import (
	"net/url"
	"strconv"
)

// The customer's phone page (/sim/ui/phone/<msisdn>), one function per section. phoneView
// (ui_views.go) is what it shows; ui.js and ui.css know its classes, ids and data attributes.

func phonePage(v phoneView) []byte {
	w := &htmlWriter{}
	w.raw(pageHead)
	w.in("<title>Phone ", v.MSISDN, " - Vipps MobilePay simulator</title>\n")
	w.raw(pageAssets)
	w.raw("<body class=\"phone-page\">\n<main class=\"phone\">\n")
	w.in(`  <header class="app-bar"><span class="brand">Vipps MobilePay</span><span class="number">`, v.MSISDN, "</span></header>\n")
	w.raw("  <p id=\"status\" role=\"status\"></p>\n  <div id=\"live\"")
	w.attr("data-live", "/sim/ui/live/phone/"+url.PathEscape(v.MSISDN))
	w.raw(">")
	w.phoneView(v)
	w.raw("</div>\n")
	w.personalQR(v)
	w.raw("  <footer><a href=\"/sim/ui/\">Store dashboard</a></footer>\n</main>\n</body>\n</html>")
	return w.bytes()
}

// phoneViewHTML is the part of the phone page its stream sends.
func phoneViewHTML(v phoneView) []byte {
	w := &htmlWriter{}
	w.phoneView(v)
	return w.bytes()
}

func (w *htmlWriter) phoneView(v phoneView) {
	for _, p := range v.Pending {
		w.paymentRequest(p)
	}
	if v.Login != nil {
		w.consent(*v.Login)
	}
	if v.CheckIn != nil {
		w.checkInScreen(*v.CheckIn)
	}
	if len(v.Pending) == 0 && v.Login == nil && v.CheckIn == nil {
		w.raw("\n<section class=\"card idle\"><p>No requests. Waiting for a till…</p></section>")
	}
	w.recentPayments(v.Recent)
}

// paymentRequest is a payment waiting for the customer: approve or reject.
func (w *htmlWriter) paymentRequest(p uiPayment) {
	w.raw("\n<section class=\"card request\"")
	w.attr("data-reference", p.Reference)
	w.attr("data-state", string(p.State))
	w.raw(">\n")
	w.in(`  <p class="merchant">`, p.Merchant, "</p>\n")
	w.in(`  <p class="amount">`, p.Amount, "</p>\n")
	if p.Description != "" {
		w.in(`  <p class="description">`, p.Description, "</p>\n")
	}
	if p.CustomerPresent {
		w.raw("  <p class=\"present\">You are at the till</p>\n")
	}
	if p.Receipt != nil {
		w.raw("  ")
		w.receipt(*p.Receipt)
		w.raw("\n")
	}
	w.raw(`  <p class="time-left">Time left <span`)
	if p.Ticking {
		w.attr("data-countdown", strconv.FormatInt(p.ExpiresInMS, 10))
	}
	w.in(">", countdownText(p.ExpiresInMS), "</span></p>\n")
	w.raw("  <div class=\"actions\">\n")
	w.actionButton("    ", "reject", paymentAction(p, "reject"), "Reject")
	w.actionButton("    ", "approve", paymentAction(p, "approve"), "Approve")
	w.raw("  </div>\n</section>")
}

// consent is a login (CIBA) request: the store asks to see the customer's details.
func (w *htmlWriter) consent(l uiLogin) {
	w.raw("\n<section class=\"card consent\"")
	w.attr("data-state", string(l.State))
	w.raw(">\n")
	w.in(`  <p class="merchant">Log in to `, l.Merchant, "</p>\n")
	if l.BindingMessage != "" {
		w.in(`  <p class="binding">Code <strong>`, l.BindingMessage, "</strong> - check it matches the till</p>\n")
	}
	w.raw("  <p>The store asks to see:</p>\n  <ul class=\"scopes\">")
	for _, s := range l.Scopes {
		w.in("<li>", s, "</li>")
	}
	w.raw("</ul>\n")
	if l.Pending {
		login := "/sim/logins/" + url.PathEscape(l.MSISDN)
		w.raw("  <div class=\"actions\">\n")
		w.actionButton("    ", "deny", login+"/deny", "Deny")
		w.actionButton("    ", "consent", login+"/consent", "Consent")
		w.raw("  </div>\n")
	} else {
		w.in(`  <p class="state">`, string(l.State), "</p>\n")
	}
	w.raw("</section>")
}

// checkInScreen is what the app shows after a loyalty check-in.
func (w *htmlWriter) checkInScreen(ci CheckIn) {
	w.raw("\n<section class=\"card checkin\"")
	w.attr("data-screen", ci.Screen)
	w.raw(">\n")
	if ci.Screen == "member" {
		w.in("  <p class=\"merchant\">Checked in</p><p>Welcome back, member. The till knows you are here (", clockText(ci.At), ").</p>\n")
	} else {
		w.in("  <p class=\"merchant\">Check-in received</p><p>Not a member: the app shows nothing (", clockText(ci.At), ").</p>\n")
	}
	w.raw("</section>")
}

func (w *htmlWriter) recentPayments(recent []uiPayment) {
	w.raw("\n<section class=\"card recent\">\n  <h2>Recent payments</h2>\n  ")
	if len(recent) == 0 {
		w.raw("<p class=\"hint\">None yet.</p>\n</section>\n")
		return
	}
	w.raw("<ul>")
	for _, p := range recent {
		w.raw(`<li class="payment"`)
		w.attr("data-reference", p.Reference)
		w.attr("data-state", string(p.State))
		w.in("><span>", p.Merchant, "</span> ")
		w.in(`<span class="amount">`, p.Amount, "</span> ")
		w.stateBadge(p.State)
		if p.Description != "" {
			w.in(`<br><small class="description">`, p.Description, "</small>")
		}
		w.raw("</li>")
	}
	w.raw("</ul>\n</section>\n")
}

func (w *htmlWriter) personalQR(v phoneView) {
	w.raw("  <section class=\"card personal-qr\">\n    <h2>My QR</h2>\n    ")
	if v.Known {
		w.raw(`<img id="personal-qr"`)
		w.attr("src", "/sim/ui/phone/"+url.PathEscape(v.MSISDN)+"/qr.png")
		w.raw(` width="240" height="240"`)
		w.attr("alt", "personal QR code of "+v.MSISDN)
		w.raw(">\n")
		w.in(`    <p class="hint">Show this to the till's scanner: it carries `, v.QRText, ".</p>\n")
	} else {
		w.in(`<p class="hint">`, v.MSISDN, " is not a Vipps MobilePay user in the simulator.</p>\n")
	}
	w.raw("  </section>\n")
}
