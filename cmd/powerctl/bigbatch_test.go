package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/powerreg/powerreg/client"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// A batch holds at most registry.MaxSubmissionItems
// items and a publication's answer its first 1000 items. `submit` with
// more drafts submits the first batch and says how many are left;
// `publish` prints the publication's item count, and its JSON lists every
// item (read with ListPublicationItems).
func TestSubmitAndPublishLargeLists(t *testing.T) {
	if testing.Short() {
		t.Skip("12,001 items")
	}
	e := start(t)
	e.ok("admin", "departments", "create", "--id", "gtzyj", "--name", "市国土资源局", "--region", "430400")
	const n = registry.MaxSubmissionItems + 2001
	rows := make([]*pb.ImportRow, n)
	for i := range rows {
		rows[i] = &pb.ImportRow{Item: &pb.Item{DisplayName: fmt.Sprintf("事项 %05d", i), Category: pb.Category_CATEGORY_PENALTY,
			LegalBases: []*pb.LegalBasis{{Level: pb.LegalBasis_LEVEL_LAW, Text: "《土地管理法》第七十六条"}}}}
	}
	ctx := context.Background()
	if _, err := e.dial("clerk").Import(ctx, rows, client.ImportOptions{Parent: "departments/gtzyj"}); err != nil {
		t.Fatal(err)
	}
	approve := func(sub string) {
		t.Helper()
		if _, err := e.c.Registry.ApproveSubmission(ctx, &pb.ApproveSubmissionRequest{Name: sub, Comment: "同意"}); err != nil {
			t.Fatal(err)
		}
	}

	r := e.ok("clerk", "submit", "--department", "gtzyj")
	if !regexp.MustCompile(`^departments/gtzyj/submissions/\d+: 已报送 10000 个事项 / submitted 10000 items\n` +
		`还有 2001 个草稿未报送（每批最多 10000 个）.* / 2001 drafts are left \(a batch holds at most 10000\); run this command again to submit the next batch\n$`).MatchString(r.stdout) {
		t.Errorf("submit, first batch: %s", r)
	}
	approve(nameOf(t, r))
	r = e.ok("publisher", "publish", "--all-approved")
	if !regexp.MustCompile(`^publications/\d+: 已发布 1 个批次的 10000 个事项 / published 10000 items of 1 submissions\n共 10000 个事项`).MatchString(r.stdout) {
		t.Errorf("publish: %s", r)
	}

	r = e.ok("clerk", "submit", "--department", "gtzyj")
	if !regexp.MustCompile(`^departments/gtzyj/submissions/\d+: 已报送 2001 个事项 / submitted 2001 items\n$`).MatchString(r.stdout) {
		t.Errorf("submit, second batch: %s", r)
	}
	approve(nameOf(t, r))
	r = e.ok("publisher", "publish", "--all-approved", "-o", "json")
	var p struct {
		Name      string `json:"name"`
		ItemCount int    `json:"itemCount"`
		Items     []struct {
			Item string `json:"item"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("publish -o json: %v\n%.500s", err, r.stdout)
	}
	seen := map[string]bool{}
	for _, it := range p.Items {
		seen[it.Item] = true
	}
	if p.ItemCount != 2001 || len(p.Items) != 2001 || len(seen) != 2001 {
		t.Errorf("publish -o json: itemCount %d, %d items (%d distinct); want all 2001", p.ItemCount, len(p.Items), len(seen))
	}
}
