package main

import (
	"strings"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// categoryMap is the mapping table from the server's ListCategories: every
// Chinese label and alias, and the enum names (CATEGORY_PENALTY, also
// without the prefix).
func categoryMap(infos []*pb.CategoryInfo) map[string]pb.Category {
	m := map[string]pb.Category{}
	for _, c := range infos {
		m[c.GetLabel()] = c.GetCategory()
		for _, a := range c.GetAliases() {
			m[a] = c.GetCategory()
		}
		name := c.GetCategory().String()
		m[name] = c.GetCategory()
		m[strings.TrimPrefix(name, "CATEGORY_")] = c.GetCategory()
	}
	return m
}

// parseCategory reads --category: a Chinese label or alias, an enum name
// (with or without CATEGORY_, any case), an English label or the code
// letters.
func parseCategory(infos []*pb.CategoryInfo, s string) (pb.Category, bool) {
	s = strings.TrimSpace(s)
	m := categoryMap(infos)
	if c, ok := m[s]; ok {
		return c, true
	}
	if c, ok := m[strings.ToUpper(s)]; ok {
		return c, true
	}
	for _, c := range infos {
		if strings.EqualFold(c.GetEnglishLabel(), s) || strings.EqualFold(c.GetLetters(), s) ||
			strings.EqualFold(strings.ReplaceAll(c.GetEnglishLabel(), " ", "_"), s) {
			return c.GetCategory(), true
		}
	}
	return 0, false
}

// categoryChoices lists the categories for an error message.
func categoryChoices(infos []*pb.CategoryInfo) string {
	var parts []string
	for _, c := range infos {
		parts = append(parts, c.GetLabel()+" ("+strings.TrimPrefix(c.GetCategory().String(), "CATEGORY_")+")")
	}
	return strings.Join(parts, ", ")
}
