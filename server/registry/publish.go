package registry

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/powerreg/powerreg/server/coding"
)

// PublicationItemsShown is how many of a publication's items its answers
// (CreatePublication, GetPublication, ListPublications) carry: a province
// publishing 45,000 items at once would otherwise be one answer over gRPC's
// default 4 MiB receive limit. ListPublicationItems pages through them all.
const PublicationItemsShown = 1000

// MaxPublicationSubmissions caps the batches of one publication, so that
// its list of submissions, like its items, keeps the answer small (1000
// names of at most 110 bytes). A city publishes a few dozen at once.
const MaxPublicationSubmissions = 1000

// CreatePublication publishes approved submissions together (集中发布): in
// one transaction every approved revision goes in force, items without a
// code get one, abolished items leave the catalogue, and the batches are
// marked published. Any problem refuses the whole publication.
func (s *Service) CreatePublication(actor string, submissions []string, comment, requestID string) (*Publication, error) {
	return s.createPublication(actor, submissions, comment, requestID, false)
}

// ValidatePublication checks a publication as CreatePublication would
// make it and returns it as it would be, with the codes it would assign
// (the same code assignment, in a transaction rolled back at the end):
// nothing is written and no counter advances, so a publication made next,
// if nothing changed in between, assigns the same codes and takes the same
// name. The request id is not looked up nor remembered.
func (s *Service) ValidatePublication(actor string, submissions []string, comment string) (*Publication, error) {
	return s.createPublication(actor, submissions, comment, "", true)
}

