package registry_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/powerreg/powerreg/server/principal"
	"github.com/powerreg/powerreg/server/registry"
)

// TestFourEyes: nobody reviews a batch they submitted or in which they
// edited an item, and nobody publishes a batch they submitted.
func TestFourEyes(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	b := e.item("gtzyj", "乙", registry.CategoryPenalty)
	// The reviewer edits b before the batch is submitted by the clerk.
	_, err := e.svc.UpdateItem(reviewer, "gtzyj", b.Item.ID, registry.ItemInput{Content: content("乙（改）", registry.CategoryPenalty)},
		[]string{"display_name"}, "")
	e.must(err, "UpdateItem by the reviewer")
	s := e.submit(e.batch("gtzyj", a, b))

	_, err = e.svc.ApproveSubmission(clerk, "gtzyj", s.ID, registry.ReviewInput{}, "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes) // the submitter
	_, err = e.svc.RejectSubmission(clerk, "gtzyj", s.ID, registry.ReviewInput{Comment: "x"}, "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{}, "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes) // edited item b
	if got := e.getSub(s); got.State != registry.SubmissionSubmitted {
		t.Fatalf("a refused review changed the batch: %d", got.State)
	}

	_, err = e.svc.ApproveSubmission("reviewer-2", "gtzyj", s.ID, registry.ReviewInput{}, "")
	e.must(err, "ApproveSubmission by another reviewer")
	_, err = e.svc.CreatePublication(clerk, []string{subName(s)}, "", "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes) // the submitter publishing
	_, err = e.svc.CreatePublication(publisher, []string{subName(s)}, "", "")
	e.must(err, "CreatePublication by a publisher")

	// After publication, earlier edits no longer bind: a later change is
	// judged by its own editors.
	_, err = e.svc.UpdateItem(clerk, "gtzyj", b.Item.ID, registry.ItemInput{Content: content("乙（再改）", registry.CategoryPenalty)},
		[]string{"display_name"}, "")
	e.must(err, "UpdateItem after publication")
	s2 := e.submit(e.batch("gtzyj", b))
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s2.ID, registry.ReviewInput{}, "")
	e.must(err, "ApproveSubmission of a later change by the earlier editor")
}

// TestFourEyesPersons: four eyes compares the people behind principals
// (Call.Holder), refuses a step with a token issued by someone involved in
// the batch (Call.Issuer), and by default refuses a publisher who edited
// one of the batch's items; PublisherMayEdit allows the latter only.
func TestFourEyesPersons(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	as := func(holder, issuer string) *registry.Service {
		return e.svc.For(registry.Call{Method: "test", Holder: holder, Issuer: issuer})
	}
	li := as("李四", "admin")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	_, err := li.UpdateItem("li-clerk", "gtzyj", a.Item.ID, registry.ItemInput{Content: content("甲（改）", registry.CategoryPenalty)},
		[]string{"display_name"}, "")
	e.must(err, "UpdateItem by 李四")
	s := e.submit(e.batch("gtzyj", a)) // submitted by clerk, whose holder is the name

	// 李四's other token: refused, naming the person and the token.
	_, err = as("李四", "admin").ApproveSubmission("li-reviewer", "gtzyj", s.ID, registry.ReviewInput{}, "")
	re := wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
	if !strings.Contains(re.Message, "李四 (li-reviewer)") || !strings.Contains(re.Message, itemName(a)) {
		t.Errorf("message: %s", re.Message)
	}
	// A token the submitter or an editor issued: refused, naming the issuer.
	for _, issuer := range []string{clerk, "李四"} {
		_, err = as("王五", issuer).ApproveSubmission("wang-reviewer", "gtzyj", s.ID, registry.ReviewInput{}, "")
		re = wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
		if !strings.Contains(re.Message, "created by "+issuer) {
			t.Errorf("issuer %s: %s", issuer, re.Message)
		}
	}
	if got := e.getSub(s); got.State != registry.SubmissionSubmitted {
		t.Fatalf("refused reviews changed the batch: %d", got.State)
	}
	_, err = as("王五", "admin").ApproveSubmission("wang-reviewer", "gtzyj", s.ID, registry.ReviewInput{}, "")
	e.must(err, "approval by 王五 with a token admin issued")

	// 李四 edited the batch: as publisher, refused by default.
	_, err = as("李四", "admin").CreatePublication("li-publisher", []string{subName(s)}, "", "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
	// A token 李四 issued: refused too.
	_, err = as("赵六", "李四").CreatePublication("zhao-publisher", []string{subName(s)}, "", "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)

	// A city that allows publishers to have edited: 李四 may publish, the
	// submitter still may not.
	lax := registry.New(registry.Config{Store: e.db, DefaultRegion: "430400", Now: e.clock.Now, PublisherMayEdit: true})
	_, err = lax.For(registry.Call{Holder: clerk, Issuer: "admin"}).CreatePublication("clerk-publisher", []string{subName(s)}, "", "")
	wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
	_, err = lax.For(registry.Call{Holder: "李四", Issuer: "admin"}).CreatePublication("li-publisher", []string{subName(s)}, "", "")
	e.must(err, "publication by an editor where the city allows it")
}

// TestSamePerson: holders are compared after normalisation and case
// folding.
func TestSamePerson(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"李四", "李四", true}, {"Li Si", "li si", true}, {"Jos\u00e9", "Jose\u0301", true},
		{"李四", "李五", false}, {"li si", "lisi", false}, {"admin", "sso:admin", false},
		// A staff number or a Latin name typed in a Chinese input method's
		// full-width mode is the same person (NFKC); so is a name under
		// full case folding.
		{"１０２３", "1023", true}, {"Ｌｉ Ｓｉ", "li si", true}, {"Straße", "STRASSE", true}, {"1023", "1024", false},
	} {
		if got := principal.Same(c.a, c.b); got != c.same {
			t.Errorf("SamePerson(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

// TestFourEyesRecordsBeforeHolders: revisions and submissions written
// before holders name their principal only, which then counts as the
// person: the data of an upgraded registry keeps its four eyes.
func TestFourEyesRecordsBeforeHolders(t *testing.T) {
	e := newEnv(t)
	e.dept("gtzyj", "市国土资源局")
	a := e.item("gtzyj", "甲", registry.CategoryPenalty)
	_, err := e.svc.UpdateItem("old-editor", "gtzyj", a.Item.ID, registry.ItemInput{Content: content("甲（改）", registry.CategoryPenalty)},
		[]string{"display_name"}, "")
	e.must(err, "UpdateItem")
	s := e.submit(e.batch("gtzyj", a))
	// Strip the holders, as an older version stored them.
	e.must(e.db.Update(func(tx registry.Tx) error {
		for n := 1; n <= 2; n++ {
			r, err := tx.GetRevision(a.Item.ID, n)
			if err != nil || r == nil || r.Holder == "" {
				return fmt.Errorf("revision %d: %+v %v", n, r, err)
			}
			r.Holder = ""
			if err := tx.PutRevision(r); err != nil {
				return err
			}
		}
		sub, err := tx.GetSubmission(s.ID)
		if err != nil || sub.SubmitterHolder != clerk {
			return fmt.Errorf("submission: %+v %v", sub, err)
		}
		sub.SubmitterHolder = ""
		return tx.PutSubmission(sub)
	}), "strip holders")

	for _, who := range []string{"old-editor", clerk} {
		_, err = e.svc.ApproveSubmission(who, "gtzyj", s.ID, registry.ReviewInput{}, "")
		wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
		_, err = e.svc.For(registry.Call{Holder: "someone", Issuer: who}).ApproveSubmission("r", "gtzyj", s.ID, registry.ReviewInput{}, "")
		wantErr(t, err, registry.ClassPermissionDenied, registry.ReasonFourEyes)
	}
	_, err = e.svc.ApproveSubmission(reviewer, "gtzyj", s.ID, registry.ReviewInput{}, "")
	e.must(err, "approval by another reviewer")
}
