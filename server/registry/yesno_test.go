package registry_test

import (
	"encoding/json"
	"testing"

	"github.com/powerreg/powerreg/server/registry"
)

// TestYesNoJSON: the stored shape of the three-state answers is the old
// bool's (true, false) with no key for unknown, and reads back the same;
// anything else is refused.
func TestYesNoJSON(t *testing.T) {
	for _, c := range []struct {
		fee     registry.Fee
		forward registry.YesNo
		want    string
	}{
		{registry.Fee{}, registry.Unknown, `{"displayName":"甲","category":0}`},
		{registry.Fee{Charged: registry.Yes, Basis: "《办法》"}, registry.Yes,
			`{"displayName":"甲","category":0,"fee":{"charged":true,"basis":"《办法》"},"reviewAndForward":true}`},
		{registry.Fee{Charged: registry.No}, registry.No,
			`{"displayName":"甲","category":0,"fee":{"charged":false},"reviewAndForward":false}`},
		{registry.Fee{Standard: "每件50元"}, registry.Unknown, `{"displayName":"甲","category":0,"fee":{"standard":"每件50元"}}`},
	} {
		in := registry.Content{DisplayName: "甲", Fee: c.fee, ReviewAndForward: c.forward}
		b, err := json.Marshal(in)
		if err != nil || string(b) != c.want {
			t.Errorf("%+v: %s, %v; want %s", c.fee, b, err, c.want)
			continue
		}
		var out registry.Content
		if err := json.Unmarshal(b, &out); err != nil || out.Fee != c.fee || out.ReviewAndForward != c.forward {
			t.Errorf("%s read back as %+v, %d, %v", b, out.Fee, out.ReviewAndForward, err)
		}
	}
	var c registry.Content
	if err := json.Unmarshal([]byte(`{"fee":{"charged":null},"reviewAndForward":null}`), &c); err != nil ||
		c.Fee.Charged != registry.Unknown || c.ReviewAndForward != registry.Unknown {
		t.Errorf("null: %+v, %v", c, err)
	}
	for _, bad := range []string{`{"reviewAndForward":"否"}`, `{"reviewAndForward":0}`, `{"fee":{"charged":1}}`} {
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("%s was read", bad)
		}
	}
	if _, err := json.Marshal(registry.Content{ReviewAndForward: 7}); err == nil {
		t.Error("an answer out of range was written")
	}
	for y, want := range map[registry.YesNo]string{registry.Unknown: "", registry.Yes: "是", registry.No: "否"} {
		if y.Text() != want || registry.YesNoOf(y.Bool()) != y {
			t.Errorf("%d: text %q, round trip %d", y, y.Text(), registry.YesNoOf(y.Bool()))
		}
	}
}
