package registry_test

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/powerreg/powerreg/internal/controls"
	"github.com/powerreg/powerreg/server/registry"
)

// fieldPath is the shape of a violation's field: a proto field path such as
// item.legal_bases[0].text.
var fieldPath = regexp.MustCompile(`^[a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*$`)

// violated returns the fields of an INVALID_ARGUMENT error, failing the
// test for any other error, a violation of an odd field, or a description
// that is not bilingual.
func violated(t *testing.T, err error, prefix string) map[string]bool {
	t.Helper()
	var re *registry.Error
	if !errors.As(err, &re) || re.Class != registry.ClassInvalidArgument || len(re.Violations) == 0 ||
		re.Reason != registry.ReasonInvalidFields {
		t.Fatalf("error %v (%T): want INVALID_ARGUMENT with field violations", err, err)
	}
	fields := map[string]bool{}
	for _, v := range re.Violations {
		if !strings.HasPrefix(v.Field, prefix) || !fieldPath.MatchString(v.Field) || !strings.Contains(v.Description, " / ") {
			t.Fatalf("violation %q: %q; want a field under %q and a bilingual description", v.Field, v.Description, prefix)
		}
		fields[v.Field] = true
	}
	return fields
}

// hasControls reports whether s holds a character of internal/controls
// other than those in allowed.
func hasControls(s, allowed string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return controls.Of(r) != controls.None && !strings.ContainsRune(allowed, r) })
}

// FuzzItemContent: whatever content a department sends, CreateItem either
// refuses it with INVALID_ARGUMENT naming the bad fields (at least those
// plainly wrong), or stores it: what is read back is what was sent (with
// the category's label filled in), and it passes validation again.
func FuzzItemContent(f *testing.F) {
	e := newEnv(f)
	e.dept("gtzyj", "市国土资源局")
	f.Add("对非法占用土地的处罚", 3, "", "《中华人民共和国土地管理法》第七十六条\n《土地管理法实施条例》第四十二条", 1, 1, "", "市级、县级", 20, 2, "", "")
	f.Add("建设用地审批", 1, "许可", "《土地管理法》", 2, 3, "省国土资源厅", "市级", 3, 3, "含\"引号\"与\n换行", "430400-XK-001-0001-00")
	f.Add("", 0, "", "", 0, 0, "", "", 0, 0, "", "")
	f.Add("甲", 11, strings.Repeat("长", 51), "\n\n", 9, 4, "", "、、", -1, 1, "\xff", "-x")
	f.Add("乙", 3, "", "x", 1, 3, "", "", 5, 0, "", "511Z07001006-511602000000-000-115113010-1-00")
	f.Add("处罚\x1b[31m", 3, "\u202e", "甲\r\n乙", 1, 3, "省\n厅", "市级", 5, 1, "一\r\n二\t", "")
	f.Add(strings.Repeat("名", 501), -1, "", "", 0, -1, "", "", 0, 4, "", "a b")
	f.Fuzz(func(t *testing.T, name string, category int, label, bases string, level, source int,
		entrusting, levels string, value, unit int, remark, code string) {
		c := registry.Content{DisplayName: name, Category: registry.Category(category), CategoryLabel: label,
			Source: source, EntrustingBody: entrusting, LegalTimeLimit: registry.TimeLimit{Value: value, Unit: unit},
			PromisedTimeLimit: registry.TimeLimit{Value: value / 2, Unit: unit}, Remark: remark}
		for _, b := range strings.Split(bases, "\n") {
			if bases != "" {
				c.LegalBases = append(c.LegalBases, registry.LegalBasis{Level: level, Text: b})
			}
		}
		if levels != "" {
			c.Levels = strings.Split(levels, "、")
		}
		v, err := e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: c, Code: code}, "")
		if err != nil {
			if errors.Is(err, registry.ErrAlreadyExists) && code != "" {
				return // a code taken by an earlier input
			}
			fields := violated(t, err, "item.")
			for field, bad := range map[string]bool{
				"item.display_name":             name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > 500 || hasControls(name, ""),
				"item.category":                 category < 1 || category > 10,
				"item.category_label":           !utf8.ValidString(label) || utf8.RuneCountInString(label) > 50 || hasControls(label, ""),
				"item.remark":                   !utf8.ValidString(remark) || hasControls(remark, "\n"),
				"item.legal_time_limit.value":   value < 0,
				"item.legal_time_limit.unit":    unit < 0 || unit > 3 || value > 0 && unit == 0,
				"item.promised_time_limit.unit": unit < 0 || unit > 3 || value/2 > 0 && unit == 0,
				"item.source":                   source < 0 || source > 3,
				"item.entrusting_body":          source == 3 && entrusting == "" || hasControls(entrusting, ""),
			} {
				if bad && !fields[field] {
					t.Fatalf("content %+v: refused for %v but not for %s", c, fields, field)
				}
			}
			return
		}
		want := c
		if want.CategoryLabel == "" {
			want.CategoryLabel = want.Category.Label()
		}
		got, err := e.svc.GetItem(v.Item.Department, v.Item.ID)
		if err != nil {
			t.Fatalf("GetItem: %v", err)
		}
		if !reflect.DeepEqual(v.Content, want) || !reflect.DeepEqual(got.Content, want) || got.Item.Code != code {
			t.Fatalf("stored %+v, read back %+v (code %q), want %+v (code %q)", v.Content, got.Content, got.Item.Code, want, code)
		}
		again, err := e.svc.CreateItem(clerk, "gtzyj", registry.ItemInput{Content: got.Content}, "")
		if err != nil || !reflect.DeepEqual(again.Content, want) {
			t.Fatalf("stored content %+v: created again %v, %v", got.Content, again, err)
		}
	})
}

