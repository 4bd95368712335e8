package registry

import (
	"encoding/base64"
	"encoding/json"
)

// Page tokens are opaque to clients: base64 of the cursor (the last key
// served) and the list's filters, so that a token cannot be reused with
// other filters.
type pageToken struct {
	Filter string `json:"f"`
	Cursor string `json:"c"`
}

func encodeToken(filter, cursor string) string {
	b, _ := json.Marshal(pageToken{Filter: filter, Cursor: cursor})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken returns the cursor of token, "" for no token.
func decodeToken(token, filter string) (string, error) {
	if token == "" {
		return "", nil
	}
	var v violations
	b, err := base64.RawURLEncoding.DecodeString(token)
	var t pageToken
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	switch {
	case err != nil || t.Cursor == "":
		v.add("page_token", "无效的分页标记，请去掉 page_token 从第一页开始",
			"invalid page token; start again from the first page without page_token")
	case t.Filter != filter:
		v.add("page_token", "分页标记与本次的筛选条件不符，请去掉 page_token 从第一页开始",
			"the page token belongs to other filters; start again from the first page without page_token")
	default:
		return t.Cursor, nil
	}
	return "", v.err()
}

// badToken is the error of a well-formed token whose cursor does not fit
// the list (a forged or corrupted token).
func badToken() error {
	var v violations
	v.add("page_token", "无效的分页标记，请去掉 page_token 从第一页开始",
		"invalid page token; start again from the first page without page_token")
	return v.err()
}
