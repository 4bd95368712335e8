package registry_test

import (
	"strings"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestDeleteItemInBatchSaysWhatToDo: an item a batch holds cannot be
// deleted, and the refusal names the batch and the way out for its
// state, in both languages: delete a draft batch, withdraw a submitted
// one, have a reviewer return an approved one.
func TestDeleteItemInBatchSaysWhatToDo(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	inDraft := e.item("gtzyj", "草稿批次中", registry.CategoryPenalty)
	inReview := e.item("gtzyj", "审核中", registry.CategoryPenalty)
	approved := e.item("gtzyj", "已审核", registry.CategoryPenalty)
	draftSub := e.batch("gtzyj", inDraft)
	reviewSub := e.submit(e.batch("gtzyj", inReview))
	approvedSub := e.approved("gtzyj", approved)
	for _, c := range []struct {
		item *registry.ItemView
		sub  *registry.Submission
		want []string
	}{
		{inDraft, draftSub, []string{"请先删除该批次", "delete that batch first"}},
		{inReview, reviewSub, []string{"请先撤回该批次", "powerctl submissions withdraw " + subName(reviewSub)}},
		{approved, approvedSub, []string{"审核人在发布前退回", "a reviewer returns the batch"}},
	} {
		err := e.svc.DeleteItem(clerk, "gtzyj", c.item.Item.ID, "")
		re := wantErr(t, err, registry.ClassFailedPrecondition, registry.ReasonItemNotDeletable)
		for _, w := range append(c.want, subName(c.sub)) {
			if !strings.Contains(re.Message, w) {
				t.Errorf("refusal to delete %s does not say %q: %s", c.item.Content.DisplayName, w, re.Message)
			}
		}
		if got := e.getItem(c.item); got.Item.Submission != c.sub.ID {
			t.Errorf("a refused delete changed the item: %+v", got.Item)
		}
	}
}
