package vipps

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/vmp-dev/vmp/core/wirejson"
	"github.com/vmp-dev/vmp/internal/redact"
)

// Merchant-initiated login (OpenID CIBA) with the customer's phone number, contract §6: the
// optional user-exists pre-check, the backchannel authentication request that puts a consent
// request in the customer's app, and the token endpoint the engine polls until the customer
// answers. Unlike the other APIs, these endpoints are not behind the API gateway: the sales
// unit authenticates with its client_id and client_secret (HTTP Basic by default, or in the
// form body when the portal says client_secret_post), bodies are form-encoded, and errors are
// OAuth-style {"error", "error_description"} objects.

const (
	cibaUserExistsPath = "/vipps-login-ciba/api/v1/user-exists"
	cibaAuthPath       = "/vipps-login-ciba/api/backchannel/authentication"
	loginTokenPath     = "/access-management-1.0/access/oauth2/token"
	// CIBAGrantType is the grant_type of a CIBA token request.
	CIBAGrantType = "urn:openid:params:grant-type:ciba"
)

// LoginAuth is how the sales unit authenticates to the Login API (a setting in the portal).
type LoginAuth int

const (
	// LoginAuthBasic is client_secret_basic, the default: Authorization: Basic.
	LoginAuthBasic LoginAuth = iota
	// LoginAuthPost is client_secret_post: client_id and client_secret in the form body.
	LoginAuthPost
	// LoginAuthPartner is how partner keys authenticate (Vipps' Login partner-key guide):
	// "Authorization: Bearer <access token from /accesstoken/get>" and the sales unit's
	// Merchant-Serial-Number, never the partner's client secret.
	LoginAuthPartner
)

// Standard OAuth and CIBA error codes of the token and authentication endpoints (CIBA Core
// §11 and §13), and Vipps' own error_code values.
const (
	LoginErrAuthorizationPending = "authorization_pending"
	LoginErrSlowDown             = "slow_down"
	LoginErrAccessDenied         = "access_denied"
	LoginErrExpiredToken         = "expired_token"
	LoginErrInvalidGrant         = "invalid_grant"
	LoginErrInvalidClient        = "invalid_client"
	LoginErrUnknownUserID        = "unknown_user_id"
	LoginErrInvalidUser          = "invalid_user" // Vipps: no account, inactive, or not eligible (under 15)
	LoginErrOldApp               = "old_app"      // Vipps: the customer's app does not support this flow
)

// MSISDNLoginHint is the login_hint that targets a customer by phone number (MSISDN).
func MSISDNLoginHint(msisdn string) string { return "urn:msisdn:" + msisdn }

// CIBARequest is a backchannel authentication request.
type CIBARequest struct {
	LoginHint string   // e.g. MSISDNLoginHint("4712345678")
	Scopes    []string // must include "openid"
	// BindingMessage (optional) is shown on the till and in the app: ^[A-Z0-9-]{5,8}$.
	BindingMessage string
	// RequestedExpiry (optional) asks Vipps to keep the request open this long (60 s .. 900 s);
	// 0 leaves Vipps' default (about 10 minutes).
	RequestedExpiry time.Duration
}

// CIBAStart is the answer to a backchannel authentication request.
type CIBAStart struct {
	AuthReqID string
	// ExpiresIn is how long the request lives; Interval the least time between token polls.
	ExpiresIn time.Duration
	Interval  time.Duration
}

// LoginTokens is the successful answer of a CIBA token poll. AccessToken reads the userinfo
// endpoint; it is short-lived and must never be logged.
type LoginTokens struct {
	AccessToken string
	TokenType   string
	IDToken     string
	Scope       string
	ExpiresIn   time.Duration
}

// LoginError is an OAuth-style error answer of the Login API. It wraps the *Problem of the
// answer, so the engine's retry rules (429 with Retry-After, 5xx) apply to it unchanged.
type LoginError struct {
	Problem *Problem
	// Code is the standard "error" member, e.g. LoginErrAuthorizationPending.
	Code string
	// VippsCode is Vipps' "error_code" extension when present, e.g. LoginErrOldApp.
	VippsCode string
	// Description is "error_description", with digit runs masked.
	Description string
}

func (e *LoginError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Vipps Login answered HTTP %d", e.Problem.HTTPStatus)
	if e.Code != "" {
		sb.WriteString(" " + e.Code)
	}
	if e.VippsCode != "" && e.VippsCode != e.Code {
		sb.WriteString(" (" + e.VippsCode + ")")
	}
	if e.Description != "" {
		sb.WriteString(": " + e.Description)
	}
	return redact.Text(sb.String())
}

func (e *LoginError) Unwrap() error { return e.Problem }

// Has reports whether the error carries code, as "error" or as Vipps' "error_code".
func (e *LoginError) Has(code string) bool { return e.Code == code || e.VippsCode == code }

// loginErrorBody is the OAuth error object; Vipps' error_code may be a name ("old_app") or,
// in the OpenAPI file of the token endpoint, the HTTP status as a number.
type loginErrorBody struct {
	Error            string              `json:"error"`
	ErrorDescription string              `json:"error_description"`
	ErrorCode        wirejson.RawMessage `json:"error_code"`
}

