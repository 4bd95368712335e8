package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestRESTControlCharacters: over REST, an item whose name holds NUL,
// ESC, BEL, a line break or the right-to-left override is refused with
// 400 INVALID_FIELDS naming item.display_name, the character's position
// and its code point; a legal basis of several lines is accepted as sent.
func TestRESTControlCharacters(t *testing.T) {
	e := start(t, "")
	e.restOK("city-admin", "POST", "/v1/departments?department_id=gtzyj", `{"displayName": "市国土资源局"}`)
	for name, code := range map[string]string{
		"对\x00处罚": "U+0000", "处罚\x1b[31m": "U+001B", "处\a罚": "U+0007", "对非法占用\n土地的处罚": "U+000A", "\u202e罚处": "U+202E",
	} {
		body, _ := json.Marshal(map[string]any{"displayName": name, "category": "CATEGORY_PENALTY",
			"legalBases": []map[string]string{{"text": "《中华人民共和国土地管理法》第七十六条"}}})
		r := e.rest("gtj-clerk", "POST", "/v1/departments/gtzyj/items", string(body))
		if r.Code != http.StatusBadRequest || r.reason() != "INVALID_FIELDS" {
			t.Fatalf("name %q: HTTP %d %s", name, r.Code, r.Raw)
		}
		if f := r.restFieldViolations(); len(f) != 1 || f[0] != "item.display_name" {
			t.Fatalf("name %q: violations %q", name, f)
		}
		desc := r.restList("BadRequest", "fieldViolations", "description")[0]
		if !strings.Contains(desc, code) || !strings.Contains(desc, "个字符是") || !strings.Contains(desc, "character ") {
			t.Fatalf("name %q: %q does not name the character %s", name, desc, code)
		}
	}
	text := "《中华人民共和国土地管理法》第七十六条\n未经批准或者采取欺骗手段骗取批准，非法占用土地的，由县级以上人民政府土地行政主管部门责令退还非法占用的土地……\n（一）……"
	body, _ := json.Marshal(map[string]any{"displayName": "对非法占用土地的处罚", "category": "CATEGORY_PENALTY",
		"legalBases": []map[string]string{{"text": text}}, "remark": "第一行\n第二行"})
	r := e.restOK("gtj-clerk", "POST", "/v1/departments/gtzyj/items", string(body))
	got := e.restOK("gtj-clerk", "GET", "/v1/"+r.str("name"), "")
	bases, _ := got.Body["legalBases"].([]any)
	if len(bases) != 1 || bases[0].(map[string]any)["text"] != text || got.str("remark") != "第一行\n第二行" {
		t.Fatalf("stored %s", got.Raw)
	}
}
