package sim

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/vmp-dev/vmp/core/wirejson"
)

// tokenResource is the "resource" Vipps puts in every access-token answer.
const tokenResource = "00000002-0000-0000-c000-000000000000"

// tokenStore remembers issued access tokens and when each expires. Not safe for concurrent
// use; the server's lock guards it.
type tokenStore struct {
	expiry map[string]time.Time
	owner  map[string]*principal // the credential set each token was issued to (sales_units.go)
}

func newTokenStore() *tokenStore {
	return &tokenStore{expiry: map[string]time.Time{}, owner: map[string]*principal{}}
}

func (t *tokenStore) add(token string, expires time.Time, now time.Time) {
	t.addFor(token, nil, expires, now)
}

// addFor remembers a token issued to owner.
func (t *tokenStore) addFor(token string, owner *principal, expires time.Time, now time.Time) {
	if len(t.expiry)%64 == 63 {
		for tok, exp := range t.expiry {
			if !now.Before(exp) {
				delete(t.expiry, tok)
				delete(t.owner, tok)
			}
		}
	}
	t.expiry[token] = expires
	if owner != nil {
		t.owner[token] = owner
	}
}

// valid reports whether token was issued here and has not expired at now.
func (t *tokenStore) valid(token string, now time.Time) bool {
	exp, ok := t.expiry[token]
	return ok && now.Before(exp)
}

// newAccessToken returns an opaque token shaped like a JWT (header.payload.signature). Nothing
// should parse it; only this simulator can tell whether it is valid.
func newAccessToken(clientID string, now, expires time.Time) string {
	header := `{"typ":"JWT","alg":"RS256","kid":"vmp-sim"}`
	payload, _ := wirejson.Marshal(map[string]any{
		"iss": "https://vmp-sim.invalid/",
		"aud": tokenResource,
		"sub": clientID,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": expires.Unix(),
		"jti": newUUID(),
	})
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(payload) + "." + newOpaqueToken(256)
}

// accessToken serves POST /accesstoken/get: credentials in the client_id, client_secret and
// Ocp-Apim-Subscription-Key headers, an empty body, and every numeric field of the answer a
// JSON string (contract §1.2). Any sales unit's or partner's key set is accepted; the token
// remembers which one it was issued to.
func (s *Server) accessToken(c *call) reply {
	h := c.r.Header
	if p := s.checkAnySubscriptionKey(h); p != nil {
		return c.fail(p)
	}
	owner := s.access.authenticate(h.Get("client_id"), h.Get("client_secret"), h.Get("Ocp-Apim-Subscription-Key"))
	if owner == nil {
		return c.fail(newProblem(http.StatusUnauthorized, "Unauthorized", "The client_id or client_secret is missing or wrong."))
	}
	lifetime := s.opts.TokenLifetime
	s.mu.Lock()
	now := s.now()
	expires := now.Add(lifetime)
	token := newAccessToken(owner.clientID, now, expires)
	s.tokens.addFor(token, owner, expires, now)
	s.mu.Unlock()
	s.stats.add(func(st *Stats) { st.TokensIssued++ })

	answer := jsonReply(http.StatusOK, accessTokenResponse{
		TokenType:    "Bearer",
		ExpiresIn:    strconv.FormatInt(int64(lifetime/time.Second), 10),
		ExtExpiresIn: "0",
		ExpiresOn:    strconv.FormatInt(expires.Unix(), 10),
		NotBefore:    strconv.FormatInt(now.Unix(), 10),
		Resource:     tokenResource,
		AccessToken:  token,
	})
	answer.contentType = contentTokenJSON
	return answer
}

// secretEqual compares a presented credential with the expected one in constant time.
func secretEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
