package payments

import (
	"crypto/sha256"
	"encoding/hex"
)

// TillIdentity is what makes one till's operation ids its own: two tills of a chain may both
// number their returns from 1, and a refund "return-1" of one must never be taken by Vipps for
// the other's. Only the configuration goes in, never the journal, so a till that lost its
// journal still derives the same key for the same operation id.
type TillIdentity struct {
	StoreID, PosID string
}

// IdempotencyKey gives the Idempotency-Key of an operation of the sales unit with this MSN.
// With an operation id from the till (for a checkout: its explicit reference) the key is
// derived from (operation, MSN, store_id, pos_id, reference, id), so the same till operation
// always sends the same key and two tills never share one; without one each call gets a fresh
// random key, reused only by that call's retries and by repeats matched to it. Keys are 44
// characters (Vipps allows 50).
func IdempotencyKey(till TillIdentity, operation, msn, reference, operationID string) string {
	if operationID == "" {
		return "vmp-" + RandomHex(20)
	}
	sum := sha256.Sum256([]byte("v2\x00" + operation + "\x00" + msn + "\x00" + till.StoreID + "\x00" + till.PosID + "\x00" +
		reference + "\x00" + operationID))
	return "vmp-" + hex.EncodeToString(sum[:20])
}
