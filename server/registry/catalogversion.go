package registry

// The catalogue's version. Everything the public catalogue reads return
// (CatalogService: items, one item, stats, the change feed) is a function
// of the store's state at the registry revision of the last mutation that
// changed the catalogue, and of nothing else the registry holds. That
// revision is the catalogue revision: the REST layer derives the ETags of
// /v1/catalog/ responses from it and keys its response cache by it
// (server/httpcache.go), so that it must change whenever, and should change
// only when, a catalogue read could answer differently:
//
//   - a publication (publish.go), which is the only writer of the catalogue;
//   - a change of a department's display name (departments.go), which
//     catalogue items and stats show, or of its region code, which the
//     catalogue's region filter reads;
//   - a compaction of the change feed that raises its floor (changes.go),
//     after which older reads of the feed are refused.
//
// Edits of drafts, submissions, reviews, tokens and the audit trail leave it
// alone, so that caches of the portal survive the daily work of
// departments. A new mutation that changes what a catalogue read returns
// must call catalogChanged in its transaction.

// CatalogRevision returns the catalogue revision: the registry revision of
// the last mutation that changed the published catalogue (0 for a registry
// that never had one). The portal's cached pages ask for it on every
// request, so it is kept in memory (catalogRev) and read from the store's
// meta bucket only when unknown.
func (s *Service) CatalogRevision() (int64, error) {
	if rev := s.catRev.Load(); rev >= 0 {
		return rev, nil
	}
	var rev int64
	err := s.store.View(func(tx Tx) error {
		var err error
		rev, err = tx.CatalogRevision()
		return err
	})
	if err == nil {
		// Only if still unknown: a mutation that committed meanwhile has
		// stored its newer revision.
		s.catRev.CompareAndSwap(-1, rev)
	}
	return rev, err
}

// catalogChanged records, in the mutation's transaction, that the
// catalogue changed at this revision.
func (m *mut) catalogChanged() error {
	m.catChanged = true
	return m.SetCatalogRevision(m.rev)
}
