// Package sheet reads and writes the department spreadsheet (梳理表) that
// `powerctl import`, `powerctl export` and `powerctl template` use: CSV or
// XLSX files with one power item per row, in the columns of Columns.
//
// columns.go is the client's one field table: per item field its key, its
// path in the API's Item, the Chinese and English labels and the text
// powerctl shows, and per spreadsheet column its header, synonyms, English
// aliases and note. Besides the template's columns it lists the columns
// exports add: 事项标识 (the item's resource name, read into Item.Name so
// that an import updates that item), 区划代码 (the department's region,
// read into Row.RegionCode), and the export-only 状态, 待发布变更, 最近审核意见,
// 变更类型, 变更字段 and 审核意见（退回时填写）, read into Row.Extra and never
// into the item. WorkingCopyKeys and ReviewKeys are the columns of a
// working-copy export and of a review sheet; UpdateMask gives the item
// fields a file's header carries (an import's update mask) and
// UnknownColumns the columns no entry of the table matches (and those
// without a header that hold data).
//
// Reading (Read, ReadCSV, ReadXLSX) accepts the headers real lists use
// (Column.Synonyms, Column.English), ignores unknown columns, and returns the
// good rows and one Problem per bad cell or row, located as the user sees it
// (file, Excel row number, header as written) with a bilingual message
// saying what to do. A row with a problem is left out of the rows.
//
// Rules the readers follow:
//
//   - The header row is the first of the first ten non-empty rows that has
//     at least two known headers (so a title row above it is skipped), or
//     else the first non-empty row. Headers match ignoring white space
//     anywhere, "*" markers, a trailing remark in brackets (职权名称（必填）)
//     and the case of English aliases; unknown columns are ignored (the
//     caller reports them: UnknownColumns). A
//     missing name or category column, or two columns for one field, is a
//     problem on the header's line and no rows are read.
//   - Empty rows and the notes row (the first non-empty row after the
//     header, when its first non-empty cell starts with 说明：) are skipped;
//     Line still counts them, as Excel does.
//   - A row with 子项名称 is a sub-item named 子项名称 of the main item named
//     大项, or 职权名称 when 大项 is empty. A row with 大项 and without 子项名称
//     is the item 职权名称, a sub-item of 大项. A row whose 大项 (or
//     子项名称) equals its own name is the main item itself: MainItem is "".
//     大项, 职权名称 and 子项名称 all filled in and different is a problem
//     (only two levels exist).
//   - Time limits: 20个工作日, 20 工作日, 30日, 30天, 30自然日, 3个月, 3月
//     (full-width digits too); empty or 无 is no limit; a bare number is
//     accepted when the header names the unit, as in 法定期限（工作日）.
//   - Legal bases: one per line when the cell has line breaks, else split at
//     semicolons; Title is the first 《…》, Article the first 第…条 (with
//     第…款, 第…项) after it; Level is left unset.
//   - Categories: Options.Categories (label or alias as written, kept in
//     CategoryLabel) or an enum name such as CATEGORY_PENALTY (label left
//     empty).
//   - Yes/no cells: 是/否, 收费/不收费/免费, Y/N, yes/no, true/false, 1/0,
//     无; empty is not stated (nil), never no.
//   - XLSX: cell values as Excel shows them (formatted; dates in the
//     short-date format as Chinese Excel shows them, 2024/3/1); a cell merged over
//     several rows counts in each of them. A part of the file that
//     declares XML entities (a DTD) is refused by name.
//   - CSV: UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (the
//     encoding of the first row that is not plain ASCII); a row in another
//     encoding than the rows before it is a problem of the whole file, and
//     so is a UTF-16 file cut in the middle of a character. Comma-, tab-
//     or semicolon-separated (guessed from the first line). Quotes as Excel reads
//     them; a quote left open at the end of the file is a problem of the
//     whole file at the row where it opened, and a cell holding lines that
//     look like whole rows (a stray quote closed by a later one) gives a
//     warning (Problem.Suspect) on its row, which is still read.
//   - Limits (MaxRows, MaxColumns, MaxRowBytes, MaxMergedRanges,
//     MaxFileBytes, MaxUnzippedBytes) are checked as rows are read: the
//     first one passed ends the reading with one problem of the whole file
//     (or an error for the file's sizes). Field lengths are the server's
//     (server/registry) and are problems of their row.
//   - Before excelize opens an XLSX, its parts are read as bytes
//     (xmlscan.go): a cell or shared string over MaxElementBytes, more than
//     MaxSharedStrings shared strings, or a row of more cells than Excel's
//     columns is refused, naming the part; formula cells without their
//     result and error values (#REF!) are problems of their row. A CSV row
//     of more than 16,384 cells is refused too.
//   - A cell starting with ' before = + - @, a tab or a CR (maybe after
//     more quotes) loses that one quote: the writers' neutralisation of
//     formulas (neutral.go).
//   - Line breaks and tabs in a one-line column (names, 实施主体, 委托机关,
//     承办机构) become spaces, with a warning in Row.Warnings (lines.go).
//
// Writing (WriteCSV, WriteXLSX, WriteTemplate) uses the template's columns
// and Chinese headers (see Cells for how values are written); what the
// writers write, Read reads back to the same rows when they came from Read.
// Two things do not survive: a legal basis's Level (only texts are written)
// and a single legal basis whose text holds a semicolon (it is read back as
// two). The writers neutralise formulas (OWASP): CSV cells get a leading ',
// XLSX cells Excel's quote prefix; control characters are written as
// [U+001B] (neutral.go). WriteRejects and RejectLines hand bad rows back to the department
// with their reasons, in a file it can fix and import again.
//
// The package does not talk to the network.
package sheet
