package registry

import "time"

// ItemStateNames names the item states in lower case, for metrics and logs.
var ItemStateNames = map[ItemState]string{
	ItemDraft: "draft", ItemSubmitted: "submitted", ItemApproved: "approved",
	ItemReturned: "returned", ItemPublished: "published", ItemAbolished: "abolished",
}

// Workload is where the registry's work stands: how many items are in each
// state, and the submissions waiting for a reviewer.
type Workload struct {
	Items map[ItemState]int
	// Waiting counts the submissions in SubmissionSubmitted; OldestWaiting
	// is when the longest-waiting of them was submitted (zero when none).
	Waiting       int
	OldestWaiting time.Time
}

// Workload counts the items per state (kept by the store) and the
// submissions waiting for review, in one read transaction. It reads every
// submission: callers that ask often should keep the answer until the
// store changes.
func (s *Service) Workload() (*Workload, error) {
	w := &Workload{}
	err := s.store.View(func(tx Tx) error {
		var err error
		if w.Items, err = tx.ItemStates(); err != nil {
			return err
		}
		return tx.ScanSubmissions("", 0, func(sub *Submission) (bool, error) {
			// A submission's last update is its submission until a reviewer acts.
			if sub.State == SubmissionSubmitted {
				w.Waiting++
				if w.OldestWaiting.IsZero() || sub.UpdateTime.Before(w.OldestWaiting) {
					w.OldestWaiting = sub.UpdateTime
				}
			}
			return true, nil
		})
	})
	return w, err
}
