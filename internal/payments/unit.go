package payments

import (
	"github.com/vmp-dev/vmp/core/journal"
	"github.com/vmp-dev/vmp/core/vipps"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// Unit is one sales unit (store, MSN) the engine acts for, with the wire client that carries
// its keys: the till's own, or another store of the chain. Payments, their QR codes and
// receipts belong to a unit, so the money operations are its methods (operations.go).
type Unit struct {
	engine          *Engine
	name            string // "" is the till's own unit
	referencePrefix string
	msn             string
	api             *vipps.Client
}

// UnitConfig is a sales unit as the composition root resolved it from the configuration.
type UnitConfig struct {
	Name string // "" is the till's own unit
	// ReferencePrefix starts the references the engine generates for the unit.
	ReferencePrefix string
	MSN             string
	// API is the wire client with the unit's keys (its own, or partner keys for its MSN).
	API *vipps.Client
}

// Units are the engine's sales units, the till's own first.
func (eng *Engine) Units() []*Unit { return eng.units }

// Name is the unit's name in the configuration, "" for the till's own.
func (u *Unit) Name() string { return u.name }

// MSN is the unit's merchant serial number.
func (u *Unit) MSN() string { return u.msn }

// API is the wire client that carries the unit's keys.
func (u *Unit) API() *vipps.Client { return u.api }

// msnKey names the unit in intents and journal lookups: by its MSN, which a renamed unit keeps.
func (u *Unit) msnKey() string {
	if u.msn == "" {
		return "unit:" + u.name
	}
	return "msn:" + u.msn
}

// owns reports whether a journal entry is an operation of this unit: by MSN, or by name for
// entries of vmp 0.1, which recorded no MSN.
func (u *Unit) owns(e *journal.Entry) bool { return u.ownsUnit(e.MSN, e.Unit) }

// ownsUnit is owns of an entry's MSN and unit name.
func (u *Unit) ownsUnit(msn, unit string) bool {
	if msn != "" {
		return msn == u.msn
	}
	return unit == u.name
}

// scoped names a reference within its sales unit: journal keys, intents and trackers must not
// mix two units' payments of the same reference. The till's own unit keeps the bare reference.
func (u *Unit) scoped(reference string) string {
	if u.name == "" {
		return reference
	}
	return u.name + "/" + reference
}

// unitOfEntry gives the configured unit a journal entry was sent for. An entry whose unit the
// configuration no longer has cannot be finished here: it stays open and is reported.
func (eng *Engine) unitOfEntry(e *journal.Entry) (*Unit, error) {
	for _, u := range eng.units {
		if u.owns(e) {
			return u, nil
		}
	}
	msn := e.MSN
	if msn == "" {
		msn = "of sales unit " + e.Unit
	}
	return nil, model.Errorf(abi.CodeInvalidConfig, "%s of %s was sent for MSN %s, which the configuration no longer has; it stays open: "+
		"configure that sales unit again (any name) to finish it, or check the payment in the Vipps portal", e.Operation, e.Reference, msn)
}

// unitOfMSN is the sales unit with this MSN, nil when the engine acts for none.
func (eng *Engine) unitOfMSN(msn string) *Unit {
	for _, u := range eng.units {
		if u.msn == msn {
			return u
		}
	}
	return nil
}
