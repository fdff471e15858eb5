// Package model is the engine's shared vocabulary: the Error every call returns (its Code is
// internal/abi's vmp_status), the client's closing as a cause, the limits every subsystem
// (club, webhooks, logs, scans, payments) applies alike, and the Logger a subsystem logs through
// with its fields. core aliases these, so a user of core never names this package.
package model
