package model

// MaxURLBytes caps a URL the library is given: a webhook's, a managed prefix, a receipt line's
// product URL. Vipps documents no limit; URLs beyond about 2000 bytes are not carried reliably
// by HTTP infrastructure, and a request with a URL of megabytes ends without an answer - as an
// unknown outcome.
const MaxURLBytes = 2048