// asLoginError turns a non-2xx *Problem into a *LoginError; other errors pass unchanged.
func asLoginError(err error) error {
	var p *Problem
	if !errors.As(err, &p) {
		return err
	}
	le := &LoginError{Problem: p}
	var b loginErrorBody
	if len(p.body) > 0 && wirejson.Unmarshal(p.body, &b) == nil {
		le.Code, le.Description = b.Error, redact.Text(b.ErrorDescription)
		var name string
		if wirejson.Unmarshal(b.ErrorCode, &name) == nil {
			le.VippsCode = name
		}
	}
	if le.Code == "" {
		le.Code = p.Title // an API-gateway or problem+json answer
	}
	return le
}

// LoginUserExists asks whether the login hint names a Vipps MobilePay user who can log in.
func (c *Client) LoginUserExists(ctx context.Context, loginHint string, auth LoginAuth) (bool, error) {
	var out struct {
		Exists *bool `json:"exists"`
	}
	if err := c.loginPost(ctx, cibaUserExistsPath, url.Values{"login_hint": {loginHint}}, auth, &out); err != nil {
		return false, err
	}
	if out.Exists == nil {
		return false, &MalformedAnswerError{Status: 200, Err: errors.New(`the answer has no "exists"`)}
	}
	return *out.Exists, nil
}

// StartLogin sends the backchannel authentication request: the customer gets a consent request
// in the app. Each call starts a new request at Vipps, and Vipps refuses (429) a second one for
// the same customer while one is pending, so the engine never repeats it blindly.
func (c *Client) StartLogin(ctx context.Context, r CIBARequest, auth LoginAuth) (CIBAStart, error) {
	form := url.Values{
		"scope":      {strings.Join(r.Scopes, " ")},
		"login_hint": {r.LoginHint},
	}
	if r.BindingMessage != "" {
		form.Set("binding_message", r.BindingMessage)
	}
	if r.RequestedExpiry > 0 {
		form.Set("requested_expiry", strconv.FormatInt(int64(r.RequestedExpiry/time.Second), 10))
	}
	var out struct {
		AuthReqID string       `json:"auth_req_id"`
		ExpiresIn flexibleUint `json:"expires_in"`
		Interval  flexibleUint `json:"interval"`
	}
	if err := c.loginPost(ctx, cibaAuthPath, form, auth, &out); err != nil {
		return CIBAStart{}, err
	}
	if out.AuthReqID == "" {
		return CIBAStart{}, &MalformedAnswerError{Status: 200, Err: errors.New("the answer has no auth_req_id")}
	}
	return CIBAStart{AuthReqID: out.AuthReqID, ExpiresIn: time.Duration(out.ExpiresIn) * time.Second,
		Interval: time.Duration(out.Interval) * time.Second}, nil
}

// PollLoginToken asks once whether the customer has answered. While they have not, it fails
// with a *LoginError whose Code is authorization_pending (or slow_down when polled faster than
// the interval); access_denied and expired_token end the request.
func (c *Client) PollLoginToken(ctx context.Context, authReqID string, auth LoginAuth) (LoginTokens, error) {
	form := url.Values{"grant_type": {CIBAGrantType}, "auth_req_id": {authReqID}}
	var out struct {
		AccessToken string       `json:"access_token"`
		TokenType   string       `json:"token_type"`
		IDToken     string       `json:"id_token"`
		Scope       string       `json:"scope"`
		ExpiresIn   flexibleUint `json:"expires_in"`
	}
	if err := c.loginPost(ctx, loginTokenPath, form, auth, &out); err != nil {
		return LoginTokens{}, err
	}
	if out.AccessToken == "" {
		return LoginTokens{}, &MalformedAnswerError{Status: 200, Err: errors.New("the answer has no access_token")}
	}
	return LoginTokens{AccessToken: out.AccessToken, TokenType: out.TokenType, IDToken: out.IDToken,
		Scope: out.Scope, ExpiresIn: time.Duration(out.ExpiresIn) * time.Second}, nil
}

// loginPost sends one form-encoded request with client authentication and decodes the JSON
// answer into out. Non-2xx answers come back as *LoginError.
func (c *Client) loginPost(ctx context.Context, path string, form url.Values, auth LoginAuth, out any) error {
	creds := c.cfg.Credentials
	if auth == LoginAuthPost {
		form.Set("client_id", creds.ClientID)
		form.Set("client_secret", creds.ClientSecret)
	}
	var token string
	if auth == LoginAuthPartner {
		var err error
		if token, err = c.tokens.get(ctx); err != nil {
			return &TokenError{Err: err}
		}
	}
	resp, err := c.send(ctx, Request{Method: "POST", Path: path, Body: []byte(form.Encode())}, func(h *fasthttp.RequestHeader) {
		switch auth {
		case LoginAuthBasic:
			h.Set("Authorization", "Basic "+basicCredentials(creds.ClientID, creds.ClientSecret))
		case LoginAuthPartner:
			h.Set("Authorization", "Bearer "+token)
			h.Set("Merchant-Serial-Number", creds.MSN)
		}
		h.SetContentType("application/x-www-form-urlencoded")
		c.systemHeaders(h)
	})
	if err != nil {
		return asLoginError(err)
	}
	if err := wirejson.Unmarshal(resp.Body, out); err != nil {
		return &MalformedAnswerError{Status: resp.Status, Err: err}
	}
	return nil
}

// basicCredentials encodes client_secret_basic as RFC 6749 §2.3.1 says: each part
// form-urlencoded, then joined with ":" and base64-encoded.
func basicCredentials(id, secret string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))
}