// FuzzCategoryByLabel: a label maps to a category only if it is, but for
// spaces around it, that category's label or one of its aliases; every
// label and alias maps to its own category.
func FuzzCategoryByLabel(f *testing.F) {
	for _, info := range registry.Categories {
		f.Add(info.Label)
		f.Add(" " + info.Aliases[0] + "\t")
		f.Add(info.Letters)
	}
	f.Add("行政检查 ")
	f.Add("")
	f.Add("　行政处罚")
	f.Fuzz(func(t *testing.T, label string) {
		c, ok := registry.CategoryByLabel(label)
		if !ok {
			if c != 0 {
				t.Fatalf("CategoryByLabel(%q) = %d, not ok", label, c)
			}
			return
		}
		info, valid := c.Info()
		s := strings.TrimSpace(label)
		if !valid || info.Label != s && !slices.Contains(info.Aliases, s) {
			t.Fatalf("CategoryByLabel(%q) = %d (%+v)", label, c, info)
		}
		if got, ok := registry.CategoryByLabel(c.Label()); !ok || got != c {
			t.Fatalf("the label %q of %d maps to %d, %v", c.Label(), c, got, ok)
		}
	})
}

// FuzzCreateDepartment: a department is created with the id, name and
// region sent, named so that its name parses back to its id, or refused
// with INVALID_ARGUMENT on the bad fields (or ALREADY_EXISTS).
func FuzzCreateDepartment(f *testing.F) {
	e := newEnv(f)
	for _, s := range [][3]string{{"gtzyj", "市国土资源局", ""}, {"hbj", "市环境保护局", "511602"}, {"GTZYJ", "", "5116"},
		{"a-", "x", "51160２"}, {"-", "所有", ""}, {"x/y", "\xff", "abcdef"}, {"z" + strings.Repeat("9", 62), "长", "000000"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, id, name, region string) {
		d, err := e.svc.CreateDepartment("admin", registry.Department{ID: id, DisplayName: name, RegionCode: region}, "")
		if errors.Is(err, registry.ErrAlreadyExists) {
			return
		}
		if err != nil {
			fields := violated(t, err, "department")
			if name == "" && !fields["department.display_name"] {
				t.Fatalf("empty name: refused for %v", fields)
			}
			return
		}
		region, _ = registry.NormalizeRegion(region) // kept normalised; "" stays ""
		got, err := registry.ParseDepartmentName("name", registry.DepartmentName(d.ID), false)
		if err != nil || got != id || d.DisplayName != name || d.RegionCode != region {
			t.Fatalf("created %+v from %q, %q, %q; its name parses to %q, %v", d, id, name, region, got, err)
		}
		if _, err := e.svc.GetDepartment(id); err != nil {
			t.Fatalf("GetDepartment(%q): %v", id, err)
		}
	})
}

// FuzzNormalizeRegion: a region code is accepted only as 6, 9 or 12
// digits and comes out as 6, 9 or 12 digits that begin the input (its
// trailing groups of 000 dropped), normalised again unchanged.
func FuzzNormalizeRegion(f *testing.F) {
	for _, s := range []string{"511602", "511602000000", "511602001000", "511602001002", "5116", " 430400", "51160２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, ok := registry.NormalizeRegion(in)
		if !ok {
			if got != "" {
				t.Fatalf("refused %q but returned %q", in, got)
			}
			return
		}
		trimmed := strings.TrimSpace(in)
		if n := len(got); n != 6 && n != 9 && n != 12 || !strings.HasPrefix(trimmed, got) ||
			strings.Trim(trimmed[len(got):], "0") != "" || len(trimmed)%3 != 0 {
			t.Fatalf("NormalizeRegion(%q) = %q", in, got)
		}
		if again, ok := registry.NormalizeRegion(got); !ok || again != got {
			t.Fatalf("NormalizeRegion(%q) = %q, again %q", in, got, again)
		}
	})
}

// FuzzCreateToken: a token is created only with a well-formed name, known
// roles and well-formed departments that exist; otherwise the refusal
// names the bad fields.
func FuzzCreateToken(f *testing.F) {
	e := newEnv(f)
	e.dept("gtzyj", "市国土资源局")
	for _, s := range [][3]string{{"gtj-clerk", "editor", "gtzyj"}, {"reviewer-li", "reviewer", ""}, {"admin@city", "admin,publisher", ""},
		{"Bad", "root", "GTZYJ"}, {"x", "editor", "-"}, {"y", "editor", "hbj"}, {"", "", ""}, {"李", "editor,editor", "gtzyj,-"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, name, roles, depts string) {
		in := registry.TokenInput{Name: name}
		if roles != "" {
			in.Roles = strings.Split(roles, ",")
		}
		if depts != "" {
			in.Departments = strings.Split(depts, ",")
		}
		tok, secret, err := e.svc.CreateToken("admin", in)
		if err != nil {
			if errors.Is(err, registry.ErrAlreadyExists) || errors.Is(err, registry.ErrNotFound) {
				return // an earlier input's name, or a department that does not exist
			}
			violated(t, err, "t")
			return
		}
		if tok.Name != name || !strings.HasPrefix(secret, "prt_") {
			t.Fatalf("created %+v, secret %q, from %+v", tok, secret, in)
		}
		for _, r := range in.Roles {
			if !slices.Contains(registry.Roles, r) {
				t.Fatalf("created %+v with unknown role %q", tok, r)
			}
		}
		got, err := e.svc.Authenticate(secret)
		if err != nil || got == nil || got.Name != name {
			t.Fatalf("Authenticate(secret of %s) = %+v, %v", name, got, err)
		}
	})
}
