package core

import "github.com/vmp-dev/vmp/internal/model"

// Code is the outcome class of an engine call: vmp_status of include/vmp.h (internal/model).
type Code = model.Code

const (
	CodeOK                = model.CodeOK
	CodeInvalidArgument   = model.CodeInvalidArgument
	CodeInvalidHandle     = model.CodeInvalidHandle
	CodeBufferTooSmall    = model.CodeBufferTooSmall
	CodeInvalidJSON       = model.CodeInvalidJSON
	CodeInvalidConfig     = model.CodeInvalidConfig
	CodeInvalidAmount     = model.CodeInvalidAmount
	CodeInvalidReference  = model.CodeInvalidReference
	CodeInvalidCustomer   = model.CodeInvalidCustomer
	CodeNotFound          = model.CodeNotFound
	CodeRejected          = model.CodeRejected
	CodeAuth              = model.CodeAuth
	CodeNetwork           = model.CodeNetwork
	CodeUnknownOutcome    = model.CodeUnknownOutcome
	CodeRateLimited       = model.CodeRateLimited
	CodeConflict          = model.CodeConflict
	CodeUnavailable       = model.CodeUnavailable
	CodeInternal          = model.CodeInternal
	CodeJournal           = model.CodeJournal
	CodeCustomerNotFound  = model.CodeCustomerNotFound
	CodeAppTooOld         = model.CodeAppTooOld
	CodeAlreadyAuthorized = model.CodeAlreadyAuthorized
	CodeCaptureMismatch   = model.CodeCaptureMismatch
	CodeUnverified        = model.CodeUnverified
	CodeForked            = model.CodeForked
	CodeInCallback        = model.CodeInCallback
	CodeNewJournal        = model.CodeNewJournal
)
