package coding

import "testing"

func TestDefault(t *testing.T) {
	for _, tc := range []struct {
		r    Request
		want string
	}{
		{Request{Region: "430400", Letters: "CF", Department: 12, Sequence: 45}, "430400-CF-012-0045-00"},
		{Request{ParentCode: "430400-CF-012-0045-00", SubSeq: 3}, "430400-CF-012-0045-03"},
		{Request{ParentCode: "GTJ-7", SubSeq: 12}, "GTJ-7-12"},
		{Request{Region: "511602", Letters: "XK", Department: 1, Sequence: 12345}, "511602-XK-001-12345-00"},
	} {
		if got := (Default{}).Code(tc.r); got != tc.want {
			t.Errorf("Code(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
