package core

import (
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/payments"
)

// Payment is what the library knows of one payment (internal/payments, with the invariants
// every view of it keeps). State and its values are abi_gen.go's.
type Payment = payments.Payment

// ParseState maps a Vipps state name to a State; unknown names give StateUnknown.
func ParseState(name string) State { return abi.ParseState(name) }
