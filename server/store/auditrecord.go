package store

import "github.com/powerreg/powerreg/server/audit"

// DecodeAuditRecord is the audit record v stored in bucket audit under
// key, verified against its envelope. Tests that edit the trail behind the
// server's back (the checksum catches damage, the hash chain intent) read
// it with this and write it back with EncodeAuditRecord.
func DecodeAuditRecord(key, v []byte) (*audit.Record, error) {
	return load[audit.Record](&txn{}, bAudit, key, v)
}

// EncodeAuditRecord is the stored form of an audit record under key, in
// its envelope with a fresh checksum.
func EncodeAuditRecord(key []byte, r *audit.Record) ([]byte, error) {
	data, err := encodePayload(r)
	if err != nil {
		return nil, err
	}
	return EncodeRecordAs(key, RecordProto, data), nil
}
