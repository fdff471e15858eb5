package sim

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The createPayment members a till sets beside the money (contract §2.2): minimumUserAge,
// profile.scope, metadata and receiptUrl. They are kept with the payment: metadata and the
// profile's sub come back in getPayment, all of it in the snapshot.

// Metadata limits and error codes (contract §2.2, §2.9).
const (
	maxMetadataPairs       = 5
	maxMetadataKeyLength   = 100
	maxMetadataValueLength = 500
	codeMetadataCapacity   = 4100
	codeMetadataKeyLength  = 4120
	codeMetadataValueLen   = 4130
)

// profileScopes are the scopes profile.scope may name.
var profileScopes = []string{"name", "address", "email", "phoneNumber", "birthDate", "nin"}

// paymentOptions are those members of a validated createPayment body.
type paymentOptions struct {
	MinimumUserAge *int64
	ProfileScope   string
	Metadata       map[string]string
	ReceiptURL     string
}

// parsePaymentOptions reads the members in field order, giving the first problem.
func parsePaymentOptions(obj jsonObject) (paymentOptions, *problem) {
	var o paymentOptions
	if raw, ok := obj.member("minimumUserAge"); ok {
		age, valid := parseIntLiteral(raw, 100)
		if !valid {
			return o, fieldProblem("minimumUserAge", "The field minimumUserAge must be an integer between 0 and 100.")
		}
		o.MinimumUserAge = &age
	}
	if prof, present, p := obj.object("profile", "profile"); p != nil {
		return o, p
	} else if present {
		scope, _, p := prof.str("scope", "profile.scope")
		if p != nil {
			return o, p
		}
		for _, s := range strings.Fields(scope) {
			if !slices.Contains(profileScopes, s) {
				return o, fieldProblem("profile.scope", fmt.Sprintf("Unknown scope %q; the scopes are %s.", s, strings.Join(profileScopes, " ")))
			}
		}
		o.ProfileScope = strings.Join(strings.Fields(scope), " ")
	}
	if md, present, p := obj.object("metadata", "metadata"); p != nil {
		return o, p
	} else if present {
		if len(md) > maxMetadataPairs {
			return o, codeProblem(codeMetadataCapacity, fmt.Sprintf("The metadata holds at most %d key-value pairs.", maxMetadataPairs))
		}
		o.Metadata = map[string]string{}
		for k := range md {
			v, _, p := md.str(k, "metadata."+k)
			switch {
			case p != nil:
				return o, p
			case k == "" || utf8.RuneCountInString(k) > maxMetadataKeyLength:
				return o, codeProblem(codeMetadataKeyLength, fmt.Sprintf("A metadata key is 1 to %d characters.", maxMetadataKeyLength))
			case utf8.RuneCountInString(v) > maxMetadataValueLength:
				return o, codeProblem(codeMetadataValueLen, fmt.Sprintf("A metadata value is at most %d characters.", maxMetadataValueLength))
			}
			o.Metadata[k] = v
		}
	}
	if u, present, p := obj.str("receiptUrl", "receiptUrl"); p != nil {
		return o, p
	} else if present {
		if !httpsOrCustomScheme(u) {
			return o, codeProblem(codeInvalidURL, "The receiptUrl must use the https:// scheme or a custom URL scheme.")
		}
		o.ReceiptURL = u
	}
	return o, nil
}

// httpsOrCustomScheme accepts an https:// URL with a host or a custom-scheme URL.
func httpsOrCustomScheme(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme != "" && u.Scheme != "http" && (u.Scheme != "https" || u.Host != "")
}

// checkMinimumAge refuses, with 7010 as Vipps does, a named customer younger than
// minimumUserAge at now (the simulator's customers have birth dates: club_customers.go).
func checkMinimumAge(req createRequest, now time.Time) *problem {
	if req.Options.MinimumUserAge == nil || req.Customer.MSISDN == "" {
		return nil
	}
	born, err := time.Parse("2006-01-02", profileOf(req.Customer.MSISDN).birthdate)
	if err != nil {
		return nil
	}
	age := now.Year() - born.Year()
	if now.Month() < born.Month() || now.Month() == born.Month() && now.Day() < born.Day() {
		age--
	}
	if int64(age) < *req.Options.MinimumUserAge {
		return codeProblem(codeCustomerNotFound, fmt.Sprintf("The customer does not meet the minimum age of %d.", *req.Options.MinimumUserAge))
	}
	return nil
}
