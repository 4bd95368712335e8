package registry

import "fmt"

// The public catalogue: only revisions in force, as CatalogEntry records
// written at publication. Drafts and pending changes never reach it.

// CatalogView is a catalogue entry with its department's display name.
type CatalogView struct {
	Entry          CatalogEntry
	DepartmentName string
}

// deptNames resolves department display names, once per department per
// read.
type deptNames struct {
	tx    Tx
	names map[string]string
}

func (d *deptNames) get(id string) (string, error) {
	if n, ok := d.names[id]; ok {
		return n, nil
	}
	dep, err := loadDepartment(d.tx, id)
	if err != nil {
		return "", err
	}
	d.names[id] = dep.DisplayName
	return dep.DisplayName, nil
}

// ListCatalog lists items in force in code order; cat 0 and dept "" mean
// all.
func (s *Service) ListCatalog(cat Category, dept string, size int, token string) ([]*CatalogView, string, error) {
	return s.ListCatalogQuery(cat, dept, ListQuery{}, size, token)
}

// catalogArgs checks the arguments shared by the catalogue's list methods
// and compiles the filter and order.
func (s *Service) catalogArgs(cat Category, dept string, lq ListQuery, size int) (int, *query, error) {
	var v violations
	if cat != 0 && !cat.Valid() {
		v.add("category", "未知的职权类型", "unknown category")
	}
	if dept != "" && !departmentIDPattern.MatchString(dept) {
		v.add("department", "部门应写作 departments/{department}", "give the department as departments/{department}")
	}
	if err := v.err(); err != nil {
		return 0, nil, err
	}
	size, err := s.CatalogPageSize(size)
	if err != nil {
		return 0, nil, err
	}
	q, err := compile(lq, catalogFields, catalogOrder, "code")
	return size, q, err
}

// ListCatalogQuery is ListCatalog with an AIP-160 filter and an AIP-132
// order (fields: see catalogFields and catalogOrder in query.go). The
// filter applies to the scan of the category or department index; a code
// prefix in it bounds the scan.
func (s *Service) ListCatalogQuery(cat Category, dept string, lq ListQuery, size int, token string) ([]*CatalogView, string, error) {
	size, q, err := s.catalogArgs(cat, dept, lq, size)
	if err != nil {
		return nil, "", err
	}
	filter := fmt.Sprintf("catalog/%d/%s", cat, dept) + q.token
	after, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}
	var out []*CatalogView
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		if q.order != nil {
			var err error
			out, next, err = listCatalogSorted(tx, cat, dept, q, size, b, after, filter)
			return err
		}
		names := &deptNames{tx: tx, names: map[string]string{}}
		start, prefix := q.codeBounds(after)
		return tx.ScanCatalog(cat, dept, start, func(e *CatalogEntry) (bool, error) {
			if pastPrefix(e.Code, prefix) {
				return false, nil
			}
			if q.filters() && !q.match(catalogRecord(e)) {
				return true, nil
			}
			if len(out) == size {
				next = encodeToken(filter, out[len(out)-1].Entry.Code)
				return false, nil
			}
			n, err := names.get(e.Department)
			if err != nil {
				return false, err
			}
			v := &CatalogView{Entry: *e, DepartmentName: n}
			if b.full(len(out), v) {
				next = encodeToken(filter, out[len(out)-1].Entry.Code)
				return false, nil
			}
			out = append(out, v)
			return true, nil
		})
	})
	return out, next, err
}

// GetCatalogItem returns the item in force with a code.
func (s *Service) GetCatalogItem(code string) (*CatalogView, error) {
	var v violations
	checkText(&v, "code", code, 100, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *CatalogView
	err := s.store.View(func(tx Tx) error {
		e, err := tx.GetCatalogEntry(code)
		if err != nil {
			return err
		}
		if e == nil {
			return newErr(ClassNotFound, ReasonCatalogItemNotFound,
				fmt.Sprintf("清单中没有编码为 %s 的有效事项，请检查编码", code),
				fmt.Sprintf("no item in force has code %s; check the code", code))
		}
		n, err := (&deptNames{tx: tx, names: map[string]string{}}).get(e.Department)
		out = &CatalogView{Entry: *e, DepartmentName: n}
		return err
	})
	return out, err
}

// Count counts main items and sub-items.
type Count struct{ Items, SubItems int }

// Total is items and sub-items together.
func (c Count) Total() int { return c.Items + c.SubItems }

func (c *Count) add(e *CatalogEntry) {
	if e.SubItem() {
		c.SubItems++
	} else {
		c.Items++
	}
}

// DepartmentCount is one row of the per-department table.
type DepartmentCount struct {
	Department     string
	DepartmentName string
	Count          Count
}

// Stats is the catalogue's counts, in the shape of the report's table.
type Stats struct {
	Categories  [10]Count // index = category - 1
	Departments []DepartmentCount
	Total       Count
}

// CatalogStats counts the items in force per category and department.
func (s *Service) CatalogStats() (*Stats, error) {
	st := &Stats{}
	err := s.store.View(func(tx Tx) error {
		byDept := map[string]*Count{}
		err := tx.ScanCatalog(0, "", "", func(e *CatalogEntry) (bool, error) {
			if e.Content.Category.Valid() {
				st.Categories[e.Content.Category-1].add(e)
			}
			if byDept[e.Department] == nil {
				byDept[e.Department] = &Count{}
			}
			byDept[e.Department].add(e)
			st.Total.add(e)
			return true, nil
		})
		if err != nil {
			return err
		}
		return tx.ScanDepartments("", func(d *Department) (bool, error) {
			if c := byDept[d.ID]; c != nil {
				st.Departments = append(st.Departments, DepartmentCount{d.ID, d.DisplayName, *c})
			}
			return true, nil
		})
	})
	return st, err
}
