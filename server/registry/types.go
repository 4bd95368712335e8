package registry

import "time"

// The JSON tags below are the shape of the records of data files of
// schemas 4 and 5, which the store reads only to migrate or check them:
// changing one breaks the upgrade of such a file (server/store's
// TestMigrateRecords says so). The records written since schema 6 are the
// store's own (server/store/records.go).

// ItemState is the workflow state of an item's working copy. The numbers
// match powerreg.v1.Item.State.
type ItemState int

// Item states.
const (
	ItemDraft     ItemState = 1
	ItemSubmitted ItemState = 2
	ItemApproved  ItemState = 3
	ItemReturned  ItemState = 4
	ItemPublished ItemState = 5
	ItemAbolished ItemState = 6
)

// SubmissionState is the state of a batch. The numbers match
// powerreg.v1.Submission.State.
type SubmissionState int

// Submission states.
const (
	SubmissionDraft     SubmissionState = 1
	SubmissionSubmitted SubmissionState = 2
	SubmissionApproved  SubmissionState = 3
	SubmissionReturned  SubmissionState = 4
	SubmissionPublished SubmissionState = 5
	SubmissionWithdrawn SubmissionState = 6
)

// ChangeKind is what a working copy does to the catalogue when published.
type ChangeKind int

// Change kinds; ChangeNone means nothing is pending.
const (
	ChangeNone    ChangeKind = 0
	ChangeCreate  ChangeKind = 1
	ChangeModify  ChangeKind = 2
	ChangeAbolish ChangeKind = 3
)

// Action is a recorded workflow step. The numbers match
// powerreg.v1.Event.Action.
type Action int

// Actions.
const (
	ActionCreated            Action = 1
	ActionUpdated            Action = 2
	ActionDeleted            Action = 3
	ActionAbolitionRequested Action = 4
	ActionSubmitted          Action = 5
	ActionApproved           Action = 6
	ActionReturned           Action = 7
	ActionPublished          Action = 8
	ActionWithdrawn          Action = 9
)

// Levels of legal bases (LegalBasis.Level), as in powerreg.v1.LegalBasis.Level.
const (
	LevelLaw                      = 1 // 法律
	LevelAdministrativeRegulation = 2 // 行政法规
	LevelLocalRegulation          = 3 // 地方性法规
	LevelRule                     = 4 // 规章
	LevelNormativeDocument        = 5 // 规范性文件
)

// Units of time limits (TimeLimit.Unit), as in powerreg.v1.TimeLimit.Unit.
const (
	UnitDay        = 1 // 天
	UnitWorkingDay = 2 // 工作日
	UnitMonth      = 3 // 月
)

// Sources of powers (Content.Source), as in powerreg.v1.PowerSource.
const (
	SourceStatutory  = 1 // 法定
	SourceAuthorized = 2 // 授权
	SourceEntrusted  = 3 // 受委托
)

// LegalBasis is one provision granting a power; Text keeps the source's raw
// wording. Level numbers match powerreg.v1.LegalBasis.Level.
type LegalBasis struct {
	Level   int    `json:"level,omitempty"`
	Title   string `json:"title,omitempty"`
	Article string `json:"article,omitempty"`
	Text    string `json:"text"`
}

// TimeLimit is a number of units; Unit numbers match
// powerreg.v1.TimeLimit.Unit.
type TimeLimit struct {
	Value int `json:"value,omitempty"`
	Unit  int `json:"unit,omitempty"`
}

// Fee says whether and on what basis a fee is charged. Charged is
// Unknown when nobody said (the list shows 是否收费 empty, never 否).
type Fee struct {
	Charged  YesNo  `json:"charged,omitempty"`
	Basis    string `json:"basis,omitempty"`
	Standard string `json:"standard,omitempty"`
}

// Content is what a department writes about a power: everything a revision
// freezes. Source numbers match powerreg.v1.PowerSource.
type Content struct {
	DisplayName       string       `json:"displayName"`
	Category          Category     `json:"category"`
	CategoryLabel     string       `json:"categoryLabel,omitempty"`
	LegalBases        []LegalBasis `json:"legalBases,omitempty"`
	Source            int          `json:"source,omitempty"`
	EntrustingBody    string       `json:"entrustingBody,omitempty"`
	HandlingUnit      string       `json:"handlingUnit,omitempty"`
	Levels            []string     `json:"levels,omitempty"`
	Responsibilities  []string     `json:"responsibilities,omitempty"`
	Accountability    []string     `json:"accountability,omitempty"`
	LegalTimeLimit    TimeLimit    `json:"legalTimeLimit,omitzero"`
	PromisedTimeLimit TimeLimit    `json:"promisedTimeLimit,omitzero"`
	Fee               Fee          `json:"fee,omitzero"`
	ReviewAndForward  YesNo        `json:"reviewAndForward,omitempty"`
	Remark            string       `json:"remark,omitempty"`
}

