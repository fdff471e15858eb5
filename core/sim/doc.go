// Package sim is the embedded Vipps MobilePay simulator: a real HTTP/1.1 server on a loopback
// address that speaks the Vipps wire contract for the access token and the ePayment API, so the
// library, its bindings and users' integration tests can run a whole in-store flow without the
// network.
//
//	srv, err := sim.Start(sim.Options{Clock: sim.NewFakeClock(start), ApproveDelay: -1})
//	defer srv.Close()
//	// point the client at srv.URL() with sim.DefaultCredentials
//
// # Endpoints
//
//	POST /accesstoken/get  (also /accessToken/get)              access token
//	POST /epayment/v1/payments                                  createPayment
//	GET  /epayment/v1/payments/{reference}                      getPayment
//	GET  /epayment/v1/payments/{reference}/events               event log
//	POST /epayment/v1/payments/{reference}/capture              capture
//	POST /epayment/v1/payments/{reference}/refund               refund
//	POST /epayment/v1/payments/{reference}/cancel               cancel
//	POST /epayment/v1/test/payments/{reference}/approve         forceApprove (test only)
//	POST /qr/v1/exchange                                        personal QR → MSISDN
//	POST /point-of-sale/v1/loyalty-check-in                     loyalty check-in
//	POST /vipps-login-ciba/api/v1/user-exists                   login pre-check
//	POST /vipps-login-ciba/api/backchannel/authentication       consent request (CIBA)
//	POST /access-management-1.0/access/oauth2/token             CIBA token polling
//	GET  /vipps-userinfo-api/userinfo  (also with a trailing /) userinfo
//	POST /order-management/v2/{paymentType}/receipts/{orderId} attach a receipt
//	GET  /order-management/v2/{paymentType}/{orderId}          read an order's receipt
//	POST /webhooks/v1/webhooks                                  register a webhook
//	GET  /webhooks/v1/webhooks                                  list the registrations
//	DELETE /webhooks/v1/webhooks/{id}                           delete one
//
// The customer-club endpoints are described under "Customer club" below.
//
// The token endpoint takes the client_id, client_secret and Ocp-Apim-Subscription-Key headers
// (DefaultCredentials unless Options say otherwise) and answers with every numeric field as a
// JSON string. Tokens live Options.TokenLifetime (1 hour) on the simulator's clock.
//
// Every ePayment call needs Ocp-Apim-Subscription-Key and "Authorization: Bearer <token>"
// (401 otherwise) and Merchant-Serial-Number: 400 with ErrorCode 4140 when it is missing, 400
// when it is not 4 to 7 digits, 403 "Invalid MSN" when the key set may not act for it (see
// "Sales units and partner keys"). Errors are application/problem+json with type, title,
// status, detail, instance, traceId and extraDetails; domain errors carry
// {"name":"ErrorCode","reason":"NNNN"}.
//
// # Sales units and partner keys
//
// Options.SalesUnits lists the sales units, each with its own MSN and keys (empty:
// []Credentials{Options.Credentials}); Options.Partners lists partner key sets
// (PartnerCredentials), each acting for the MSNs it lists. The token endpoint accepts any of
// these key sets and the token remembers which one it was issued to. On every API call the
// subscription key must belong to the token's key set (401 otherwise), and
// Merchant-Serial-Number must be one the key set may act for: a sales unit's own MSN, or one
// of a partner's MSNs. Anything else is 403 with title "Invalid MSN" and detail "Invalid MSN:
// 654321. This MSN is not valid for the provided supermerchant ID." (contract §1.2). Partner
// keys must always send the header, also where a sales unit may leave it out (QR exchange,
// Check-in): 403 without it.
//
// Payments, Idempotency-Key records and rate-limit windows are per MSN: a reference created
// under one MSN is 404 (ErrorCode 5090) under another, and the same reference may exist once
// per MSN. Go code names a payment with PaymentOf(msn, reference), ApproveOf, RejectOf and
// ExpireOf; Payment, Approve, Reject and Expire take the reference alone and work while it is
// unique across MSNs (else false or ErrAmbiguousPayment). The /sim/payments/{reference}
// control routes take an optional ?msn= the same way (400 when the reference is ambiguous
// without it). The Login API's client authentication (CIBA, user-exists, token) takes
// Options.Credentials' client secret, or partner keys the way Vipps' partner-key guide says:
// "Authorization: Bearer <token from /accesstoken/get>" issued to a partner and the
// Merchant-Serial-Number of a unit it acts for (403 invalid_client without it or for another
// MSN); a partner's client secret is 401 invalid_client there, as is a sales unit's bearer
// token.
//
// Idempotency-Key is required on create, capture and refund (400, ErrorCode 4140) and optional
// on cancel. A key reused with the same body bytes replays the first answer byte for byte (a
// 4xx included); with another body it gets 409 with ErrorCode 4020 (create, cancel), 4010
// (capture) or 4150 (refund). A new key with a reference that exists gets 409, ErrorCode 4150.
// Each API counts on its own, per reference and MSN, as Vipps' rate limits do: more than 5
// creates, 5 captures, 5 refunds or 5 cancels per minute for one reference (idempotent
// replays count, as they are requests), or more than 120 GETs of one payment or 120 of its
// event log, get 429 with Retry-After in whole seconds; a create and four partial captures
// leave a refund and a cancel their full budget. A 429 is not remembered for the key.
// forceApprove is neither rate-limited nor idempotent.
//
// Capture, refund and cancel follow contract §2.7: partial captures up to the reservation
// (6090 beyond), capture before approval 6080, after a cancel 6070, of an aborted or expired
// payment 6200; refunds up to what was captured (6150 beyond), before approval or capture
// 6020, of an aborted, expired or terminated payment 6210; cancel before approval terminates
// the payment, after approval releases the whole remaining reservation (the state stays
// AUTHORIZED), with cancelTransactionOnly on an authorized payment 6060, of a fully captured
// payment 6040, of an aborted or expired payment 6050; a repeated cancel answers like the
// first and changes nothing. A capture or refund in another currency than the payment's, of
// zero or of a non-integer amount is 4040.
//
// createPayment's other members (contract §2.2) are checked and kept: customerInteraction
// (CUSTOMER_PRESENT or CUSTOMER_NOT_PRESENT, default the latter), returnUrl and receiptUrl
// (https:// with a host or a custom scheme, else 4090), minimumUserAge (an integer 0..100, else
// 400 naming it; a named customer younger than that at the simulator's clock - the customers'
// birth dates are those of the club profiles - is 7010), profile.scope (space-separated from
// name address email phoneNumber birthDate nin, else 400 naming profile.scope), metadata (at
// most 5 string pairs 4100, keys 1..100 characters 4120, values up to 500 characters 4130).
// getPayment gives the metadata back, and profile.sub once a payment that asked for a profile
// is AUTHORIZED; PaymentSnapshot shows them all. Members it does not know are ignored, as a
// gateway does; expiresAt is 5050 (long-living payments are not approved for the sales unit).
//
// Options.UnitRules give a sales unit (by MSN) its settings at Vipps (UnitRules): its Market,
// "NO" (default), "DK" or "FI", whose currency alone it takes (NOK, DKK, EUR; another is
// 5040); PushNotAllowed, a unit not approved for PUSH_MESSAGE (5080); FullCaptureOnly, a unit
// that may not capture partially (6140). Options.FailureAmounts (off by default) makes the
// test environment's failure amounts fail: a payment of 151, 182, 183, 184, 186, 187, 197 or
// 202 (minor units) is refused by the card and ends ABORTED after ApproveDelay, one of 201
// never gets an answer, a refund of 123 is 5100 and one of 124 is 6220.
//
// HTTP statuses the contract leaves open, as chosen here: unknown reference 404 (ErrorCode
// 5090); idempotency conflicts and an existing reference 409; every other domain error 400;
// a body over 1 MiB 413; an unknown path 404 and a wrong method 405, both problem+json.
//
// # Magic customers
//
// The customer a payment is sent to decides what happens. A customer is named by phone number
// (MSISDN), by a legacy personal QR carrying it (https://qr.vipps.no/28/2/01/031/<MSISDN>?v=1,
// see LegacyPersonalQR), by a tokenised personal QR https://qr.vipps.no/p/sim-<MSISDN> (see
// PersonalQR), or by the customer token sim-<MSISDN> (see CustomerToken). Other /p/ tokens are
// invalid personal QRs (ErrorCode 4060), other tokens invalid customer tokens (4050).
//
//	4790000001  rejects: ABORTED after ApproveDelay
//	4790000002  never answers: EXPIRED after PaymentExpiry
//	4790000003  unknown customer: createPayment answers 400, ErrorCode 7010
//	4790000004  waits for the control API (approve, reject, expire); EXPIRED after PaymentExpiry
//	            if nothing happens
//	4790000005  is confirming in the app: AUTHORIZED after ApproveDelay, and until then a
//	            cancel is 400, ErrorCode 6250 (cannot cancel a processing payment)
//	any other   approves: AUTHORIZED after ApproveDelay (e.g. 4791234567, 4712345678)
//
// A payment without a customer (WEB_REDIRECT, NATIVE_REDIRECT, QR) waits like 4790000004. The
// control API and forceApprove work on every payment that is still CREATED. Options:
// ApproveDelay (default 1s; negative means at once), PaymentExpiry (default 10 minutes).
//
// # Customer-facing QR
//
// A payment with userFlow QR needs no customer: the till shows a QR code and whoever scans it
// pays. qrFormat {format, size} is only allowed with userFlow QR (400 naming qrFormat
// otherwise); format is TEXT/TARGETURL, IMAGE/SVG+XML (the default) or IMAGE/PNG (400 naming
// qrFormat.format, 4140 when missing); size is 100..2000 and only for IMAGE/PNG (400 naming
// qrFormat.size). The redirectUrl of createPayment (and getPayment) is, with TEXT/TARGETURL,
// the target URL the customer's camera opens, <base URL>/sim/qr/<opaque token>, and with the
// image formats <base URL>/sim/qr/<token>/image, a placeholder image the simulator serves
// (an SVG naming the target URL, or a blank PNG of the requested size; the library draws real
// QR codes from the target URL itself).
//
// Scanning: POST /sim/qr/{token}/scan, with no body or {"phone_number": "47…"}, is that
// customer (default MSISDNScansQR, 4712345678) scanning and approving at once: CREATED →
// AUTHORIZED, the customer recorded in the snapshot (CustomerIdentifiedBy "qrScan"); 204; 404
// unknown token; 409 when the payment is no longer CREATED; 400 for a bad body, a number that
// is not an MSISDN or MSISDNUnknown. GET /sim/qr/{token} is what the phone shows: JSON
// {msn, reference, amount, paymentDescription, state, scanUrl}, or a small HTML page with a
// Pay button when the client accepts text/html. Go: Server.ScanQR(url) and ScanQRAs(url,
// msisdn) take the target URL, the image URL or the bare token (ErrUnknownQR, ErrNotPending).
// A QR payment nobody scans waits like 4790000004 and EXPIRES after PaymentExpiry.
//
// # Receipts and Order Management
//
// createPayment takes an optional receipt, and Order Management takes one per order (contract
// §7). Both check the Receipt schema: orderLines (at least one) each with name, id,
// totalAmount, totalAmountExcludingTax and totalTaxAmount (integers), taxRate 0..10000 or the
// deprecated taxPercentage 0..100 (one of them), an optional unitInfo {unitPrice ≥ 0 and
// quantity (a string of at most 10 characters matching ^\d+([.]\d{1,8})?$) required,
// quantityUnit PCS|KG|KM|MINUTE|LITRE|KWH}, discount ≥ 0, productUrl, isReturn and isShipping
// booleans; bottomLine with currency NOK|DKK|EUR required, tipAmount ≥ 0, posId,
// receiptNumber, paymentSources {giftCard, card, voucher, cash} (integers), barcode {format
// EAN-13|CODE 39|CODE 128, data} (both required). null counts as absent; unknown and
// deprecated members are accepted unchecked. The first fault found is answered: in
// createPayment as 400 problem+json naming the field ("receipt.orderLines[0].taxRate"), with
// ErrorCode 4140 when it is missing; in Order Management as 400 ErrorResponse naming it
// ("orderLines[0].taxRate").
//
// The arithmetic is not checked by default (the Vipps documentation promises no such check;
// the library checks its own receipts). Options.StrictReceipts adds it: each line's
// totalAmount must be totalAmountExcludingTax + totalTaxAmount, and when the payment is known
// (createPayment; an ECOM order whose id is a payment reference under the MSN) the bottom
// line's currency must be the payment's and the lines' totals (returns negative) plus
// tipAmount must add up to the payment's amount, or (a split tender) to the payment's amount
// plus bottomLine.paymentSources and the deprecated giftCardAmount, or to those sources alone
// (when they name the whole split, this payment as card); 400 naming the line's totalAmount,
// bottomLine.currency or orderLines.
//
// POST /order-management/v2/{paymentType}/receipts/{orderId} sits behind the gateway checks
// with Merchant-Serial-Number required (401 and 403 as for ePayment; a missing or malformed
// MSN is a 400 ErrorResponse naming Merchant-Serial-Number). paymentType is ecom or recurring
// in any case (400 naming paymentType), orderId matches ^[0-9A-Za-z-_\.]+$ (400 naming
// orderId). It answers 201 with the receipt's id as a JSON string; a second receipt for the
// same MSN, payment type and order is 409 (receipts are immutable). Whether the order exists
// is not checked. Errors are the ErrorResponse {type, title, detail, instance, invalidParams:
// [{name, reason}]}, as application/problem+json. GET /order-management/v2/{paymentType}/{orderId}
// answers {"category": null, "receipt": {…}} (the receipt as it was sent, compacted; the
// simulator keeps no categories), or 404 ErrorResponse when the order has no receipt.
//
// A receipt given in createPayment is kept with the payment (PaymentSnapshot.Receipt, compact
// JSON) and is the receipt of the order (MSN, ECOM, reference), so a later POST for it is 409
// and GET returns it; should that order already have a receipt, the older one stays the
// order's. PaymentSnapshot.Receipt otherwise shows the order's receipt from Order Management.
// Go: Server.Receipt(msn, orderID) returns the ECOM order's receipt, or else the RECURRING
// one's.
//
// # Capture discrepancies
//
// Server.SkewCaptured(reference, delta) (SkewCapturedOf with an MSN) and POST
// /sim/payments/{reference}/skew {"captured_delta": N} make a payment report, in getPayment
// and in the answers of capture, refund and cancel, a capturedAmount N minor units off what
// was really captured: a discrepancy on the Vipps side that a till's capture check must
// notice. A new skew replaces the old one; 0 removes it. Limits, the event log and
// PaymentSnapshot.Aggregate keep to the real amounts; PaymentSnapshot.CapturedSkew shows N.
//
// # Customer club
//
// The in-store customer-club flow: identify the customer (QR exchange), show the loyalty
// screen (Check-in), and enroll a non-member by merchant-initiated login (CIBA) and userinfo.
// Membership is the POS's business; the simulator never decides it.
//
// QR exchange and Check-in sit behind the same gateway checks as ePayment (subscription key,
// bearer token), except that Merchant-Serial-Number is optional (when sent it is checked).
// The exchange needs qrCode, the complete scanned text; requestedData may only hold "MSISDN".
// A legacy code answers {"msisdn", "version": "1.0"}, a tokenised sim-<MSISDN> code
// {"msisdn", "timestamp", "version": "2.0"}; anything else is 400 naming qrCode, and the code
// is never echoed. Check-in needs phoneNumber (^47[0-9]{8}$; a JSON string, or a number as
// Vipps' quick-start sends it) and isMember (boolean); it answers 200 with a GUID as a JSON
// string and records the check-in (Server.CheckIns) with the screen the app shows: "member"
// when isMember and the customer is a Vipps user, else "none". Its errors are the Check-in
// API's ErrorResponse (type, title, detail, instance, invalidParams[{name, reason}]).
//
// The Login endpoints take form-encoded bodies and client authentication with the
// credentials' client_id and client_secret, as client_secret_basic (each part form-urlencoded,
// RFC 6749 §2.3.1) or client_secret_post; none, a wrong one or both at once is 401
// invalid_client (400 invalid_request for both). Errors are OAuth objects {"error",
// "error_description"} with Vipps' "error_code" where it has one, as
// application/json;charset=UTF-8. login_hint is urn:msisdn:<MSISDN>, the legacy
// urn:mobilenumber:<8 digits> (Norway), or urn:customer-token:sim-<MSISDN>.
//
// The authentication request needs login_hint and scope (space-separated, openid required;
// openid name phoneNumber address birthDate email nin delegatedConsents customFlow gender; nnin and
// others are invalid_scope); binding_message must match ^[A-Z0-9-]{5,8}$
// (invalid_binding_message); requested_expiry is 60..900 s; requested_flow (the redirect
// variant) is not simulated. It answers {"auth_req_id", "expires_in", "interval"}: the
// lifetime is requested_expiry or Options.LoginExpiry (10 minutes), the interval
// Options.LoginInterval (1 s; Vipps says 5). A customer with a consent request still pending
// gets 429 too_many_requests with Retry-After (seconds until that request expires).
//
// The token endpoint (grant_type urn:openid:params:grant-type:ciba, else
// unsupported_grant_type) enforces the interval from the authentication request and between
// polls: a poll sooner than that is slow_down, and every slow_down raises the interval by 5 s
// for all later polls. Otherwise it answers authorization_pending while the customer has not
// answered, access_denied when they declined, expired_token once the request's lifetime is
// over, the tokens ({"access_token": "ciba.…", "token_type": "Bearer", "expires_in": 300,
// "scope", "id_token"}) once after consent, and invalid_grant for a used or unknown
// auth_req_id. The id_token is shaped like a JWT but not signed. Userinfo takes only that
// access token ("Authorization: Bearer"; a subscription key is 401, as on Vipps; so is an
// unknown or expired token) and returns the claims of the consented scopes: sub (stable per
// customer and MSN) always; name, given_name, family_name; phone_number; email,
// email_verified; birthdate; nin; gender ("female" or "male"); address.
//
// Scenario customers of the club flow. Any number not listed consents after ApproveDelay.
// With payments they behave as under "Magic customers" (the new ones approve):
//
//	4790000010  club member in the examples' POS registers; consents like anyone else
//	4790000011  non-member who consents after ApproveDelay (profile: Kari Nordmann)
//	4790000012  non-member who declines after ApproveDelay: access_denied
//	4790000013  non-member who never answers: authorization_pending, then expired_token
//	4790000014  app too old: the authentication request is 400, error_code old_app
//	4790000003  not a Vipps user: user-exists false; authentication request 400
//	            unknown_user_id, error_code invalid_user; check-in shows nothing
//	4790000004  waits for the control API (consent, deny, expire), else expired_token
//
// # Control API
//
// Plain HTTP without authentication, for tests and vendors' rigs:
//
//	POST /sim/payments/{reference}/approve   customer approves now   204; 404 unknown; 409 not CREATED
//	POST /sim/payments/{reference}/reject    customer aborts now     204; 404; 409
//	POST /sim/payments/{reference}/expire    payment expires now     204; 404; 409
//	GET  /sim/payments/{reference}           PaymentSnapshot as JSON (MSN, state, amounts,
//	                                         aggregate, customer, event log); 404 unknown
//	POST /sim/payments/{reference}/skew      {"captured_delta": N}: the API reports captured + N;
//	                                         204; 404 unknown; 400 bad body
//	     …/sim/payments/{reference}…?msn=N   any of these for the payment under MSN N; without
//	                                         ?msn= the reference must be unique (400 otherwise)
//	GET  /sim/qr/{token}                     what the phone shows: JSON (HTML for text/html); 404
//	GET  /sim/qr/{token}/image               the placeholder QR image (SVG or PNG); 404
//	POST /sim/qr/{token}/scan                a customer scans and approves ({"phone_number"}
//	                                         optional): 204; 404 unknown token; 409 not CREATED
//	GET  /sim/clock                          {"now": "<RFC 3339>"}
//	POST /sim/clock/advance  {"ms": N}       moves a FakeClock N ms forward; {"now": …};
//	                                         409 when the simulator runs on the real clock
//	POST   /sim/faults                       inject a fault (below): 201 {"id": "fault-N"};
//	                                         400 problem when it is invalid
//	GET    /sim/faults                       the faults as a JSON array, with remaining and hits
//	DELETE /sim/faults/{id}                  remove one fault: 204; 404 unknown
//	DELETE /sim/faults                       remove every fault: 204
//	POST /sim/logins/{msisdn}/consent        the customer consents now to their pending consent
//	                                         request: 204; 404 no request; 409 not pending
//	POST /sim/logins/{msisdn}/deny           the customer declines now: 204; 404; 409
//	POST /sim/logins/{msisdn}/expire         the request expires now: 204; 404; 409
//	GET  /sim/logins/{msisdn}                LoginSnapshot of the customer's newest request
//	                                         (state, scopes, interval, polls, slow_downs); 404
//	GET  /sim/check-ins                      the check-ins received, oldest first (JSON array)
//	GET  /sim/webhooks                       the webhook registrations of every sales unit with
//	                                         their delivery counters (no secrets)
//
// The same operations are Go methods: Server.Approve, Reject, Expire, Payment (and ApproveOf,
// RejectOf, ExpireOf, PaymentOf with an MSN), SkewCaptured (SkewCapturedOf), ScanQR
// (ScanQRAs), Receipt, Stats,
// InjectFault, RemoveFault, ClearFaults, Faults, Consent, Deny, ExpireLogin, Login,
// CheckIns, RegisterWebhook (RegisterWebhookOf), DeleteWebhook and Webhooks.
//
// # Pages
//
// What a person at a test till looks at instead of typing control-API calls, served on the
// simulator's own address from files embedded in the binary (nothing fetched from elsewhere,
// works offline):
//
//	GET /sim/ui/                 the store's dashboard: payments newest first (state, amounts
//	                             captured/refunded/cancelled, event log, receipt, a QR payment's
//	                             customer-facing QR and "Scan it"), faults with a form for every
//	                             kind, webhook registrations and their deliveries, check-ins,
//	                             the clock (with a form to move a fake one), links to phones
//	GET /sim/ui/phone/{msisdn}   that customer's phone: a push payment request (sales unit,
//	                             amount, description, receipt lines, "at the till", time left;
//	                             Approve / Reject), a consent request with its scopes (Consent /
//	                             Deny), the loyalty check-in screen, the personal QR as an image a
//	                             barcode scanner reads off the screen, the recent payments
//
// Both follow the simulator's state live by Server-Sent Events (/sim/ui/live/...): every API
// request and payment event wakes the open pages, each renders the state as it is and sends it
// when it changed; nothing is queued per page, so a page open for a day holds what one open for
// a minute does. Every button calls the control API below (the same handlers, nothing of its
// own), and the pages' HTML writer (ui_html.go) escapes whatever a till sent; it is not
// html/template, whose reflection would cost the shipped library 4 MB. A number never seen
// shows an empty phone; the pages only read (405 for other methods).
//
// # Fault injection
//
// A fault makes requests of the Vipps API (never the /sim control API, never a request that
// matches no endpoint) fail the way networks and gateways do, so a client's retry and recovery
// can be tested. The body of POST /sim/faults (every member but kind optional, unknown members
// refused) mirrors the Fault type:
//
//	{"kind": "drop_after_commit", "operation": "capture", "reference": "acme-1-42",
//	 "times": 1, "probability": 0, "status": 0, "error_code": 0, "retry_after_ms": 0, "delay_ms": 0}
//
// Kinds. "Processed" means exactly what the request does without a fault: the payment changes,
// the answer is stored for the Idempotency-Key, so the same key and body sent again replay it
// (Stats.Replays) and move no money twice. Kinds that do not process have no effect at all (no
// payment change, no idempotency record, no rate-limit token), so the retry performs the
// operation once.
//
//	delay              holds the request for delay_ms of wall-clock time, then processes and
//	                   answers; a client that gave up meanwhile lost a committed answer. Close
//	                   ends the hold at once and drops the request unprocessed.
//	close_before       closes the connection at once: not processed, not a byte written
//	drop_after_commit  processes, then closes the connection without writing a byte
//	status             answers status (400-599) as problem+json, not processed; 423 carries
//	                   ErrorCode 6160; error_code puts another Vipps ErrorCode in it (6250: a
//	                   cancel while the customer is approving; 6260 funds unavailable and 6280
//	                   capture failed: retry the same request); retry_after_ms adds Retry-After
//	                   in whole seconds (rounded up, at least 1) — meant for 429 and 503
//	truncated_body     processes, then writes the status line and headers with the full
//	                   Content-Length but only half the body, and closes (an answer without a
//	                   body is cut inside its headers)
//	malformed_json     processes, then answers the real status and Content-Type with a body that
//	                   is not JSON (the first half of the real one)
//	event_log_lag      (operation events, taken when none is given) the payment's event log
//	                   lags: a read lists only the events that happened delay_ms or more ago,
//	                   on the wall clock or on the simulator's clock (a fake clock moved ahead
//	                   lists them), while the payment's figures (GET the payment) are current;
//	                   with times -1 it lasts until removed, which lists everything at once;
//	                   it is the log's state, not an answer: another fault still answers a
//	                   read it hits (a status fault, say), and is never kept from one by it
//
// Which requests: operation is one of token (POST /accesstoken/get), create, get, events,
// capture, refund, cancel, force_approve, receipt (POST Order Management receipt),
// get_receipt (GET Order Management order), or empty for all of them; reference, when set,
// limits the fault to that payment (the path segment; for create, the body's reference; for
// receipt and get_receipt, the orderId). times is how
// many matching requests get the fault (0 means 1, -1 every one until removed); probability,
// strictly between 0 and 1, lets each matching request escape with 1-p, drawn from a generator
// seeded with Options.FaultSeed (0: from the time), so a soak run is repeatable. Faults are
// tried in the order they were injected; the first that matches, has times left and wins its
// draw applies, and a used-up fault stays listed (remaining 0) until removed. A faulted request
// counts in Stats.Requests and Stats.FaultsInjected by kind; its real effects count as usual.
//
// Webhook delivery faults apply to deliveries, never to requests (operation "webhook", which
// they take when none is given; request kinds cannot have it). They are drawn once per event
// and registration, when the event is queued; reference limits them to that payment's events:
//
//	webhook_duplicate      the event is delivered twice, the copy right after the first was
//	                       accepted
//	webhook_reorder        the delivery is held back until the registration's next delivery has
//	                       gone out (or for 500 ms when none follows): the receiver sees the two
//	                       in the wrong order
//	webhook_bad_signature  the first attempt is signed with a wrong secret; a receiver that
//	                       verifies refuses it (any non-2xx), and the retry is signed correctly
//
// A note for Go clients: net/http's Transport re-sends a request that carries an
// Idempotency-Key (or is a GET) by itself when a reused keep-alive connection closes without
// an answer, which hides close_before and drop_after_commit; the simulator's tests use a
// connection per request where that matters.
//
// # Webhooks
//
// The Webhooks API (contract §8.1) behind the gateway checks, with an optional
// Merchant-Serial-Number (a registration belongs to that sales unit, else to the token's own):
// POST {"url", "events"} answers 201 {"id", "secret"}; unknown members, an empty or unknown
// event type (ePayment's are epayments.payment.<name>.v1 - the plural epayments), a URL that
// is not absolute http or https, and a 26th registration of one event type are 400. The
// simulator sends nothing off the machine, so a URL whose host is not a loopback address
// (127.0.0.0/8, ::1, localhost) is 400 too; http is accepted, as a local rig has no
// certificate (Vipps demands https). GET answers {"webhooks": [{"id", "url", "events"}]} of
// the unit, secrets never included; DELETE answers 204, 400 for an id that is not a UUID, 404
// for an unknown one (the spec names only 400: the simulator's choice).
//
// Every event a payment records (CREATED, AUTHORIZED, ABORTED, EXPIRED, TERMINATED,
// CAPTURED, REFUNDED, CANCELLED) is POSTed to each registration of the payment's sales unit
// that names epayments.payment.<name lower-case>.v1, as Vipps does (contract §8.3-8.5): the
// body {"msn", "reference", "pspReference", "name", "amount", "timestamp", "idempotencyKey",
// "success"}, Content-Type application/json, x-ms-date (the simulator's clock),
// x-ms-content-sha256 and Authorization "HMAC-SHA256 SignedHeaders=x-ms-date;host;
// x-ms-content-sha256&Signature=…" with the registration's secret over the URL's path and
// query and its authority. Deliveries to one registration go one at a time, in the order the
// events happened; a delivery not answered 2xx within Options.WebhookTimeout (10 s) - an error
// status, a redirect, a refused connection - is retried after Options.WebhookRetryDelay (2 s)
// four times, then 30, 60 and 1800 times that (Vipps: 60 s, 120 s, hourly), and holds back
// the ones behind it, until it is accepted, the registration is deleted or the simulator
// closes. Stats.WebhooksDelivered and WebhookAttemptsFailed count them; Webhooks reports each
// registration's pending, delivered and failed attempts.
//
// Options.Latency simulates the network: every Vipps API request is handled half the round
// trip after it arrives and answered the other half later, and every delivery travels the
// same way; the /sim control API is never delayed.
//
// # Time
//
// Expiry, the customer's answer delay, token lifetime and rate-limit windows all run on
// Options.Clock, and so do consent requests (answer, lifetime, polling interval) and login
// tokens. Scheduled transitions are applied lazily whenever a payment is read or
// modified, at the time they were due, so a FakeClock needs no timers and the event log shows
// the scheduled times. On the real clock a timer also applies them when they are due, so their
// webhooks go out without anyone reading the payment; on a FakeClock they (and their webhooks)
// happen when the payment is next read, modified or decided.
//
// # Structure
//
// Every request passes through Server.ServeHTTP, which routes it, checks headers, runs the
// handler to get a complete answer as a value, and writes it. Handlers never touch the
// connection; that single seam is where a request with an injected fault is delayed,
// dropped (by hijacking the connection) or given a corrupted answer around the same handler.
package sim
