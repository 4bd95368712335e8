package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/powerreg/powerreg/internal/vocab"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// The actors of seeding: four eyes means three people. Bare names, without
// tokens: each name is its own person (holder).
const (
	clerk     = "bench-clerk"
	reviewer  = "bench-reviewer"
	publisher = "bench-publisher"
)

type seedOptions struct {
	DataDir     string
	Items       int
	Departments int
	Batch       int
	Seed        int64
	Progress    io.Writer // nil: quiet
}

// genRow is a generated row and the index of its department.
type genRow struct {
	dept int
	row  registry.ImportRow
}

// generator makes the rows of the catalogue, deterministically from a seed.
type generator struct {
	r     *rand.Rand
	depts []registry.Department
	n     int // rows made so far
	// seen counts the names given in each department under each main
	// item: a name drawn again gets a number, since an import refuses two
	// items of one department with the same name and main item.
	seen map[string]int
}

// unique returns name, numbered (“name（2）”) when department d already
// has an item of that name under main.
func (g *generator) unique(d int, main, name string) string {
	k := fmt.Sprint(d, "\x00", main, "\x00", name)
	g.seen[k]++
	if n := g.seen[k]; n > 1 {
		return fmt.Sprintf("%s（%d）", name, n)
	}
	return name
}

func newGenerator(seed int64, depts []registry.Department) *generator {
	return &generator{r: rand.New(rand.NewPCG(uint64(seed), 0x706f776572)), depts: depts, seen: map[string]int{}}
}

// batch makes the next rows, at most max: a main item and, for some
// penalties, sub-items (分项) right after it.
func (g *generator) batch(max int) []genRow {
	var rows []genRow
	for len(rows) < max {
		c := vocab.PickCategory(g.r)
		if g.n < 10 { // every category at least once, however small N
			c = registry.Category(g.n + 1)
		}
		d := g.r.IntN(len(g.depts))
		name := g.unique(d, "", vocab.ItemName(g.r, c))
		rows = append(rows, genRow{d, registry.ImportRow{DepartmentName: g.depts[d].DisplayName,
			Item: registry.ItemInput{Content: vocab.Content(g.r, c, name)}}})
		g.n++
		if c == registry.CategoryPenalty && g.r.IntN(10) == 0 {
			for k := 0; k < 2 && len(rows) < max; k++ {
				sub := g.unique(d, name, name+vocab.SubItemCases[g.r.IntN(len(vocab.SubItemCases))])
				rows = append(rows, genRow{d, registry.ImportRow{DepartmentName: g.depts[d].DisplayName, MainItem: name,
					Item: registry.ItemInput{Content: vocab.Content(g.r, c, sub)}}})
				g.n++
			}
		}
	}
	return rows
}

// seed creates the departments and imports, submits, approves and
// publishes o.Items items in batches of o.Batch.
func seed(o seedOptions) error {
	if o.Items <= 0 || o.Departments <= 0 || o.Batch <= 0 {
		return fmt.Errorf("seed: --items, --departments and --batch must be positive")
	}
	if o.Batch > registry.MaxImportRows {
		o.Batch = registry.MaxImportRows
	}
	progress := func(format string, a ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format, a...)
		}
	}
	db, err := store.Open(o.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430000"})
	start := time.Now()

	depts := make([]registry.Department, o.Departments)
	for i := range depts {
		depts[i] = vocab.Department(i)
		old, err := svc.GetDepartment(depts[i].ID)
		if err == nil && old != nil {
			continue
		}
		if _, err := svc.CreateDepartment("bench-admin", depts[i], ""); err != nil {
			return fmt.Errorf("create department %s: %w", depts[i].ID, err)
		}
	}
	progress("%d departments ready (%s)\n", len(depts), time.Since(start).Round(time.Millisecond))

	g := newGenerator(o.Seed, depts)
	for done, b := 0, 1; done < o.Items; b++ {
		rows := g.batch(min(o.Batch, o.Items-done))
		subs, err := stage(svc, depts, rows, b)
		if err != nil {
			return err
		}
		// A publication holds at most registry.MaxPublicationSubmissions.
		for list := range slices.Chunk(subs, registry.MaxPublicationSubmissions) {
			if _, err := svc.CreatePublication(publisher, list, fmt.Sprintf("第%d批集中发布", b), ""); err != nil {
				return fmt.Errorf("batch %d: publish: %w", b, err)
			}
		}
		done += len(rows)
		el := time.Since(start)
		progress("batch %d: %d/%d items published (%s, %.0f items/s)\n", b, done, o.Items,
			el.Round(time.Millisecond), float64(done)/el.Seconds())
	}
	return nil
}

// stage imports rows as batch b, then submits and approves them
// department by department: it returns the approved submissions' names,
// ready to publish.
func stage(svc *registry.Service, depts []registry.Department, rows []genRow, b int) ([]string, error) {
	in := registry.ImportInput{Rows: make([]registry.ImportRow, len(rows))}
	for i := range rows {
		in.Rows[i] = rows[i].row
	}
	res, err := svc.ImportItems(clerk, in)
	if err != nil {
		return nil, fmt.Errorf("batch %d: import: %w", b, err)
	}
	byDept := map[int][]string{}
	for i, name := range res.Items {
		byDept[rows[i].dept] = append(byDept[rows[i].dept], name)
	}
	var subs []string
	for d := range depts { // in department order: deterministic
		id := depts[d].ID
		// A submission holds at most registry.MaxSubmissionItems items.
		for names := range slices.Chunk(byDept[d], registry.MaxSubmissionItems) {
			sub, err := svc.CreateSubmission(clerk, id, names, fmt.Sprintf("第%d批", b), "")
			if err == nil {
				sub, err = svc.SubmitSubmission(clerk, id, sub.ID, "请审核", "")
			}
			if err == nil {
				sub, err = svc.ApproveSubmission(reviewer, id, sub.ID, registry.ReviewInput{Comment: "同意"}, "")
			}
			if err != nil {
				return nil, fmt.Errorf("batch %d: department %s: %w", b, id, err)
			}
			subs = append(subs, registry.SubmissionName(id, sub.ID))
		}
	}
	return subs, nil
}
