package store

import (
	"path/filepath"
	"testing"
)

// migrationTests names the test of each migration (migrations[v] upgrades
// v to v+1), which opens a file of the old layout: a new migration gets
// its test and its line here.
var migrationTests = map[uint64]string{
	1: "TestMigrateChangeFeed",
	2: "TestMigrateItemStates",
	3: "TestMigrateRecordEnvelope",
	4: "TestMigrateYesNo",
	5: "TestMigrateRecords",
}

// TestEveryMigrationIsTested: every version below the current one has a
// migration, a note and a named test.
func TestEveryMigrationIsTested(t *testing.T) {
	for v := uint64(1); v < schemaVersion; v++ {
		if migrations[v] == nil {
			t.Errorf("no migration from schema version %d", v)
		}
		if migrationNotes[v][0] == "" || migrationNotes[v][1] == "" {
			t.Errorf("migration %d → %d has no note for the upgrade's log line", v, v+1)
		}
		if migrationTests[v] == "" {
			t.Errorf("migration %d → %d has no test named in migrationTests", v, v+1)
		}
	}
}

// TestMigratedDemoPassesCheck: the demo data taken back to the first
// layout, then migrated by Open, is consistent.
func TestMigratedDemoPassesCheck(t *testing.T) {
	dir := demoDir(t)
	toSchema1(t, dir)
	r := mustCheck(t, filepath.Join(dir, FileName))
	if r.SchemaVersion != 1 || len(r.Problems) > 0 {
		t.Fatalf("schema-1 file: version %d, problems %v", r.SchemaVersion, r.Problems)
	}
	open(t, dir).Close()
	r = mustCheck(t, filepath.Join(dir, FileName))
	if r.SchemaVersion != schemaVersion {
		t.Errorf("schema %d after migration", r.SchemaVersion)
	}
	for _, p := range r.Problems {
		t.Errorf("after migration: %s", p)
	}
}
