package registry

import (
	"errors"
	"fmt"
	"strings"
)

// Class is the kind of a domain error; server.toStatus maps each class to
// one gRPC code.
type Class int

// The error classes.
const (
	ClassInternal Class = iota
	ClassNotFound
	ClassAlreadyExists
	ClassFailedPrecondition
	ClassAborted
	ClassInvalidArgument
	ClassPermissionDenied
	ClassUnauthenticated
	ClassOutOfRange
	// ClassResourceExhausted: the server's bounds on what one caller may
	// hold at once (imports, watches) or send (an import's size).
	ClassResourceExhausted
	ClassDataLoss // a stored record is damaged (its checksum does not match)
)

// Sentinels for errors.Is: errors.Is(err, ErrNotFound) holds for every error
// of class NotFound.
var (
	ErrNotFound           = &Error{Class: ClassNotFound}
	ErrAlreadyExists      = &Error{Class: ClassAlreadyExists}
	ErrFailedPrecondition = &Error{Class: ClassFailedPrecondition}
	ErrAborted            = &Error{Class: ClassAborted}
	ErrInvalidArgument    = &Error{Class: ClassInvalidArgument}
	ErrPermissionDenied   = &Error{Class: ClassPermissionDenied}
)

// Stable reasons carried in every error's ErrorInfo. Clients may switch on
// them; never rename one.
const (
	ReasonDepartmentNotFound  = "DEPARTMENT_NOT_FOUND"
	ReasonItemNotFound        = "ITEM_NOT_FOUND"
	ReasonRevisionNotFound    = "REVISION_NOT_FOUND"
	ReasonSubmissionNotFound  = "SUBMISSION_NOT_FOUND"
	ReasonPublicationNotFound = "PUBLICATION_NOT_FOUND"
	ReasonCatalogItemNotFound = "CATALOG_ITEM_NOT_FOUND"
	ReasonDepartmentExists    = "DEPARTMENT_EXISTS"
	ReasonCodeInUse           = "CODE_IN_USE"
	ReasonInvalidFields       = "INVALID_FIELDS"
	ReasonEtagMismatch        = "ETAG_MISMATCH"
	ReasonItemNotEditable     = "ITEM_NOT_EDITABLE"
	ReasonItemNotDeletable    = "ITEM_NOT_DELETABLE"
	ReasonItemNotPublished    = "ITEM_NOT_PUBLISHED"
	ReasonChangePending       = "CHANGE_PENDING"
	ReasonItemNotSubmittable  = "ITEM_NOT_SUBMITTABLE"
	ReasonLegalBasisMissing   = "LEGAL_BASIS_MISSING"
	// ReasonReturnedNotAddressed: a returned item neither edited since
	// its return nor answered (a reply) cannot go back to review.
	ReasonReturnedNotAddressed = "RETURNED_NOT_ADDRESSED"
	ReasonSubmissionNotDraft   = "SUBMISSION_NOT_DRAFT"
	ReasonSubmissionNotSubmit  = "SUBMISSION_NOT_SUBMITTED"
	ReasonSubmissionNotApprov  = "SUBMISSION_NOT_APPROVED"
	ReasonParentNotInForce     = "PARENT_NOT_IN_FORCE"
	ReasonSubItemsInForce      = "SUB_ITEMS_IN_FORCE"
	ReasonFourEyes             = "FOUR_EYES"
	ReasonTokenNotFound        = "TOKEN_NOT_FOUND"
	ReasonTokenExists          = "TOKEN_EXISTS"
	ReasonRevisionCompacted    = "REVISION_COMPACTED" // the change feed's history asked for was compacted (changes.go)

	// Streams (README "Streams, imports and slow clients"); all
	// RESOURCE_EXHAUSTED.
	ReasonImportTooLarge = "IMPORT_TOO_LARGE" // an import's rows passed its byte budget (--max-import-bytes)
	ReasonTooManyImports = "TOO_MANY_IMPORTS" // --max-concurrent-imports imports are running; retry shortly
	ReasonTooManyWatches = "TOO_MANY_WATCHES" // the caller's address, or the server, holds the most watch streams allowed
	ReasonWatchTooSlow   = "WATCH_TOO_SLOW"   // a watch whose client did not read was cut off; resume from its last position
	ReasonImportIdle     = "IMPORT_IDLE"      // an import stream whose client sent nothing for --read-timeout was cut off; nothing was imported
	ReasonDataLoss       = "DATA_LOSS"        // a stored record is damaged (server/store/record.go)
)

// Reasons set outside the domain: by the interceptors, the HTTP layer and
// the gateway (package server), and by authentication (server/auth). They
// live here too so that this file lists every reason a client can see
// (TestReasonsAreListed enforces it; the README's Errors section documents
// each one).
const (
	ReasonInternal         = "INTERNAL"           // an unexpected failure; the detail is in the server's log
	ReasonCanceled         = "CANCELED"           // the caller hung up
	ReasonDeadlineExceeded = "DEADLINE_EXCEEDED"  // the caller's deadline passed
	ReasonUnavailable      = "UNAVAILABLE"        // the gateway could not reach the gRPC server
	ReasonUnauthenticated  = "UNAUTHENTICATED"    // missing or bad credentials
	ReasonPermissionDenied = "PERMISSION_DENIED"  // the token lacks the role or department
	ReasonNotReady         = "NOT_READY"          // /readyz before the server is ready
	ReasonShuttingDown     = "SHUTTING_DOWN"      // a watch ended by the server stopping
	ReasonRateLimited      = "RATE_LIMITED"       // RESOURCE_EXHAUSTED, HTTP 429: retry after Retry-After
	ReasonRequestTooLarge  = "REQUEST_TOO_LARGE"  // RESOURCE_EXHAUSTED, HTTP 413: a body or message over --max-request-bytes
	ReasonResponseTooLarge = "RESPONSE_TOO_LARGE" // RESOURCE_EXHAUSTED, HTTP 500: an answer over the server's send limit (a bug: pages are bounded)
	ReasonStorageFull      = "STORAGE_FULL"       // RESOURCE_EXHAUSTED, HTTP 507: the server's disk (or quota) is full
	ReasonMalformedRequest = "MALFORMED_REQUEST"  // a REST body that is not one JSON object of the request's type
	ReasonNoSuchRoute      = "NO_SUCH_ROUTE"      // no REST route has this path
	ReasonMethodNotAllowed = "METHOD_NOT_ALLOWED" // the path exists, not with this HTTP method (405 with Allow)
)

