package tepat

import (
	"errors"
	"fmt"
)

// Error codes are the handful of kinds every failure in Tepat is sorted into.
// The web layer maps them to HTTP statuses in one table and the CLI maps them
// to exit codes; storage turns driver errors into them at its edge.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
)

// Error is the one domain error type. Code is one of the E* kinds; Reason is a
// stable, machine-readable detail in upper snake case (for example
// NIK_TANGGAL_TIDAK_SESUAI) that operators and API clients may rely on; Message
// is for people, in Bahasa Indonesia, and never contains personal data.
type Error struct {
	Code    string
	Reason  string
	Message string
	Err     error // optional cause, never shown to users
}

func (e *Error) Error() string {
	s := e.Message
	if e.Reason != "" {
		s = e.Reason + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Reasonf returns an *Error with a code, a stable reason and a formatted message.
func Reasonf(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the stable reason of the first *Error in err's chain, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain. Other errors give "internal error" so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
