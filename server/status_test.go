package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/powerreg/powerreg/server/registry"
)

func info(t *testing.T, st *status.Status) *errdetails.ErrorInfo {
	t.Helper()
	for _, d := range st.Details() {
		if i, ok := d.(*errdetails.ErrorInfo); ok {
			return i
		}
	}
	t.Fatalf("no ErrorInfo in %v", st)
	return nil
}

// TestToStatus: every domain class maps to its code with its reason and
// details; anything else is an internal error that hides its detail.
func TestToStatus(t *testing.T) {
	for class, code := range classCodes {
		err := fmt.Errorf("wrapped: %w", &registry.Error{Class: class, Reason: "SOME_REASON", Message: "中文 / English",
			Violations: []registry.Violation{{Field: "item.display_name", Description: "必填 / required"}},
			Subjects:   []registry.Subject{{Name: "departments/a/items/1", Description: "x"}}})
		st := status.Convert(toStatus(context.Background(), err))
		if st.Code() != code || st.Message() != "中文 / English" || info(t, st).Reason != "SOME_REASON" ||
			info(t, st).Domain != errorDomain || len(st.Details()) != 3 {
			t.Errorf("class %d: got %v %q %v", class, st.Code(), st.Message(), st.Details())
		}
	}
	st := status.Convert(toStatus(context.Background(), errors.New("bolt: secret detail")))
	if st.Code() != codes.Internal || strings.Contains(st.Message(), "secret") || info(t, st).Reason != "INTERNAL" {
		t.Errorf("internal error: %v %q", st.Code(), st.Message())
	}
	st = status.Convert(toStatus(context.Background(), context.Canceled))
	if st.Code() != codes.Canceled || info(t, st).Reason != "CANCELED" {
		t.Errorf("canceled: %v", st)
	}
	if toStatus(context.Background(), nil) != nil {
		t.Error("nil error became a status")
	}
}

// TestInterceptorRecoversPanic: a panicking handler answers INTERNAL with an
// ErrorInfo and the server goes on.
func TestInterceptorRecoversPanic(t *testing.T) {
	a := &access{}
	_, err := a.unary(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"},
		func(context.Context, any) (any, error) { panic("boom") })
	st := status.Convert(err)
	if st.Code() != codes.Internal || info(t, st).Reason != "INTERNAL" || strings.Contains(st.Message(), "boom") {
		t.Fatalf("got %v %q", st.Code(), st.Message())
	}
}
