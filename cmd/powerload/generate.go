package main

import (
	"fmt"
	"math/rand/v2"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/vocab"
	"github.com/powerreg/powerreg/server/registry"
)

// row is a generated item; mainItem is the display name of its main item
// (大项), empty for a main item. The main item always comes first in a
// round, so that a round can be created or imported in order.
type row struct {
	item     *pb.Item
	mainItem string
}

// generator makes one department's items: realistic names from the shared
// vocabulary, unique within the department (the check finds items by
// department and name), deterministic from the seed.
type generator struct {
	r    *rand.Rand
	used map[string]bool
}

func newGenerator(seed int64, department int) *generator {
	return &generator{r: rand.New(rand.NewPCG(uint64(seed), uint64(department)+1)), used: map[string]bool{}}
}

// round makes exactly n rows: main items, and after some penalties one or
// two of their sub-items (分项).
func (g *generator) round(n int) []row {
	var rows []row
	for len(rows) < n {
		c := vocab.PickCategory(g.r)
		name := g.unique(vocab.ItemName(g.r, c))
		rows = append(rows, row{item: toProto(vocab.Content(g.r, c, name))})
		if c != registry.CategoryPenalty || g.r.IntN(4) != 0 {
			continue
		}
		for k := range min(1+g.r.IntN(2), n-len(rows)) {
			sub := g.unique(name + vocab.SubItemCases[k])
			rows = append(rows, row{item: toProto(vocab.Content(g.r, c, sub)), mainItem: name})
		}
	}
	return rows
}

// unique returns name, or name with a number when the department has an
// item of that name already.
func (g *generator) unique(name string) string {
	for n := 2; g.used[name]; n++ {
		if !g.used[fmt.Sprintf("%s（%d）", name, n)] {
			name = fmt.Sprintf("%s（%d）", name, n)
		}
	}
	g.used[name] = true
	return name
}

// toProto is the Item message of generated content: the fields the
// vocabulary sets.
func toProto(c registry.Content) *pb.Item {
	it := &pb.Item{DisplayName: c.DisplayName, Category: pb.Category(c.Category), Source: pb.PowerSource(c.Source),
		HandlingUnit: c.HandlingUnit, Levels: c.Levels, Responsibilities: c.Responsibilities}
	for _, b := range c.LegalBases {
		it.LegalBases = append(it.LegalBases, &pb.LegalBasis{Level: pb.LegalBasis_Level(b.Level), Title: b.Title,
			Article: b.Article, Text: b.Text})
	}
	if t := c.LegalTimeLimit; t.Value > 0 {
		it.LegalTimeLimit = &pb.TimeLimit{Value: int32(t.Value), Unit: pb.TimeLimit_Unit(t.Unit)}
	}
	if t := c.PromisedTimeLimit; t.Value > 0 {
		it.PromisedTimeLimit = &pb.TimeLimit{Value: int32(t.Value), Unit: pb.TimeLimit_Unit(t.Unit)}
	}
	return it
}