// Department holds powers. ID is the last segment of its name.
type Department struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	RegionCode  string    `json:"regionCode,omitempty"`
	Number      int       `json:"number"`
	CreateTime  time.Time `json:"createTime"`
	UpdateTime  time.Time `json:"updateTime"`
	Version     int64     `json:"version"`
}

// PublishRecord says that a publication put a revision of an item in force.
type PublishRecord struct {
	Revision    int        `json:"revision"`
	Change      ChangeKind `json:"change"`
	Publication uint64     `json:"publication"`
	Time        time.Time  `json:"time"`
}

// Item is a power's bookkeeping: its working revision (Head), what is in
// force (the last of Published, unless abolished), and where it stands in
// the workflow. Its content lives in its revisions.
type Item struct {
	ID            uint64          `json:"id"`
	Department    string          `json:"department"`
	Code          string          `json:"code,omitempty"`
	Parent        uint64          `json:"parent,omitempty"`
	State         ItemState       `json:"state"`
	Pending       ChangeKind      `json:"pending,omitempty"`
	Head          int             `json:"head"`
	Published     []PublishRecord `json:"published,omitempty"`
	Submission    uint64          `json:"submission,omitempty"`
	ReviewComment string          `json:"reviewComment,omitempty"`
	// ReturnedRevision is the revision a reviewer returned, while that
	// return stands (until the item is approved, published or its draft
	// discarded): a returned item whose Head is still this revision was
	// not edited since, and goes back to review only with a reply
	// (workflow.go). 0 for items never returned, and for those returned
	// before it was recorded (they count as edited).
	ReturnedRevision int `json:"returnedRevision,omitempty"`
	// ReviewReply is the department's answer to ReviewComment, given with
	// the batch the item is in (Submission.Replies); it goes when that
	// batch is deleted or withdrawn, or a reviewer decides on the item.
	ReviewReply string    `json:"reviewReply,omitempty"`
	CreateTime  time.Time `json:"createTime"`
	UpdateTime  time.Time `json:"updateTime"`
	Version     int64     `json:"version"`
}

// InForce returns the record of the revision in force, or nil.
func (it *Item) InForce() *PublishRecord {
	if it.State == ItemAbolished || len(it.Published) == 0 {
		return nil
	}
	return &it.Published[len(it.Published)-1]
}

// Revision is an immutable snapshot of an item's content. Number counts
// from 1 per item.
type Revision struct {
	Item       uint64     `json:"item"`
	Number     int        `json:"number"`
	Change     ChangeKind `json:"change"`
	Content    Content    `json:"content"`
	Actor      string     `json:"actor"`
	Holder     string     `json:"holder,omitempty"` // the person behind Actor; Actor when empty (written before holders)
	Comment    string     `json:"comment,omitempty"`
	CreateTime time.Time  `json:"createTime"`
}

// ItemComment is a reviewer's comment on one item.
type ItemComment struct {
	Item    uint64 `json:"item"`
	Comment string `json:"comment"`
}

// Submission is a department's batch of items.
type Submission struct {
	ID            uint64          `json:"id"`
	Department    string          `json:"department"`
	State         SubmissionState `json:"state"`
	Items         []uint64        `json:"items"`
	ItemRevisions []int           `json:"itemRevisions,omitempty"`
	Comment       string          `json:"comment,omitempty"`
	ReviewComment string          `json:"reviewComment,omitempty"`
	ItemComments  []ItemComment   `json:"itemComments,omitempty"`
	Returned      []uint64        `json:"returned,omitempty"`
	// ReturnedRevisions are the revisions of Returned that an approval
	// returned (those items leave Items and ItemRevisions); a rejected
	// batch keeps its items and revisions.
	ReturnedRevisions []int `json:"returnedRevisions,omitempty"`
	// Replies are the department's answers to the comments its returned
	// items carried when they joined the batch (ReturnComments).
	Replies        []ItemComment `json:"replies,omitempty"`
	ReturnComments []ItemComment `json:"returnComments,omitempty"`
	Publication    uint64        `json:"publication,omitempty"`
	Submitter      string        `json:"submitter,omitempty"`
	// SubmitterHolder is the person behind Submitter; Submitter when
	// empty (submitted before holders).
	SubmitterHolder string    `json:"submitterHolder,omitempty"`
	Reviewer        string    `json:"reviewer,omitempty"`
	CreateTime      time.Time `json:"createTime"`
	UpdateTime      time.Time `json:"updateTime"`
	Version         int64     `json:"version"`
}

