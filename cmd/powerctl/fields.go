package main

import (
	"github.com/powerreg/powerreg/client/sheet"
	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
)

// itemFields are the fields of an item's content as powerctl shows them
// (catalog get, review show and its differences), in the template's
// order. They come from the one field table, client/sheet's Columns: its
// Label, EnglishLabel, Path and Text.
var itemFields = sheet.ItemFields()

// categoryText is the category's label, with the label as written in the
// source list when it differs: 管理服务（公共服务）.
func categoryText(it *pb.Item) string { return sheet.CategoryText(it) }

// categoryLabels are the Chinese labels of the ten categories.
var categoryLabels = func() map[pb.Category]string {
	m := map[pb.Category]string{}
	for label, c := range sheet.DefaultCategories() {
		m[c] = label
	}
	return m
}()

// itemStateText is an item state as the domain names it, then in English.
var itemStateText = func() map[pb.Item_State]string {
	m := map[pb.Item_State]string{}
	for st, en := range map[pb.Item_State]string{
		pb.Item_STATE_DRAFT: "draft", pb.Item_STATE_SUBMITTED: "submitted", pb.Item_STATE_APPROVED: "approved",
		pb.Item_STATE_RETURNED: "returned", pb.Item_STATE_PUBLISHED: "published", pb.Item_STATE_ABOLISHED: "abolished",
	} {
		m[st] = sheet.StateLabel(st) + " " + en
	}
	return m
}()
