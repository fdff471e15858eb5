package payments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/abi"
	"github.com/vmp-dev/vmp/internal/model"
)

// The checkout fields a till sets beside the money (ePayment createPayment members, contract
// §2.2), checked as Vipps documents them before anything is journaled or sent.

// Customer interactions of a checkout.
const (
	CustomerPresent    = "CUSTOMER_PRESENT"     // in the store: the default
	CustomerNotPresent = "CUSTOMER_NOT_PRESENT" // phone orders, distance sales
)

var (
	// profileScopes are the profile parts a payment may ask the customer to share.
	profileScopes = []string{"name", "address", "email", "phoneNumber", "birthDate", "nin"}
	// ownMembers are the createPayment members vmp sets itself or from a checkout field: extra
	// may not set them. The value names the checkout field to use, or why vmp sets it.
	ownMembers = map[string]string{
		"amount": `"amount" and "currency"`, "paymentMethod": "vmp (WALLET)", "customer": `"phone_number" or "personal_qr"`,
		"customerInteraction": `"customer_interaction"`, "reference": `"reference"`, "userFlow": `"flow"`,
		"returnUrl": `"return_url"`, "paymentDescription": `"description"`, "qrFormat": "vmp (it draws the QR itself)",
		"receipt": `"receipt"`, "metadata": `"metadata"`, "receiptUrl": `"receipt_url"`,
		"minimumUserAge": `"minimum_user_age"`, "profile": `"profile_scopes"`,
	}
)

// Vipps' metadata limits.
const (
	maxMetadataPairs       = 5
	maxMetadataKeyLength   = 100
	maxMetadataValueLength = 500
)

// checkOptions checks the fields other than the money and the customer.
func (req *CheckoutRequest) checkOptions() error {
	switch req.CustomerInteraction {
	case "":
		req.CustomerInteraction = CustomerPresent
	case CustomerPresent, CustomerNotPresent:
	default:
		return model.Errorf(abi.CodeInvalidArgument, "checkout: customer_interaction %q is not CUSTOMER_PRESENT or CUSTOMER_NOT_PRESENT", model.Truncate(req.CustomerInteraction, 30))
	}
	if a := req.MinimumUserAge; a != nil && (*a < 0 || *a > 100) {
		return model.Errorf(abi.CodeInvalidArgument, "checkout: minimum_user_age must be 0 to 100 years, is %d", *a)
	}
	var scopes []string
	for _, s := range req.ProfileScopes {
		if !slices.Contains(profileScopes, s) {
			return model.Errorf(abi.CodeInvalidArgument, "checkout: profile scope %q is not one of %s", model.Truncate(s, 40), strings.Join(profileScopes, ", "))
		}
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	req.ProfileScopes = scopes
	for name, u := range map[string]string{"receipt_url": req.ReceiptURL, "return_url": req.ReturnURL} {
		if err := checkAppURL(name, u); err != nil {
			return err
		}
	}
	if err := checkMetadata(req.Metadata); err != nil {
		return err
	}
	return checkExtra(req.Extra)
}

// checkAppURL accepts "" or what Vipps takes for returnUrl and receiptUrl: an https:// URL with a
// host, or a custom scheme (an app's own, "myapp://..."); not http.
func checkAppURL(name, raw string) error {
	if raw == "" {
		return nil
	}
	if len(raw) > model.MaxURLBytes {
		return model.Errorf(abi.CodeInvalidArgument, "checkout: %s is %d bytes; it is at most %d", name, len(raw), model.MaxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https" && u.Host == "" {
		return model.Errorf(abi.CodeInvalidArgument, "checkout: %s must be an https:// URL or one of an app's own scheme", name)
	}
	return nil
}

func checkMetadata(md map[string]string) error {
	if len(md) > maxMetadataPairs {
		return model.Errorf(abi.CodeInvalidArgument, "checkout: metadata has %d pairs; Vipps takes at most %d", len(md), maxMetadataPairs)
	}
	for k, v := range md {
		if n := utf8.RuneCountInString(k); n == 0 || n > maxMetadataKeyLength {
			return model.Errorf(abi.CodeInvalidArgument, "checkout: a metadata key is 1 to %d characters", maxMetadataKeyLength)
		}
		if utf8.RuneCountInString(v) > maxMetadataValueLength {
			return model.Errorf(abi.CodeInvalidArgument, "checkout: metadata %q: a value is at most %d characters", model.Truncate(k, 40), maxMetadataValueLength)
		}
	}
	return nil
}

// checkExtra accepts a JSON object (or null) whose members vmp does not set itself: it is
// checked for its shape only and passed on as given. A member vmp sets is refused rather than
// dropped or allowed to override what keeps the money safe (reference, amount, customer).
func checkExtra(extra wirejson.RawMessage) error {
	members, err := extraMembers(extra)
	if err != nil {
		return err
	}
	for _, m := range members {
		if use, own := ownMembers[m.name]; own {
			return model.Errorf(abi.CodeInvalidArgument, "checkout: extra.%s is set by vmp; use %s", m.name, use)
		}
	}
	return nil
}

type extraMember struct {
	name  string
	value wirejson.RawMessage
}

// extraMembers decodes extra's members, sorted by name; none for "" or null.
func extraMembers(extra wirejson.RawMessage) ([]extraMember, error) {
	if t := bytes.TrimSpace(extra); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil, nil
	}
	var obj map[string]wirejson.RawMessage
	if err := wirejson.Unmarshal(extra, &obj); err != nil || obj == nil {
		return nil, model.Errorf(abi.CodeInvalidJSON, "checkout: extra must be a JSON object of ePayment createPayment members")
	}
	out := make([]extraMember, 0, len(obj))
	for k, v := range obj {
		out = append(out, extraMember{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// WithExtra appends the extra members (checked by ParseCheckout) to an encoded createPayment
// body, compacted and sorted by name, so the same checkout always gives the same bytes.
func WithExtra(body []byte, extra wirejson.RawMessage) ([]byte, error) {
	members, err := extraMembers(extra)
	if err != nil || len(members) == 0 {
		return body, err
	}
	end := bytes.LastIndexByte(body, '}')
	if end < 0 {
		return nil, fmt.Errorf("the body is not a JSON object")
	}
	out := append([]byte(nil), body[:end]...)
	for _, m := range members {
		name, err := wirejson.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		var value bytes.Buffer
		if err := json.Compact(&value, m.value); err != nil {
			return nil, err
		}
		out = append(out, ',')
		out = append(out, name...)
		out = append(out, ':')
		out = append(out, value.Bytes()...)
	}
	return append(out, body[end:]...), nil
}
