package store

import (
	"path/filepath"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestCheckWithdrawnBatch: a withdrawn batch lets its items go, like a
// returned one: an item deleted after the withdrawal is no dangling
// reference.
func TestCheckWithdrawnBatch(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430400"})
	if _, err := svc.CreateDepartment("admin", registry.Department{ID: "gtzyj", DisplayName: "市国土资源局"}, ""); err != nil {
		t.Fatal(err)
	}
	content := registry.Content{DisplayName: "建设用地审批", Category: registry.CategoryLicensing,
		LegalBases: []registry.LegalBasis{{Level: 1, Title: "《土地管理法》", Text: "《土地管理法》第四十四条"}}}
	it, err := svc.CreateItem("clerk", "gtzyj", registry.ItemInput{Content: content}, "")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := svc.CreateSubmissionWith("clerk", "gtzyj", registry.SubmissionInput{
		Items: []string{registry.ItemName("gtzyj", it.Item.ID)}, Submit: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.WithdrawSubmission("clerk", "gtzyj", sub.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteItem("clerk", "gtzyj", it.Item.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range mustCheck(t, filepath.Join(dir, FileName)).Problems {
		t.Errorf("problem: %s", p)
	}
}
