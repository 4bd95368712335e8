package client

import (
	"context"
	"errors"
	"fmt"
	"io"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// Backup streams a consistent snapshot of the server's data file into w
// (admins) and returns what the server says it is. It fails when the bytes
// received are not the size the server announced: a cut-off stream never
// passes for a whole backup.
func (c *Client) Backup(ctx context.Context, w io.Writer) (*pb.BackupInfo, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.Operations.Backup(ctx, &pb.BackupRequest{})
	if err != nil {
		return nil, err
	}
	var info *pb.BackupInfo
	var got int64
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if info == nil {
			if info = msg.GetInfo(); info == nil {
				return nil, errors.New("备份流没有以说明开头 / the backup stream did not start with its description")
			}
		}
		n, err := w.Write(msg.GetData())
		got += int64(n)
		if err != nil {
			return nil, err
		}
	}
	if info == nil || got != info.GetSizeBytes() {
		return nil, fmt.Errorf("备份不完整：收到 %d 字节，应为 %d / the backup is incomplete: received %d bytes of %d",
			got, info.GetSizeBytes(), got, info.GetSizeBytes())
	}
	return info, nil
}
