package client

import (
	"context"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// FeedStart is where a read of the change feed starts: right after the
// change at Position ("12.3", CatalogChange.position) when set, else after
// the whole revision Revision (0: the beginning).
type FeedStart struct {
	Revision int64
	Position string
}

// Changes lists the changes after start, oldest first, with the revision
// the catalogue stands at.
func (c *Client) Changes(ctx context.Context, start FeedStart) ([]*pb.CatalogChange, int64, error) {
	var current int64
	list, err := all(func(token string) ([]*pb.CatalogChange, string, error) {
		resp, err := c.Catalog.ListCatalogChanges(ctx, &pb.ListCatalogChangesRequest{StartRevision: start.Revision,
			StartPosition: start.Position, PageSize: pageSize, PageToken: token})
		current = resp.GetCurrentRevision()
		return resp.GetChanges(), resp.GetNextPageToken(), err
	})
	return list, current, err
}

// WatchChanges calls fn with each change after start as it is published,
// until ctx is done or fn or the server fails. A watch the server cut off
// (a client too slow to read: WATCH_TOO_SLOW) or that ended because the
// server shut down (UNAVAILABLE) is opened again from the position of the
// last change received, so that no change is lost or repeated even in the
// middle of a large publication; reconnected, if set, is told why.
func (c *Client) WatchChanges(ctx context.Context, start FeedStart, fn func(*pb.CatalogChange) error, reconnected func(error)) error {
	pause := time.Second
	for {
		err := c.watchOnce(ctx, &start, fn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !resumable(err) {
			return err
		}
		if reconnected != nil {
			reconnected(err)
		}
		if status.Code(err) == codes.Unavailable { // a restart: give the server a moment
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// watchOnce watches from start, moving start along as changes arrive.
func (c *Client) watchOnce(ctx context.Context, start *FeedStart, fn func(*pb.CatalogChange) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := c.Catalog.WatchCatalogChanges(ctx, &pb.WatchCatalogChangesRequest{StartRevision: start.Revision, StartPosition: start.Position})
	if err != nil {
		return err
	}
	for {
		m, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return status.Error(codes.Unavailable, "the watch ended")
		}
		if err != nil {
			return err
		}
		if err := fn(m.GetChange()); err != nil {
			return err
		}
		start.Position = m.GetChange().GetPosition()
	}
}

// resumable reports whether a watch that ended with err can go on from
// where it was.
func resumable(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable:
		return true
	case codes.ResourceExhausted:
		return Reason(err) == registry.ReasonWatchTooSlow
	}
	return false
}
