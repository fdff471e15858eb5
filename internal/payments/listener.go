package payments

// Listener learns every newer view of a payment the engine keeps - each update of its
// tracker: a status read, a capture, refund or cancel answer, a webhook event - and when the
// engine forgets one (an idle tracker pruned, core/upkeep.go). The C ABI uses it to keep the copy
// from which vmp_poll_status with wait 0 answers without entering Go (capi/snapshot.go).
//
// The calls come with the payment's tracker locked, so they are in order for each payment; they
// must be quick and must not call the engine.
type Listener interface {
	PaymentKnown(unit, reference string, p Payment)
	PaymentForgotten(unit, reference string)
}
