package registry

import (
	"strconv"
	"strings"

	"github.com/powerreg/powerreg/server/filter"
)

// Support of the catalogue's keyword search (server/search), which keeps
// its own index derived from the store and needs the catalogue list's
// filter, order and page tokens.

// CatalogSearchQuery parses a ListCatalogItems filter and order_by as
// ListCatalogQuery does. match is nil when the filter is empty; order
// lists the fields (code, publish_time, display_name) with their
// direction, empty for the default order (relevance with q); key is the
// canonical form of both, to bind page tokens to them.
func CatalogSearchQuery(lq ListQuery) (match func(*CatalogEntry) bool, order []CatalogOrderKey, key string, err error) {
	var v violations
	f, ferr := filter.Parse(catalogFields, lq.Filter)
	if ferr != nil {
		addQueryErr(&v, "filter", ferr)
	}
	o, oerr := filter.ParseOrder(catalogOrder, lq.OrderBy)
	if oerr != nil {
		addQueryErr(&v, "order_by", oerr)
	}
	if err := v.err(); err != nil {
		return nil, nil, "", err
	}
	if !f.Empty() {
		match = func(e *CatalogEntry) bool { return f.Match(catalogRecord(e)) }
	}
	for _, k := range o {
		order = append(order, CatalogOrderKey{Field: k.Field.Name, Desc: k.Desc})
	}
	key = "filter=" + strconv.Quote(f.String()) + "&order_by=" + strconv.Quote(o.String())
	return match, order, key, nil
}

// CatalogOrderKey is one field of an order_by.
type CatalogOrderKey struct {
	Field string
	Desc  bool
}

// EncodePageToken makes an opaque page token bound to filter (the
// request's parameters other than the page) holding cursor.
func EncodePageToken(filter, cursor string) string { return encodeToken(filter, cursor) }

// DecodePageToken reads a token of EncodePageToken: the cursor, "" for an
// empty token; INVALID_ARGUMENT if the token is foreign or made for other
// parameters.
func DecodePageToken(token, filter string) (string, error) { return decodeToken(token, filter) }

// InvalidArgument is an INVALID_ARGUMENT error on one field of a request.
func InvalidArgument(field, chinese, english string) error {
	var v violations
	v.add(field, chinese, english)
	return v.err()
}

// DefaultRegion is the region code of departments without their own.
func (s *Service) DefaultRegion() string { return s.region }

// DepartmentRegion is the region code of a department: its own, or the
// default one.
func (s *Service) DepartmentRegion(d *Department) string {
	if strings.TrimSpace(d.RegionCode) != "" {
		return d.RegionCode
	}
	return s.region
}