// SubmissionRef names a submission of a department.
type SubmissionRef struct {
	Department string `json:"department"`
	ID         uint64 `json:"id"`
}

// PublishedItem is one revision a publication put in force.
type PublishedItem struct {
	Department string     `json:"department"`
	Item       uint64     `json:"item"`
	Revision   int        `json:"revision"`
	Code       string     `json:"code"`
	Change     ChangeKind `json:"change"`
}

// Publication is a central publication of approved submissions.
type Publication struct {
	ID          uint64          `json:"id"`
	Submissions []SubmissionRef `json:"submissions"`
	Comment     string          `json:"comment,omitempty"`
	Items       []PublishedItem `json:"items"`
	Publisher   string          `json:"publisher"`
	PublishTime time.Time       `json:"publishTime"`
}

// Event is one recorded workflow step. Resource and Related are resource
// names; Revision is the registry-wide revision of the change.
type Event struct {
	Resource string    `json:"resource"`
	Action   Action    `json:"action"`
	Actor    string    `json:"actor"`
	Comment  string    `json:"comment,omitempty"`
	Time     time.Time `json:"time"`
	Revision int64     `json:"revision"`
	Related  string    `json:"related,omitempty"`
}

// CatalogEntry is an item in force as the public catalogue serves it,
// keyed by its code.
type CatalogEntry struct {
	Code        string    `json:"code"`
	Item        uint64    `json:"item"`
	Department  string    `json:"department"`
	ParentCode  string    `json:"parentCode,omitempty"`
	Revision    int       `json:"revision"`
	Content     Content   `json:"content"`
	Publication uint64    `json:"publication"`
	PublishTime time.Time `json:"publishTime"`
}

// SubItem reports whether the entry is a sub-item (子项).
func (e *CatalogEntry) SubItem() bool { return e.ParentCode != "" }

// Roles a principal may hold.
const (
	RoleEditor    = "editor"    // a department's items and submissions
	RoleReviewer  = "reviewer"  // approves or returns submissions of every department
	RolePublisher = "publisher" // publishes approved submissions
	RoleAdmin     = "admin"     // departments, tokens, audit
)

// Roles lists the roles in a fixed order.
var Roles = []string{RoleEditor, RoleReviewer, RolePublisher, RoleAdmin}

// Token is a bearer credential. Only the hash of its secret is stored; the
// secret is shown once, when the token is created. Holder is the person it
// is issued to; CreatorHolder the person who created it (the holder behind
// Creator). Tokens made before holders have neither: HolderName and
// IssuerName fall back to Name and Creator.
type Token struct {
	Name          string    `json:"name"`
	Hash          string    `json:"hash"`
	Roles         []string  `json:"roles"`
	Departments   []string  `json:"departments,omitempty"`
	Holder        string    `json:"holder,omitempty"`
	Creator       string    `json:"creator"`
	CreatorHolder string    `json:"creatorHolder,omitempty"`
	CreateTime    time.Time `json:"createTime"`
	ExpireTime    time.Time `json:"expireTime,omitzero"`
	RevokeTime    time.Time `json:"revokeTime,omitzero"`
}

// HolderName is the person the token is issued to.
func (t *Token) HolderName() string {
	if t.Holder != "" {
		return t.Holder
	}
	return t.Name
}

// IssuerName is the person who created the token.
func (t *Token) IssuerName() string {
	if t.CreatorHolder != "" {
		return t.CreatorHolder
	}
	return t.Creator
}

// Valid reports whether the token can be used at time now.
func (t *Token) Valid(now time.Time) bool {
	return t.RevokeTime.IsZero() && (t.ExpireTime.IsZero() || now.Before(t.ExpireTime))
}
