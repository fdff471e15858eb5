package core

import (
	"crypto/sha256"
	"encoding/hex"
)

// idempotencyKey gives the Idempotency-Key of an operation. With an operation id from the till
// the key is derived from (operation, reference, id), so the same till operation always sends
// the same key; without one each call gets a fresh random key, reused only by that call's own
// retries. Keys are 44 characters (Vipps allows 50).
func idempotencyKey(operation, reference, operationID string) string {
	if operationID == "" {
		return "vmp-" + randomHex(20)
	}
	sum := sha256.Sum256([]byte(operation + "\x00" + reference + "\x00" + operationID))
	return "vmp-" + hex.EncodeToString(sum[:20])
}
