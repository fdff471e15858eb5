package vipps

import (
	"context"
	"fmt"
	"net/url"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// Amount is a sum in minor units of a currency.
type Amount struct {
	Currency string `json:"currency"`
	Value    int64  `json:"value"`
}

// Customer identifies the payer; exactly one field is set.
type Customer struct {
	PhoneNumber   string `json:"phoneNumber,omitempty"`
	PersonalQR    string `json:"personalQr,omitempty"`
	CustomerToken string `json:"customerToken,omitempty"`
}

// PaymentMethod of a createPayment request; the POS uses WALLET.
type PaymentMethod struct {
	Type string `json:"type"`
}

// CreatePaymentRequest is the body of POST /epayment/v1/payments.
type CreatePaymentRequest struct {
	Amount              Amount        `json:"amount"`
	PaymentMethod       PaymentMethod `json:"paymentMethod"`
	Customer            *Customer     `json:"customer,omitempty"`
	CustomerInteraction string        `json:"customerInteraction,omitempty"`
	Reference           string        `json:"reference"`
	UserFlow            string        `json:"userFlow"`
	ReturnURL           string        `json:"returnUrl,omitempty"`
	PaymentDescription  string        `json:"paymentDescription,omitempty"`
	QRFormat            *QRFormat     `json:"qrFormat,omitempty"`
	// Receipt is the Vipps Receipt object (the engine's checked receipt type).
	Receipt        any               `json:"receipt,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	ReceiptURL     string            `json:"receiptUrl,omitempty"`
	MinimumUserAge *int64            `json:"minimumUserAge,omitempty"`
	Profile        *ProfileRequest   `json:"profile,omitempty"`
}

// ProfileRequest asks the customer to share profile parts with the payment.
type ProfileRequest struct {
	Scope string `json:"scope"` // space-separated: "name phoneNumber"
}

// QRFormat asks createPayment with userFlow QR for a format of the QR code.
type QRFormat struct {
	Format string `json:"format"` // "TEXT/TARGETURL", "IMAGE/SVG+XML" or "IMAGE/PNG"
	Size   int    `json:"size,omitempty"`
}

// CreatePaymentResponse is the 201 answer of createPayment.
type CreatePaymentResponse struct {
	RedirectURL string `json:"redirectUrl,omitempty"`
	Reference   string `json:"reference"`
}

// Aggregate sums a payment's history.
type Aggregate struct {
	AuthorizedAmount Amount `json:"authorizedAmount"`
	CancelledAmount  Amount `json:"cancelledAmount"`
	CapturedAmount   Amount `json:"capturedAmount"`
	RefundedAmount   Amount `json:"refundedAmount"`
}

// GetPaymentResponse is the answer of GET /epayment/v1/payments/{reference}.
type GetPaymentResponse struct {
	Aggregate     Aggregate     `json:"aggregate"`
	Amount        Amount        `json:"amount"`
	State         string        `json:"state"`
	PaymentMethod PaymentMethod `json:"paymentMethod"`
	PSPReference  string        `json:"pspReference"`
	RedirectURL   string        `json:"redirectUrl,omitempty"`
	Reference     string        `json:"reference"`
}

// PaymentEvent is one entry of a payment's event log.
type PaymentEvent struct {
	Reference      string `json:"reference"`
	PSPReference   string `json:"pspReference"`
	Name           string `json:"name"`
	Amount         Amount `json:"amount"`
	Timestamp      string `json:"timestamp"`
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	Success        bool   `json:"success"`
}

// ModificationRequest is the body of capture and refund.
type ModificationRequest struct {
	ModificationAmount Amount `json:"modificationAmount"`
}

// CancelRequest is the optional body of cancel.
type CancelRequest struct {
	CancelTransactionOnly bool `json:"cancelTransactionOnly"`
}

// ModificationResponse is the 200 answer of capture, refund and cancel.
type ModificationResponse struct {
	Amount       Amount    `json:"amount"`
	State        string    `json:"state"`
	Aggregate    Aggregate `json:"aggregate"`
	PSPReference string    `json:"pspReference"`
	Reference    string    `json:"reference"`
}

// The ePayment request paths are built here only: what a caller records of a request (the
// journal's entry) is what OperationPath gives, the path the request is sent to.
const paymentsPath = "/epayment/v1/payments"

func paymentPath(reference, suffix string) string {
	return paymentsPath + "/" + url.PathEscape(reference) + suffix
}

// OperationPath is the path a money operation on the payment reference is sent to; op is
// "create" (the reference is not in the path: it is in the body), "capture", "refund" or
// "cancel" (the journal's operation names).
func OperationPath(op, reference string) string {
	if op == "create" {
		return paymentsPath
	}
	return paymentPath(reference, "/"+op)
}

// CreatePayment sends an encoded CreatePaymentRequest (see EncodeJSON) with its key.
func (c *Client) CreatePayment(ctx context.Context, idempotencyKey string, body []byte) (CreatePaymentResponse, error) {
	var out CreatePaymentResponse
	err := c.doJSON(ctx, Request{Method: "POST", Path: OperationPath("create", ""), IdempotencyKey: idempotencyKey, Body: body}, &out)
	return out, err
}

// GetPayment reads a payment's state and aggregates.
func (c *Client) GetPayment(ctx context.Context, reference string) (GetPaymentResponse, error) {
	var out GetPaymentResponse
	err := c.doJSON(ctx, Request{Method: "GET", Path: paymentPath(reference, "")}, &out)
	return out, err
}

// GetPaymentEvents reads a payment's event log.
func (c *Client) GetPaymentEvents(ctx context.Context, reference string) ([]PaymentEvent, error) {
	var out []PaymentEvent
	err := c.doJSON(ctx, Request{Method: "GET", Path: paymentPath(reference, "/events")}, &out)
	return out, err
}

// CapturePayment sends an encoded ModificationRequest.
func (c *Client) CapturePayment(ctx context.Context, reference, idempotencyKey string, body []byte) (ModificationResponse, error) {
	return c.modify(ctx, reference, "capture", idempotencyKey, body)
}

// RefundPayment sends an encoded ModificationRequest.
func (c *Client) RefundPayment(ctx context.Context, reference, idempotencyKey string, body []byte) (ModificationResponse, error) {
	return c.modify(ctx, reference, "refund", idempotencyKey, body)
}

// CancelPayment sends an encoded CancelRequest, or no body when body is nil.
func (c *Client) CancelPayment(ctx context.Context, reference, idempotencyKey string, body []byte) (ModificationResponse, error) {
	return c.modify(ctx, reference, "cancel", idempotencyKey, body)
}

func (c *Client) modify(ctx context.Context, reference, op, key string, body []byte) (ModificationResponse, error) {
	var out ModificationResponse
	err := c.doJSON(ctx, Request{Method: "POST", Path: OperationPath(op, reference), IdempotencyKey: key, Body: body}, &out)
	return out, err
}

// EncodeJSON encodes a request body once; the engine keeps the bytes for retries.
func EncodeJSON(v any) ([]byte, error) { return wirejson.Marshal(v) }

// MalformedAnswerError is a 2xx answer whose body could not be decoded. Vipps did act.
type MalformedAnswerError struct {
	Status int
	Err    error
}

func (e *MalformedAnswerError) Error() string {
	return fmt.Sprintf("Vipps answered HTTP %d with a body that is not the expected JSON: %v", e.Status, e.Err)
}

func (e *MalformedAnswerError) Unwrap() error { return e.Err }

func (c *Client) doJSON(ctx context.Context, r Request, out any) error {
	resp, err := c.Do(ctx, r)
	if err != nil {
		return err
	}
	if err := wirejson.Unmarshal(resp.Body, out); err != nil {
		return &MalformedAnswerError{Status: resp.Status, Err: err}
	}
	return nil
}