// A refused registry token, all UNAUTHENTICATED (server/auth). Expired and
// revoked are told only to a caller that presented the token's secret; a
// secret that matches no token is just unknown.
const (
	ReasonTokenUnknown      = "TOKEN_UNKNOWN"       // the secret matches no token
	ReasonTokenExpired      = "TOKEN_EXPIRED"       // the token's lifetime is over (metadata expire_time)
	ReasonTokenRevoked      = "TOKEN_REVOKED"       // an admin revoked the token (metadata revoke_time)
	ReasonTokenBearerPrefix = "TOKEN_BEARER_PREFIX" // the token sent begins with the word Bearer ("Bearer prt_…" given as the token)
)

// Violation names one bad field of a request, as a proto field path such as
// `item.legal_bases[0].text`.
type Violation struct {
	Field       string
	Description string
	// Reason is the problem's own reason where it differs from the
	// error's, e.g. ITEM_NOT_EDITABLE for a row of an import that changes
	// an item in review among rows with bad fields (INVALID_FIELDS).
	Reason string
	size   bool // a size limit: an import stops at once (import.go)
}

// Subject names one resource that blocks a step, for FAILED_PRECONDITION.
type Subject struct {
	Name        string
	Description string
}

// Error is the registry's error: a class, a stable reason, a message in
// Chinese and English, and the details that say where the problem is.
type Error struct {
	Class      Class
	Reason     string
	Message    string
	Violations []Violation
	Subjects   []Subject
	// Metadata goes to the ErrorInfo, e.g. the oldest revision of the
	// change feed still available.
	Metadata map[string]string
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, ErrNotFound) and friends match by class.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == "" && t.Class == e.Class
}

// bi joins a Chinese and an English text: users are Chinese civil servants,
// and the API is also read by engineers who do not read Chinese.
func bi(zh, en string) string { return zh + " / " + en }

func newErr(c Class, reason, zh, en string) *Error {
	return &Error{Class: c, Reason: reason, Message: bi(zh, en)}
}

// DataLoss is the error of a stored record that fails its checksum:
// record names it (bucket/key), zh and en say how. The operator checks the
// file and restores a backup; retrying does not help.
func DataLoss(record, zh, en string) *Error {
	e := newErr(ClassDataLoss, ReasonDataLoss,
		fmt.Sprintf("存储的记录 %s 已损坏（%s）：请管理员运行 powerregd check 并从备份恢复", record, zh),
		fmt.Sprintf("the stored record %s is damaged (%s): the operator should run powerregd check and restore from a backup", record, en))
	e.Metadata = map[string]string{"record": record}
	return e
}

// missingRecord is the DataLoss error of a record that another one refers
// to and that is not in the store (bucket/key, as check names it): a
// damaged page lost it, which no request can cause.
func missingRecord(record, zh, en string) *Error {
	return DataLoss(record, "记录缺失："+zh, "the record is missing: "+en)
}

func notFound(reason, name, kindZh, kindEn string) *Error {
	return newErr(ClassNotFound, reason,
		fmt.Sprintf("%s %s 不存在，请检查名称", kindZh, name),
		fmt.Sprintf("%s %s not found; check the name", kindEn, name))
}

func etagMismatch(name string) *Error {
	return newErr(ClassAborted, ReasonEtagMismatch,
		fmt.Sprintf("%s 已被他人修改，请重新读取后再试", name),
		fmt.Sprintf("%s was changed by someone else (stale etag); read it again and retry", name))
}

// violations collects field problems and turns them into one
// INVALID_ARGUMENT error.
type violations []Violation

func (v *violations) add(field, zh, en string) {
	*v = append(*v, Violation{Field: field, Description: bi(zh, en)})
}

// addSize adds the violation of a size limit (a text too long, a list too
// long): an import refuses the stream at the first one.
func (v *violations) addSize(field, zh, en string) {
	*v = append(*v, Violation{Field: field, Description: bi(zh, en), size: true})
}

// sized reports whether a size limit is among v.
func (v violations) sized() bool {
	for _, x := range v {
		if x.size {
			return true
		}
	}
	return false
}

func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	// The message names the first fields (an import's problems can be
	// thousands: the message was once a line of 47,818 characters); the
	// field violations name them all.
	const shown = 20
	var fields []string
	for _, x := range v[:min(shown, len(v))] {
		fields = append(fields, x.Field)
	}
	list := strings.Join(fields, ", ")
	if len(v) > shown {
		list += fmt.Sprintf(" … (+%d)", len(v)-shown)
	}
	e := newErr(ClassInvalidArgument, ReasonInvalidFields,
		"请求中以下字段有误："+list,
		"invalid fields in the request: "+list+"; see the field violations")
	e.Violations = v
	return e
}

// ClassOf returns the class of err, ClassInternal when it is not an *Error.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassInternal
}
