package core

// Code is the outcome class of an engine call: vmp_status of include/vmp.h, whose
// VMP_STATUS_LIST makes the constants (abi_gen.go, internal/abi). Go-side notes on some:
//   - CodeCustomerNotFound: Login's invalid_user (no or inactive account, under 15);
//     CodeAppTooOld: Login's old_app.
//   - CodeUnverified: a webhook delivery failed verification (signature, content hash, date or
//     a missing header); it was not applied.
//   - CodeForked and CodeInCallback are decided in the C shim (capi/wall_fork.c, vmp_close in a
//     callback), which never enters Go for them.
//   - CodeNewJournal: a call without an operation id on a payment a new journal does not know
//     (newjournal.go).
