package registry

import (
	"fmt"
	"slices"
	"strings"
)

// CreateDepartment creates a department with the id the caller chose.
func (s *Service) CreateDepartment(actor string, d Department, requestID string) (*Department, error) {
	var v violations
	if !departmentIDPattern.MatchString(d.ID) {
		v.add("department_id", "部门标识须以小写字母开头，只含小写字母、数字和连字符，最长 63 位，如 gtzyj",
			"a department id starts with a lower-case letter and has only lower-case letters, digits and '-', at most 63, e.g. gtzyj")
	}
	checkText(&v, "department.display_name", d.DisplayName, maxNameRunes, true)
	checkRegion(&v, "department.region_code", &d.RegionCode)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *Department
	err := s.mutate(actor, func(m *mut) error {
		if prev, err := idempotent(m, "CreateDepartment", requestID); err != nil || prev != "" {
			if err == nil {
				// The department the first request created, whatever this
				// retry names.
				out, err = loadDepartment(m, strings.TrimPrefix(prev, "departments/"))
			}
			return err
		}
		old, err := m.GetDepartment(d.ID)
		if err != nil {
			return err
		}
		if old != nil {
			return newErr(ClassAlreadyExists, ReasonDepartmentExists,
				fmt.Sprintf("部门 %s 已存在，请换一个标识", DepartmentName(d.ID)),
				fmt.Sprintf("department %s already exists; choose another id", DepartmentName(d.ID)))
		}
		n, err := m.NextSeq("departments")
		if err != nil {
			return err
		}
		out = &Department{ID: d.ID, DisplayName: d.DisplayName, RegionCode: d.RegionCode, Number: int(n),
			CreateTime: m.now, UpdateTime: m.now, Version: m.rev}
		if err := m.PutDepartment(out); err != nil {
			return err
		}
		if err := remember(m, "CreateDepartment", requestID, DepartmentName(d.ID)); err != nil {
			return err
		}
		return m.event(DepartmentName(d.ID), ActionCreated, "", "")
	})
	return out, err
}

// GetDepartment returns a department.
func (s *Service) GetDepartment(id string) (*Department, error) {
	var out *Department
	err := s.store.View(func(tx Tx) (err error) {
		out, err = loadDepartment(tx, id)
		return err
	})
	return out, err
}

// ListDepartments lists departments in id order.
func (s *Service) ListDepartments(size int, token string) ([]*Department, string, error) {
	size, err := s.pageSize(size, DefaultPageSize, MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	after, err := decodeToken(token, "departments")
	if err != nil {
		return nil, "", err
	}
	var out []*Department
	next := ""
	b := s.pageBudget()
	err = s.store.View(func(tx Tx) error {
		return tx.ScanDepartments(after, func(d *Department) (bool, error) {
			if len(out) == size || b.full(len(out), d) {
				next = encodeToken("departments", out[len(out)-1].ID)
				return false, nil
			}
			out = append(out, d)
			return true, nil
		})
	})
	return out, next, err
}

// UpdateDepartment changes the fields of mask (display_name, region_code;
// all when empty).
func (s *Service) UpdateDepartment(actor string, d Department, mask []string, etag string) (*Department, error) {
	if len(mask) == 0 {
		mask = []string{"display_name", "region_code"}
	}
	var v violations
	for _, p := range mask {
		switch p {
		case "display_name":
			// Its characters are checked below, when it changes: a name
			// stored before the rule does not block other updates.
			checkSize(&v, "department.display_name", d.DisplayName, maxNameRunes, true)
		case "region_code":
			checkRegion(&v, "department.region_code", &d.RegionCode)
		case "name", "number", "create_time", "update_time", "etag":
			// Output-only or identifying fields are ignored (AIP-134).
		default:
			v.add("update_mask", fmt.Sprintf("无法修改字段 %q", p), fmt.Sprintf("field %q cannot be updated", p))
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *Department
	renamed := false
	err := s.mutate(actor, func(m *mut) error {
		cur, err := loadDepartment(m, d.ID)
		if err != nil {
			return err
		}
		if err := checkEtag(DepartmentName(d.ID), etag, cur.Version); err != nil {
			return err
		}
		if slices.Contains(mask, "display_name") && cur.DisplayName != d.DisplayName {
			checkChars(&v, "department.display_name", d.DisplayName)
			if err := v.err(); err != nil {
				return err
			}
			// Catalogue items and stats show it (catalogversion.go), and
			// the change feed announces its items again (changes.go).
			if err := m.catalogChanged(); err != nil {
				return err
			}
			if err := m.departmentRenamed(d.ID); err != nil {
				return err
			}
			renamed = true
			cur.DisplayName = d.DisplayName
		}
		if slices.Contains(mask, "region_code") && cur.RegionCode != d.RegionCode {
			// The catalogue's region filter reads it (catalogversion.go).
			if err := m.catalogChanged(); err != nil {
				return err
			}
			cur.RegionCode = d.RegionCode
		}
		cur.UpdateTime, cur.Version = m.now, m.rev
		out = cur
		if err := m.PutDepartment(cur); err != nil {
			return err
		}
		return m.event(DepartmentName(d.ID), ActionUpdated, "", "")
	})
	if err == nil && renamed {
		s.feed.notify()
	}
	return out, err
}
