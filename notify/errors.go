package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// Class says what a failure means for the next step.
type Class string

// Failure classes.
const (
	// Transient: not delivered, try the same channel again later (timeout before the message
	// was handed over, 4xx, 5xx, throttling).
	Transient Class = "transient"
	// Permanent: this channel will never deliver it (bad address, rejected, misconfigured):
	// try the next channel. From Deliverer.Deliver: no channel can deliver it, do not retry.
	Permanent Class = "permanent"
	// Quota: the provider's daily quota for this address is used up: try the next channel.
	Quota Class = "quota"
	// RateLimited: sending too fast: retry after RetryAfter.
	RateLimited Class = "ratelimited"
	// Unknown: the provider may have accepted it (the connection broke after the message was
	// handed over): reconcile before sending again.
	Unknown Class = "unknown"
)

// Error is a classified failure of a channel or of a delivery.
type Error struct {
	Class      Class
	Channel    string
	Code       string        // provider's error code, SMTP status code
	RetryAfter time.Duration // for RateLimited, and for Transient when known
	Err        error
}

func (e *Error) Error() string {
	s := "notify"
	if e.Channel != "" {
		s += " " + e.Channel
	}
	s += ": " + string(e.Class)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return Redact(s)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of a class.
func Errorf(class Class, channel, code, format string, args ...any) *Error {
	return &Error{Class: class, Channel: channel, Code: code, Err: fmt.Errorf(format, args...)}
}

// Classify returns the class of err: the class of an *Error in its chain, Unknown for a
// deadline or cancellation (the request may have been sent), Transient for network errors
// and anything else.
func Classify(err error) Class {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Unknown
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Unknown
	}
	return Transient
}

// IsPermanent reports whether retrying cannot help. The workflow lead wraps such errors in
// temporal.NewNonRetryableApplicationError.
func IsPermanent(err error) bool { return Classify(err) == Permanent }

// RetryAfter is how long to wait before retrying, when err says so; 0 otherwise. Use it as
// temporal.ApplicationErrorOptions.NextRetryDelay.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
