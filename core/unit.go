package core

// Unit is one sales unit (store, MSN) the client acts for: the till's own, or another store of
// the chain named in the configuration's sales_units. Payments, their QR codes and receipts, and
// webhook registrations belong to a unit, so they are its methods: acting for another store is
// always a Unit value the caller asked for, never a default. Safe for concurrent use; valid as
// long as its client (a call after Close fails as on the client).
type Unit struct {
	client *Client
	sales  *salesUnit
}

// Unit gives the named sales unit of the configuration; "" is the till's own.
func (c *Client) Unit(name string) (*Unit, error) {
	for _, u := range c.unitViews {
		if u.sales.name == name {
			return u, nil
		}
	}
	return nil, newError(CodeInvalidArgument, "no sales unit %q in the configuration", truncateForMessage(name, 40))
}

// OwnUnit is the till's own sales unit (Unit("") without the error it cannot have).
func (c *Client) OwnUnit() *Unit { return c.unitViews[0] }

// Name is the unit's name in the configuration, "" for the till's own.
func (u *Unit) Name() string { return u.sales.name }

// Client is the client the unit belongs to.
func (u *Unit) Client() *Client { return u.client }
