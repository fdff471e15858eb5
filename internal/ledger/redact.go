package ledger

import (
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// secretsOf lists what of a connection string must never be shown: the string itself, its
// password, and the URL's user info.
func secretsOf(connString string, pg *pgx.ConnConfig) []string {
	s := []string{connString}
	if pg != nil && pg.Password != "" {
		s = append(s, pg.Password, url.QueryEscape(pg.Password), url.PathEscape(pg.Password))
	}
	if u, err := url.Parse(connString); err == nil && u.User != nil {
		s = append(s, u.User.String())
	}
	return s
}

// redact replaces every secret in text.
func redact(text string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 3 {
			text = strings.ReplaceAll(text, s, "[redacted]")
		}
	}
	return text
}
