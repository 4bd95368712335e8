package registry

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// Page tokens are opaque to clients: base64 of the cursor (the last key
// served), the list's filters, so that a token cannot be reused with other
// filters, and a checksum of both. A token is accepted only as this server
// writes it, byte for byte: a damaged or hand-made token is refused
// (INVALID_ARGUMENT on page_token) rather than read as "from the start",
// which would make a buggy client page forever. The checksum is not a
// secret: it tells damage and guesses from issued tokens; every cursor is
// still checked against its list.
type pageToken struct {
	Filter string `json:"f"`
	Cursor string `json:"c"`
	Sum    string `json:"s"`
}

func tokenSum(filter, cursor string) string {
	h := sha256.Sum256([]byte("powerreg page token\x00" + filter + "\x00" + cursor))
	return hex.EncodeToString(h[:8])
}

func encodeToken(filter, cursor string) string {
	b, _ := json.Marshal(pageToken{Filter: filter, Cursor: cursor, Sum: tokenSum(filter, cursor)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken returns the cursor of token, "" for no token.
func decodeToken(token, filter string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	var t pageToken
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	switch {
	case err != nil || t.Cursor == "" || encodeToken(t.Filter, t.Cursor) != token: // the re-encoding carries the right sum
		return "", badToken()
	case t.Filter != filter:
		var v violations
		v.add("page_token", "分页标记与本次的筛选条件不符，请去掉 page_token 从第一页开始",
			"the page token belongs to other filters; start again from the first page without page_token")
		return "", v.err()
	}
	return t.Cursor, nil
}

// badToken is the error of a token this server did not issue, or whose
// cursor does not fit the list.
func badToken() error {
	var v violations
	v.add("page_token", "分页标记不是本服务器签发的，或已损坏；请去掉 page_token 从第一页重新开始",
		"the page token is not one this server issued, or is damaged; start again without page_token")
	return v.err()
}

// parseID reads a cursor that is an id or sequence number, exactly as
// strconv.FormatUint writes it.
func parseID(cursor string) (uint64, error) {
	if cursor == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(cursor, 10, 64)
	if err != nil || strconv.FormatUint(n, 10) != cursor {
		return 0, badToken()
	}
	return n, nil
}
