package vipps

import (
	"context"
	"net/url"
)

// PostReceipt attaches a receipt (an encoded Vipps Receipt) to an order through Order
// Management: POST /order-management/v2/{paymentType}/receipts/{orderId}. For ePayment
// payments paymentType is "ecom" and the order id is the payment reference. A receipt is
// immutable: a second one for the same order is answered 409. It returns Vipps' receipt id.
func (c *Client) PostReceipt(ctx context.Context, paymentType, orderID string, body []byte) (string, error) {
	var id string
	path := "/order-management/v2/" + url.PathEscape(paymentType) + "/receipts/" + url.PathEscape(orderID)
	err := c.doJSON(ctx, Request{Method: "POST", Path: path, Body: body}, &id)
	return id, err
}
