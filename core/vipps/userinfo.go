package vipps

import (
	"bytes"
	"context"
	"errors"

	"github.com/valyala/fasthttp"
	"github.com/vmp-dev/vmp/core/wirejson"
)

const userinfoPath = "/vipps-userinfo-api/userinfo"

// Userinfo reads the claims the customer consented to share (contract §6.4), with the login
// access token of PollLoginToken as the only credential: the userinfo endpoint refuses a
// subscription key. The answer is returned as the JSON object Vipps sent (sub, name,
// phone_number, email, address, … for the consented scopes); it is personal data.
func (c *Client) Userinfo(ctx context.Context, accessToken string) ([]byte, error) {
	resp, err := c.send(ctx, Request{Method: "GET", Path: userinfoPath}, func(h *fasthttp.RequestHeader) {
		h.Set("Authorization", "Bearer "+accessToken)
		c.systemHeaders(h)
	})
	if err != nil {
		return nil, err
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 || body[0] != '{' || !wirejson.Valid(body) {
		return nil, &MalformedAnswerError{Status: resp.Status, Err: errors.New("the userinfo answer is not a JSON object")}
	}
	return body, nil
}
