package store

// The storage layout: every bucket and key of the bbolt file. check.go
// (powerregd check) verifies every relation between them described here;
// a new bucket or reference gets its check there.
//
// Integers in keys are 8-byte big-endian (u64) or 4-byte (u32), so that byte
// order is numeric order. Department ids and codes never contain 0x00, which
// separates the parts of composite keys.
//
// Records (the values of departments, items, revisions, submissions,
// publications, events, catalog, tokens, audit and changes: "→ Type"
// below) are the store's own record messages
// (proto/powerreg/store/v1/records.proto), protobuf binary, in an envelope
// (schema 4, record.go); records.go converts them to and from the domain
// types, in one place:
//
//	u8 format version (2: protobuf; 1: the JSON of schemas 4 and 5) | u32 CRC-32C | payload
//
// The CRC-32C (Castagnoli, big-endian) covers the key's length (u32 big-
// endian) and bytes, the format version and the payload. Every read
// verifies it: a mismatch is a DATA_LOSS error naming bucket/key, counted
// by powerreg_store_checksum_failures_total, and /readyz answers 503 from
// then on. powerregd check verifies every record. A later payload format
// takes a new version and keeps the envelope. The other values (indexes,
// counters, codes, requests, token_hashes, meta) are not enveloped: check
// verifies them against the records.
//
// Schema 5: the yes/no fields of a content (fee.charged and
// reviewAndForward in revisions, catalog and changes) are three-state
// (registry.YesNo): true, false, or no key when nobody has said. Until
// schema 4 they were bools whose false had no key; migration 4 → 5
// (migrate.go) wrote false where a fee has a basis or a standard.
//
// Schema 6: records are protobuf (format 2) instead of the JSON of the
// domain types, and each content is stored once, in its revision: a
// catalogue entry and a change name the item and revision whose content
// they serve (its reader loads it; check reports one whose revision is
// missing). Migration 5 → 6 (migrate.go) rewrote every record, refusing a
// file whose catalogue or feed held a content unlike its revision's.
//
// Before bbolt maps the file, Validate (validate.go) reads the size and
// both meta pages: every opening of a data file goes through it.
//
//	meta                 "schema"   → u64 schema version
//	                     "revision" → u64 registry-wide revision, +1 per mutation
//	                     "changes_floor" → u64 the newest revision whose
//	                     changes were compacted away (absent: none); older
//	                     reads of the feed are refused. Migration 1 → 2 sets
//	                     it to the revision of a file with publications made
//	                     before the feed existed
//	                     "catalog_revision" → u64 the registry revision of the
//	                     last change to the published catalogue (a publication,
//	                     a department renamed, the change feed compacted;
//	                     server/registry/catalogversion.go);
//	                     0 in a new file; absent in files written before it
//	                     existed, where "revision" stands in until the next
//	                     publication
//	counters             name → u64: "departments", "items", "submissions",
//	                     "publications" (ids); "code/{dept}/{letters}"
//	                     and "code/item/{id}" (code sequences)
//	departments          {dept id} → Department
//	items                u64 item id → Item
//	items_by_dept        {dept id} 0x00 u64 item id → empty
//	item_states          u8 item state → u64 how many items' working copies
//	                     are in that state (kept by PutItem and DeleteItem,
//	                     so that metrics need not read every item; schema 3)
//	revisions            u64 item id, u32 revision number → Revision: the
//	                     one copy of each content
//	codes                {code} → u64 item id; every code given or assigned,
//	                     kept after abolition so that no code is ever reused
//	submissions          u64 submission id → Submission
//	submissions_by_dept  {dept id} 0x00 u64 submission id → empty
//	publications         u64 publication id → Publication
//	events               {resource name} 0x00 u64 revision, u64 sequence → Event
//	catalog              {code} → CatalogEntry: the items in force; the
//	                     content is that of revisions (item, revision)
//	catalog_by_category  u8 category, {code} → empty
//	catalog_by_dept      {dept id} 0x00 {code} → empty
//	requests             {method}/{request id} → resource name (retries)
//	tokens               {token name} → Token (the secret's SHA-256, never the secret)
//	token_hashes         {secret SHA-256 hex} → token name
//	audit                u64 sequence → audit.Record, each holding the hash
//	                     of the one before (server/audit)
//	changes              u64 revision, u32 index → CatalogChange: the change
//	                     feed, each effect of a publication on the catalogue
//	                     (server/registry/changes.go), the CatalogEntry as
//	                     published (as it left, for an abolition), its
//	                     content that of its revision

// schemaVersion is the layout version this binary writes. Migrations from
// older versions are listed in migrations (migrate.go).
const schemaVersion = 6

var (
	bMeta              = []byte("meta")
	bCounters          = []byte("counters")
	bDepartments       = []byte("departments")
	bItems             = []byte("items")
	bItemsByDept       = []byte("items_by_dept")
	bItemStates        = []byte("item_states")
	bRevisions         = []byte("revisions")
	bCodes             = []byte("codes")
	bSubmissions       = []byte("submissions")
	bSubmissionsByDept = []byte("submissions_by_dept")
	bPublications      = []byte("publications")
	bEvents            = []byte("events")
	bCatalog           = []byte("catalog")
	bCatalogByCategory = []byte("catalog_by_category")
	bCatalogByDept     = []byte("catalog_by_dept")
	bRequests          = []byte("requests")
	bTokens            = []byte("tokens")
	bTokenHashes       = []byte("token_hashes")
	bAudit             = []byte("audit")
	bChanges           = []byte("changes")

	allBuckets = [][]byte{bMeta, bCounters, bDepartments, bItems, bItemsByDept, bItemStates, bRevisions, bCodes,
		bSubmissions, bSubmissionsByDept, bPublications, bEvents, bCatalog, bCatalogByCategory,
		bCatalogByDept, bRequests, bTokens, bTokenHashes, bAudit, bChanges}

	kSchema          = []byte("schema")
	kRevision        = []byte("revision")
	kChangesFloor    = []byte("changes_floor")
	kCatalogRevision = []byte("catalog_revision")
)
