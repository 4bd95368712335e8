package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/powerreg/powerreg/server/registry"
)

// TestStorageFull: a full disk or quota, however
// wrapped, is RESOURCE_EXHAUSTED with STORAGE_FULL and a message saying
// so, not INTERNAL.
func TestStorageFull(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
		err := fmt.Errorf("commit: %w", &os.PathError{Op: "write", Path: "/var/lib/powerreg/powerreg.db", Err: errno})
		st := status.Convert(toStatus(context.Background(), err))
		if st.Code() != codes.ResourceExhausted || errorInfo(st).GetReason() != registry.ReasonStorageFull ||
			!strings.Contains(st.Message(), "disk is full") || !strings.Contains(st.Message(), "磁盘已满") {
			t.Errorf("%v: %s %s %q", errno, st.Code(), errorInfo(st).GetReason(), st.Message())
		}
	}
}

// TestGatewayStatuses: the gateway gives every
// status a registry reason, and RESOURCE_EXHAUSTED its HTTP status by
// reason: only a rate limit is 429 (retry); an answer over the limits is
// not (before: 429 with reason RESOURCEEXHAUSTED).
func TestGatewayStatuses(t *testing.T) {
	storageFull := toStatus(context.Background(), fmt.Errorf("x: %w", syscall.ENOSPC))
	rateLimited := withInfo(status.New(codes.ResourceExhausted, "请求过于频繁 / too many requests"), registry.ReasonRateLimited)
	for _, c := range []struct {
		err    error
		code   int
		reason string
	}{
		{status.Error(codes.ResourceExhausted, "grpc: trying to send message larger than max (70000000 vs. 67108864)"),
			http.StatusInternalServerError, registry.ReasonResponseTooLarge},
		{status.Error(codes.ResourceExhausted, fmt.Sprintf("grpc: received message larger than max (70000000 vs. %d)", maxAnswerBytes)),
			http.StatusInternalServerError, registry.ReasonResponseTooLarge},
		{status.Error(codes.ResourceExhausted, "grpc: received message larger than max (17000000 vs. 16777216)"),
			http.StatusRequestEntityTooLarge, registry.ReasonRequestTooLarge},
		{storageFull, http.StatusInsufficientStorage, registry.ReasonStorageFull},
		{rateLimited, http.StatusTooManyRequests, registry.ReasonRateLimited},
		{status.Error(codes.Unavailable, "connection refused"), http.StatusServiceUnavailable, registry.ReasonUnavailable},
		{status.Error(codes.Internal, "boom"), http.StatusInternalServerError, registry.ReasonInternal},
		{status.Error(codes.DeadlineExceeded, "deadline"), http.StatusGatewayTimeout, registry.ReasonDeadlineExceeded},
		{status.Error(codes.InvalidArgument, "bad json"), http.StatusBadRequest, registry.ReasonMalformedRequest},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/v1/catalog/items", nil)
		gatewayError(context.Background(), runtime.NewServeMux(), &runtime.JSONPb{}, w, r, c.err)
		var body struct {
			Message string `json:"message"`
			Details []struct {
				Reason string `json:"reason"`
			} `json:"details"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%v: body %s", c.err, w.Body)
		}
		if w.Code != c.code || len(body.Details) == 0 || body.Details[0].Reason != c.reason || !strings.Contains(body.Message, " / ") {
			t.Errorf("%v: HTTP %d %s; want %d %s with a bilingual message", c.err, w.Code, w.Body, c.code, c.reason)
		}
	}
}
