package store

import (
	"bytes"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/powerreg/powerreg/server/audit"
	"github.com/powerreg/powerreg/server/registry"
)

// putRecord writes v as the current schema's record of bucket under key.
func putRecord(tx *bolt.Tx, bucket, key []byte, v any) error {
	data, err := encodePayload(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, EncodeRecordAs(key, RecordProto, data))
}

// decodeAs is the domain value of a current record (a catalogue entry or
// change without its content); it panics on a damaged one.
func decodeRec[T any](k, v []byte) *T {
	rec, err := decodePayload[T](mustDecode(k, v))
	if err != nil {
		panic(fmt.Sprintf("%x: %v", k, err))
	}
	return rec
}

// toJSONRecords writes every record of the file as schema 5 and older
// held them, the JSON of the domain types with each catalogue entry and
// change holding its content, and sets the schema to 5: the tests of older
// migrations start from there. Records already in JSON are left as they
// are.
func toJSONRecords(tx *bolt.Tx) error {
	t := &txn{tx: tx}
	type rewrite struct {
		bucket, key, val []byte
	}
	var out []rewrite
	for _, name := range recordBuckets {
		err := tx.Bucket(name).ForEach(func(k, v []byte) error {
			if len(v) > 0 && v[0] != RecordProto {
				return nil
			}
			rec, err := domainOf(t, name, k, v)
			if err != nil {
				return err
			}
			data, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			out = append(out, rewrite{name, bytes.Clone(k), EncodeRecord(k, data)})
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, r := range out {
		if err := tx.Bucket(r.bucket).Put(r.key, r.val); err != nil {
			return err
		}
	}
	return tx.Bucket(bMeta).Put(kSchema, u64(5))
}

// domainOf is the domain value of a record of bucket name, a catalogue
// entry or change with its content.
func domainOf(t *txn, name, k, v []byte) (any, error) {
	switch string(name) {
	case string(bDepartments):
		return load[registry.Department](t, name, k, v)
	case string(bItems):
		return load[registry.Item](t, name, k, v)
	case string(bRevisions):
		return load[registry.Revision](t, name, k, v)
	case string(bSubmissions):
		return load[registry.Submission](t, name, k, v)
	case string(bPublications):
		return load[registry.Publication](t, name, k, v)
	case string(bEvents):
		return load[registry.Event](t, name, k, v)
	case string(bCatalog):
		return t.catalogDecoder(k, v)
	case string(bChanges):
		return t.changeDecoder(k, v)
	case string(bTokens):
		return load[registry.Token](t, name, k, v)
	case string(bAudit):
		return load[audit.Record](t, name, k, v)
	}
	return nil, fmt.Errorf("%s is not a bucket of records", name)
}

// jsonOf is the JSON of the domain value of a current record, as schema 5
// and older stored it.
func jsonOf(tx *bolt.Tx, name, k, v []byte) ([]byte, error) {
	rec, err := domainOf(&txn{tx: tx}, name, k, v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rec)
}
