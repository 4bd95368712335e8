package server

import (
	"context"
	"errors"
	"log/slog"
	"syscall"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/powerreg/powerreg/server/registry"
)

// errorDomain is the ErrorInfo domain of every error the registry returns.
const errorDomain = "powerreg.gov.cn"

// classCodes maps each domain error class to its gRPC code.
var classCodes = map[registry.Class]codes.Code{
	registry.ClassNotFound:           codes.NotFound,
	registry.ClassAlreadyExists:      codes.AlreadyExists,
	registry.ClassFailedPrecondition: codes.FailedPrecondition,
	registry.ClassAborted:            codes.Aborted,
	registry.ClassInvalidArgument:    codes.InvalidArgument,
	registry.ClassPermissionDenied:   codes.PermissionDenied,
	registry.ClassUnauthenticated:    codes.Unauthenticated,
	registry.ClassOutOfRange:         codes.OutOfRange,
	registry.ClassResourceExhausted:  codes.ResourceExhausted,
	registry.ClassDataLoss:           codes.DataLoss,
}

// toStatus is the one place where errors become gRPC statuses. Domain errors
// keep their class, reason and details; anything else is an internal error
// whose detail goes to the log, not to the caller.
func toStatus(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var e *registry.Error
	if !errors.As(err, &e) {
		switch {
		case errors.Is(err, context.Canceled):
			return withInfo(status.New(codes.Canceled, "request canceled / 请求已取消"), registry.ReasonCanceled)
		case errors.Is(err, context.DeadlineExceeded):
			return withInfo(status.New(codes.DeadlineExceeded, "deadline exceeded / 请求超时"), registry.ReasonDeadlineExceeded)
		case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
			// The transaction was rolled back: nothing was written.
			slog.ErrorContext(ctx, "storage full", "err", err)
			return withInfo(status.New(codes.ResourceExhausted,
				"服务器磁盘已满（或超出磁盘配额），本次操作未写入任何内容；请管理员释放磁盘空间后重试 / "+
					"the server's disk is full (or over its quota) and nothing was written; the administrator must free disk space, then retry"),
				registry.ReasonStorageFull)
		}
		slog.ErrorContext(ctx, "internal error", "err", err)
		return withInfo(status.New(codes.Internal,
			"服务器内部错误，请稍后重试或联系管理员 / internal error; retry later or contact the administrator"), registry.ReasonInternal)
	}
	st := status.New(classCodes[e.Class], e.Message)
	var details []protoadapt.MessageV1
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{}
		for _, v := range e.Violations {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: v.Field, Description: v.Description, Reason: violationReason(v, e)})
		}
		details = append(details, br)
	}
	if len(e.Subjects) > 0 {
		pf := &errdetails.PreconditionFailure{}
		for _, s := range e.Subjects {
			pf.Violations = append(pf.Violations, &errdetails.PreconditionFailure_Violation{
				Type: e.Reason, Subject: s.Name, Description: s.Description})
		}
		details = append(details, pf)
	}
	return withInfoMeta(st, e.Reason, e.Metadata, details...)
}

// violationReason is a field violation's reason: its own where it has one
// (a row of an import refused for its item's state among rows with bad
// fields), else its error's.
func violationReason(v registry.Violation, e *registry.Error) string {
	if v.Reason != "" {
		return v.Reason
	}
	return e.Reason
}

// withInfo adds an ErrorInfo with reason, then the other details.
func withInfo(st *status.Status, reason string, details ...protoadapt.MessageV1) error {
	return withInfoMeta(st, reason, nil, details...)
}

// withInfoMeta is withInfo with the ErrorInfo's metadata.
func withInfoMeta(st *status.Status, reason string, meta map[string]string, details ...protoadapt.MessageV1) error {
	all := append([]protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: reason, Domain: errorDomain, Metadata: meta}}, details...)
	out, err := st.WithDetails(all...)
	if err != nil {
		return st.Err()
	}
	return out.Err()
}