func (s *Service) createPublication(actor string, submissions []string, comment, requestID string, dryRun bool) (*Publication, error) {
	var v violations
	refs := parsePublicationSubmissions(&v, submissions)
	checkText(&v, "publication.comment", comment, maxTextRunes, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *Publication
	err := s.mutate(actor, func(m *mut) error {
		if prev, err := idempotent(m, "CreatePublication", requestID); err != nil || prev != "" {
			if err == nil {
				id, _ := ParsePublicationName("", prev)
				out, err = m.GetPublication(id) // publications are never deleted
			}
			return err
		}
		id, err := m.NextSeq("publications")
		if err != nil {
			return err
		}
		p := &publishing{mut: m, s: s, pub: &Publication{ID: id, Submissions: refs, Comment: comment,
			Publisher: m.actor, PublishTime: m.now}, items: map[uint64]*Item{}}
		if err := p.run(); err != nil {
			return err
		}
		out = p.pub
		if dryRun {
			return errDryRun
		}
		return remember(m, "CreatePublication", requestID, PublicationName(id))
	})
	if dryRun && errors.Is(err, errDryRun) {
		return out, nil
	}
	if err == nil {
		s.feed.notify() // wake the watches once the changes are committed (changes.go)
	}
	return out, err
}

// parsePublicationSubmissions checks the submission names of a
// publication, adding a violation to v for each bad one.
func parsePublicationSubmissions(v *violations, names []string) []SubmissionRef {
	if len(names) == 0 {
		v.add("publication.submissions", "至少需要一个已审核的报送批次", "give at least one approved submission")
	}
	if len(names) > MaxPublicationSubmissions {
		v.add("publication.submissions",
			fmt.Sprintf("一次发布最多 %d 个报送批次（给出 %d 个）；请分几次发布", MaxPublicationSubmissions, len(names)),
			fmt.Sprintf("a publication holds at most %d submissions (%d given); publish them in several publications",
				MaxPublicationSubmissions, len(names)))
		return nil
	}
	seen := map[uint64]bool{}
	var refs []SubmissionRef
	for i, name := range names {
		field := fmt.Sprintf("publication.submissions[%d]", i)
		dept, id, err := ParseSubmissionName(field, name)
		switch {
		case err != nil:
			v.add(field, fmt.Sprintf("名称 %q 格式不对，应为 departments/{department}/submissions/{submission}", name),
				fmt.Sprintf("malformed submission name %q; expected departments/{department}/submissions/{submission}", name))
		case seen[id]:
			v.add(field, fmt.Sprintf("报送批次 %s 重复", name), fmt.Sprintf("submission %s is listed twice", name))
		default:
			seen[id] = true
			refs = append(refs, SubmissionRef{Department: dept, ID: id})
		}
	}
	return refs
}

// publishing is one publication in progress.
type publishing struct {
	*mut
	s     *Service
	pub   *Publication
	subs  []*Submission
	items map[uint64]*Item // the items being published, by id
	order []*Item
	revs  map[uint64]*Revision
	// changes counts the catalogue changes recorded (changes.go).
	changes uint32
}

func (p *publishing) run() error {
	if err := p.load(); err != nil {
		return err
	}
	if err := p.checkStructure(); err != nil {
		return err
	}
	pubName := PublicationName(p.pub.ID)
	// Main items first, so that sub-items can derive their codes from them.
	for _, pass := range []bool{false, true} {
		for _, it := range p.order {
			if (it.Parent != 0) != pass {
				continue
			}
			if err := p.publishItem(it, pubName); err != nil {
				return err
			}
		}
	}
	for _, sub := range p.subs {
		sub.State, sub.Publication, sub.UpdateTime, sub.Version = SubmissionPublished, p.pub.ID, p.now, p.rev
		if err := p.PutSubmission(sub); err != nil {
			return err
		}
		if err := p.event(SubmissionName(sub.Department, sub.ID), ActionPublished, p.pub.Comment, pubName); err != nil {
			return err
		}
	}
	if err := p.catalogChanged(); err != nil { // catalogversion.go
		return err
	}
	if err := p.PutPublication(p.pub); err != nil {
		return err
	}
	return p.event(pubName, ActionCreated, p.pub.Comment, "")
}

// load reads the submissions, which must all be approved, and their items.
func (p *publishing) load() error {
	var blocked []Subject
	p.revs = map[uint64]*Revision{}
	for _, ref := range p.pub.Submissions {
		sub, err := loadSubmission(p, ref.Department, ref.ID)
		if err != nil {
			return err
		}
		name := SubmissionName(ref.Department, ref.ID)
		if sub.State != SubmissionApproved {
			blocked = append(blocked, Subject{name, bi("处于"+submissionStateZh[sub.State]+"状态", "is "+submissionStateEn[sub.State])})
			continue
		}
		if err := checkFourEyes(p.mut, sub, stepPublish); err != nil { // workflow.go
			return err
		}
		p.subs = append(p.subs, sub)
		for i, id := range sub.Items {
			it, err := loadItem(p, sub.Department, id)
			if err != nil {
				return err
			}
			rev, err := loadRevision(p, it, sub.ItemRevisions[i])
			if err != nil {
				return err
			}
			p.items[id], p.revs[id] = it, rev
			p.order = append(p.order, it)
		}
	}
	if len(blocked) > 0 {
		return wrongState(ReasonSubmissionNotApprov,
			"只能发布已审核的报送批次："+subjectNames(blocked),
			"only approved submissions can be published: "+subjectNames(blocked), blocked...)
	}
	return nil
}

// checkStructure refuses a publication that would leave a sub-item in force
// without its main item.
func (p *publishing) checkStructure() error {
	var blocked []Subject
	for _, it := range p.order {
		rev := p.revs[it.ID]
		if it.Parent != 0 && rev.Change != ChangeAbolish {
			parent := p.items[it.Parent]
			if parent == nil {
				var err error
				if parent, err = p.GetItem(it.Parent); err != nil {
					return err
				}
				if parent == nil || parent.InForce() == nil {
					blocked = append(blocked, Subject{ItemName(it.Department, it.ID),
						bi("其大项未发布，请把大项一并发布", "its main item is not in force; publish it in the same publication")})
				}
			} else if p.revs[parent.ID].Change == ChangeAbolish {
				blocked = append(blocked, Subject{ItemName(it.Department, it.ID),
					bi("其大项在本次发布中被废止", "its main item is abolished in this publication")})
			}
		}
	}
	if len(blocked) > 0 {
		return wrongState(ReasonParentNotInForce,
			"子项的大项不在清单中，不能发布："+subjectNames(blocked),
			"sub-items whose main item would not be in force; cannot publish: "+subjectNames(blocked), blocked...)
	}
	for _, it := range p.order {
		if p.revs[it.ID].Change == ChangeAbolish {
			if err := p.checkSubItemsGo(it, &blocked); err != nil {
				return err
			}
		}
	}
	if len(blocked) > 0 {
		return wrongState(ReasonSubItemsInForce,
			"废止大项须一并废止其子项："+subjectNames(blocked),
			"abolish the sub-items of an abolished main item in the same publication: "+subjectNames(blocked), blocked...)
	}
	return nil
}

// checkSubItemsGo requires that the sub-items in force of an abolished main
// item are abolished in the same publication.
func (p *publishing) checkSubItemsGo(main *Item, blocked *[]Subject) error {
	return p.ScanItems(main.Department, 0, func(it *Item) (bool, error) {
		if it.Parent == main.ID && it.InForce() != nil {
			if x := p.items[it.ID]; x == nil || p.revs[it.ID].Change != ChangeAbolish {
				*blocked = append(*blocked, Subject{ItemName(it.Department, it.ID),
					bi("是被废止大项的子项，须一并废止", "is a sub-item of an abolished main item and must be abolished with it")})
			}
		}
		return true, nil
	})
}

func (p *publishing) publishItem(it *Item, pubName string) error {
	rev := p.revs[it.ID]
	name := ItemName(it.Department, it.ID)
	if it.Code == "" {
		code, err := p.assignCode(it, rev)
		if err != nil {
			return err
		}
		it.Code = code
	}
	old := it.InForce()
	it.Published = append(it.Published, PublishRecord{Revision: rev.Number, Change: rev.Change, Publication: p.pub.ID, Time: p.now})
	if rev.Change == ChangeAbolish {
		it.State = ItemAbolished
		if old != nil {
			gone, err := p.GetCatalogEntry(it.Code)
			if err != nil {
				return err
			}
			if gone != nil {
				if err := p.recordChange(CatalogAbolished, gone); err != nil {
					return err
				}
			}
			if err := p.DeleteCatalogEntry(&CatalogEntry{Code: it.Code, Item: it.ID, Department: it.Department, Content: rev.Content}); err != nil {
				return err
			}
		}
	} else {
		it.State = ItemPublished
		entry := &CatalogEntry{Code: it.Code, Item: it.ID, Department: it.Department, Revision: rev.Number,
			Content: rev.Content, Publication: p.pub.ID, PublishTime: p.now}
		if it.Parent != 0 {
			parent, err := p.parentOf(it)
			if err != nil {
				return err
			}
			entry.ParentCode = parent.Code
		}
		if err := p.PutCatalogEntry(entry); err != nil {
			return err
		}
		kind := CatalogChanged
		if old == nil {
			kind = CatalogPublished
		}
		if err := p.recordChange(kind, entry); err != nil {
			return err
		}
	}
	// A working copy edited since approval cannot exist (approved items are
	// not editable), so the working copy is now the revision in force.
	it.Pending, it.Submission, it.Head = ChangeNone, 0, rev.Number
	it.ReturnedRevision, it.ReviewReply = 0, ""
	it.UpdateTime, it.Version = p.now, p.rev
	if err := p.PutItem(it); err != nil {
		return err
	}
	p.pub.Items = append(p.pub.Items, PublishedItem{Department: it.Department, Item: it.ID, Revision: rev.Number,
		Code: it.Code, Change: rev.Change})
	return p.event(name, ActionPublished, p.pub.Comment, pubName)
}

// assignCode gives an item its code from the scheme, skipping codes that
// are taken (by codes a department gave, for example).
func (p *publishing) assignCode(it *Item, rev *Revision) (string, error) {
	dept, err := loadDepartment(p, it.Department)
	if err != nil {
		return "", err
	}
	info, _ := rev.Content.Category.Info()
	r := coding.Request{Region: dept.RegionCode, Letters: info.Letters, Department: dept.Number}
	if r.Region == "" {
		r.Region = p.s.region
	}
	counter := "code/" + it.Department + "/" + info.Letters
	if it.Parent != 0 {
		parent, err := p.parentOf(it)
		if err != nil {
			return "", err
		}
		r.ParentCode = parent.Code
		counter = "code/item/" + strconv.FormatUint(parent.ID, 10)
	}
	for {
		n, err := p.NextSeq(counter)
		if err != nil {
			return "", err
		}
		r.Sequence, r.SubSeq = n, n
		code := p.s.scheme.Code(r)
		holder, err := p.ItemByCode(code)
		if err != nil {
			return "", err
		}
		if holder == 0 {
			return code, p.PutCode(code, it.ID)
		}
	}
}

// parentOf is a sub-item's main item: the one being published with it (with
// the code it has just been given), else the stored one.
func (p *publishing) parentOf(it *Item) (*Item, error) {
	if parent := p.items[it.Parent]; parent != nil {
		return parent, nil
	}
	parent, err := p.GetItem(it.Parent)
	if err == nil && parent == nil {
		err = missingRecord(fmt.Sprintf("items/%d", it.Parent), fmt.Sprintf("子项 %d 的主项", it.ID),
			fmt.Sprintf("the main item of item %d", it.ID))
	}
	return parent, err
}
