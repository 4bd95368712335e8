package server

import (
	"context"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// backupChunk is the most bytes of the data file one Backup message holds.
const backupChunk = 1 << 20

// operationsServer implements OperationsService: hot backups and the
// change feed's compaction.
type operationsServer struct {
	pb.UnimplementedOperationsServiceServer
	db  *store.DB
	svc *registry.Service
	now func() time.Time // nil: time.Now
}

// Backup takes a snapshot (store.DB.Backup: one read transaction, copied
// to local disk) and streams it: its description first, then its bytes.
func (s *operationsServer) Backup(_ *pb.BackupRequest, stream grpc.ServerStreamingServer[pb.BackupResponse]) error {
	f, info, err := s.db.Backup()
	if err != nil {
		return err
	}
	defer f.Close()
	// Who copied the whole registry, and when: in the audit trail.
	ctx := stream.Context()
	if err := s.svc.RecordRead(actor(ctx), callOf(ctx)); err != nil {
		return err
	}
	taken := time.Now()
	if s.now != nil {
		taken = s.now()
	}
	msg := &pb.BackupResponse{Info: &pb.BackupInfo{SchemaVersion: int64(info.SchemaVersion), Revision: info.Revision,
		CatalogRevision: info.CatalogRevision, SizeBytes: info.Size, CreateTime: timestamppb.New(taken)}}
	buf := make([]byte, backupChunk)
	for {
		n, err := io.ReadFull(f, buf)
		if n > 0 {
			msg.Data = buf[:n]
			if err := stream.Send(msg); err != nil {
				return err
			}
			msg = &pb.BackupResponse{}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (s *operationsServer) CompactCatalogChanges(ctx context.Context, req *pb.CompactCatalogChangesRequest) (*pb.CompactCatalogChangesResponse, error) {
	n, floor, current, err := s.svc.For(callOf(ctx)).CompactChanges(actor(ctx), req.GetBeforeRevision())
	if err != nil {
		return nil, err
	}
	return &pb.CompactCatalogChangesResponse{DeletedCount: int64(n), OldestRevision: floor, CurrentRevision: current}, nil
}
