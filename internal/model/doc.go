// Package model is the engine's shared vocabulary: the Error every call returns and its Code,
// which core and every subsystem (payments, club, webhooks) speak. core aliases these types, so
// a user of core never names this package.
package model
