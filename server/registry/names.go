package registry

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Resource names (AIP-122). Department ids are chosen by their creator;
// item, submission and publication ids are numbers given by the registry.

var departmentIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// AllDepartments is the wildcard department of `departments/-` reads.
const AllDepartments = "-"

// DepartmentName formats `departments/{id}`.
func DepartmentName(id string) string { return "departments/" + id }

// ItemName formats `departments/{dept}/items/{id}`.
func ItemName(dept string, id uint64) string {
	return fmt.Sprintf("departments/%s/items/%d", dept, id)
}

// RevisionName formats `departments/{dept}/items/{id}/revisions/{n}`.
func RevisionName(dept string, id uint64, n int) string {
	return fmt.Sprintf("%s/revisions/%d", ItemName(dept, id), n)
}

// SubmissionName formats `departments/{dept}/submissions/{id}`.
func SubmissionName(dept string, id uint64) string {
	return fmt.Sprintf("departments/%s/submissions/%d", dept, id)
}

// PublicationName formats `publications/{id}`.
func PublicationName(id uint64) string { return fmt.Sprintf("publications/%d", id) }

// badName is the INVALID_ARGUMENT error for a malformed name in field.
func badName(field, name, pattern string) error {
	var v violations
	v.add(field,
		fmt.Sprintf("名称 %q 格式不对，应为 %s", name, pattern),
		fmt.Sprintf("malformed name %q; expected %s", name, pattern))
	return v.err()
}

func segments(name string, want ...string) ([]string, bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 2*len(want) {
		return nil, false
	}
	ids := make([]string, len(want))
	for i, w := range want {
		if parts[2*i] != w || parts[2*i+1] == "" {
			return nil, false
		}
		ids[i] = parts[2*i+1]
	}
	return ids, true
}

// ParseDepartmentName parses `departments/{id}`; wildcard allows `-`.
func ParseDepartmentName(field, name string, wildcard bool) (string, error) {
	ids, ok := segments(name, "departments")
	if ok && (departmentIDPattern.MatchString(ids[0]) || wildcard && ids[0] == AllDepartments) {
		return ids[0], nil
	}
	return "", badName(field, name, "departments/{department}")
}

func parseNumbered(field, name, pattern string, want ...string) (string, []uint64, error) {
	ids, ok := segments(name, want...)
	if !ok || !departmentIDPattern.MatchString(ids[0]) && want[0] == "departments" {
		return "", nil, badName(field, name, pattern)
	}
	var nums []uint64
	start := 0
	if want[0] == "departments" {
		start = 1
	}
	for _, s := range ids[start:] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 || strconv.FormatUint(n, 10) != s {
			return "", nil, badName(field, name, pattern)
		}
		nums = append(nums, n)
	}
	return ids[0], nums, nil
}

// ParseItemName parses `departments/{dept}/items/{id}`.
func ParseItemName(field, name string) (dept string, id uint64, err error) {
	dept, nums, err := parseNumbered(field, name, "departments/{department}/items/{item}", "departments", "items")
	if err != nil {
		return "", 0, err
	}
	return dept, nums[0], nil
}

// ParseRevisionName parses `departments/{dept}/items/{id}/revisions/{n}`.
func ParseRevisionName(field, name string) (dept string, id uint64, n int, err error) {
	dept, nums, err := parseNumbered(field, name, "departments/{department}/items/{item}/revisions/{revision}",
		"departments", "items", "revisions")
	if err != nil {
		return "", 0, 0, err
	}
	if nums[1] > 1<<31 {
		return "", 0, 0, badName(field, name, "departments/{department}/items/{item}/revisions/{revision}")
	}
	return dept, nums[0], int(nums[1]), nil
}

// ParseSubmissionName parses `departments/{dept}/submissions/{id}`.
func ParseSubmissionName(field, name string) (dept string, id uint64, err error) {
	dept, nums, err := parseNumbered(field, name, "departments/{department}/submissions/{submission}",
		"departments", "submissions")
	if err != nil {
		return "", 0, err
	}
	return dept, nums[0], nil
}

// ParsePublicationName parses `publications/{id}`.
func ParsePublicationName(field, name string) (uint64, error) {
	_, nums, err := parseNumbered(field, name, "publications/{publication}", "publications")
	if err != nil {
		return 0, err
	}
	return nums[0], nil
}

// ParseBatchItemName parses the name of an item in a batch of department
// dept: an item of another department cannot be in it.
func ParseBatchItemName(field, dept, name string) (uint64, error) {
	d, id, err := ParseItemName(field, name)
	if err != nil {
		return 0, err
	}
	if d != dept {
		var v violations
		v.add(field, fmt.Sprintf("事项 %s 不在此批次中", name), fmt.Sprintf("item %s is not in this submission", name))
		return 0, v.err()
	}
	return id, nil
}
