package client

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Problem is one located problem of an error: a field or a resource, and
// what is wrong with it.
type Problem struct {
	Where string // a field path such as rows[3].item.category, or a resource name
	What  string
}

// Reason returns the stable ErrorInfo reason of an API error, "" if none.
func Reason(err error) string {
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// Problems lists the field violations and precondition failures of an API
// error, each once: a refusal may carry the same problem as both (an
// import refused for rows whose items are in review does).
func Problems(err error) []Problem {
	st, ok := status.FromError(err)
	if !ok {
		return nil
	}
	var out []Problem
	seen := map[Problem]bool{}
	add := func(p Problem) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				add(Problem{Where: v.GetField(), What: v.GetDescription()})
			}
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				add(Problem{Where: v.GetSubject(), What: v.GetDescription()})
			}
		}
	}
	return out
}

// Describe renders an error for a person: the message, then one line per
// problem. Connection failures say how to point at the right server.
func Describe(err error) string {
	if err == nil {
		return ""
	}
	st, ok := status.FromError(err)
	if !ok {
		return err.Error()
	}
	if st.Code() == codes.Unavailable {
		return "无法连接服务器，请检查 --server 或 POWERREG_SERVER，确认 powerregd 正在运行，服务器启用 TLS 时用 --ca-cert / " +
			"cannot reach the server; check --server or POWERREG_SERVER, that powerregd is running, and --ca-cert when it serves TLS (" +
			st.Message() + ")"
	}
	var b strings.Builder
	b.WriteString(st.Message())
	for _, p := range Problems(err) {
		fmt.Fprintf(&b, "\n  - %s: %s", p.Where, p.What)
	}
	return b.String()
}

// IsNothingToDo reports whether err says a step found nothing to work on.
func IsNothingToDo(err error) bool { return errors.Is(err, ErrNothingToDo) }
