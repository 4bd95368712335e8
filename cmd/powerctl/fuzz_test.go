package main

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/server/registry"
)

// wantUsage checks that err is a bilingual usage error (exit status 2)
// quoting the input.
func wantUsage(t *testing.T, err error, input string) {
	t.Helper()
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), " / ") || !strings.Contains(err.Error(), input) {
		t.Fatalf("input %q: error %v (%T); want a bilingual usage error quoting it", input, err, err)
	}
}

// FuzzParseAsOf: --as-of is empty (now), an RFC 3339 time that formats
// back to the same instant, or a date meaning the last instant of that day
// in China Standard Time; anything else is a usage error quoting it.
func FuzzParseAsOf(f *testing.F) {
	for _, s := range []string{"", " ", "2014-10-08", "2014-10-08T10:00:00+08:00", "2014-10-08T02:00:00Z", "2014-10-08T02:00:00.123456789Z",
		"2014-13-01", "2014-02-30", "20141008", "2014-10-08 10:00", "yesterday", "2014-10-08T10:00:00+24:00", "0000-01-01", " 9999-12-31\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseAsOf(s)
		trimmed := strings.TrimSpace(s)
		if err != nil {
			wantUsage(t, err, trimmed)
			return
		}
		if trimmed == "" {
			if !got.IsZero() {
				t.Fatalf("parseAsOf(%q) = %v, want the zero time (now)", s, got)
			}
			return
		}
		if d, err := time.ParseInLocation(time.DateOnly, trimmed, cst); err == nil {
			if got.In(cst).Format(time.DateOnly) != trimmed || !got.Add(time.Nanosecond).Equal(d.AddDate(0, 0, 1)) {
				t.Fatalf("parseAsOf(%q) = %v, want the end of that day in CST", s, got)
			}
			return
		}
		again, err := parseAsOf(got.Format(time.RFC3339Nano))
		if err != nil || !again.Equal(got) {
			t.Fatalf("parseAsOf(%q) = %v, formatted and read again %v, %v", s, got, again, err)
		}
	})
}

// FuzzParseCategory: --category names one of the ten categories, the same
// whatever the case of its ASCII letters and the spaces around it, and each
// category's label, aliases, enum name, English label and letters name it.
func FuzzParseCategory(f *testing.F) {
	var infos []*pb.CategoryInfo
	for _, c := range registry.Categories {
		infos = append(infos, &pb.CategoryInfo{Category: pb.Category(c.Category), Label: c.Label,
			EnglishLabel: c.EnglishLabel, Letters: c.Letters, Aliases: c.Aliases})
		for _, s := range append([]string{c.Label, c.EnglishLabel, c.Letters, pb.Category(c.Category).String(), " management_service "}, c.Aliases...) {
			f.Add(s)
		}
	}
	f.Add("")
	f.Add("CATEGORY_UNSPECIFIED")
	f.Add("UNSPECIFIED")
	f.Add("行政 处罚")
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := parseCategory(infos, s)
		if !ok {
			if c != 0 {
				t.Fatalf("parseCategory(%q) = %v, not ok", s, c)
			}
		} else if c < 1 || c > 10 {
			t.Fatalf("parseCategory(%q) = %v", s, c)
		}
		for _, v := range []string{asciiCase(s, true), asciiCase(s, false), " " + s + "\t"} {
			if c2, ok2 := parseCategory(infos, v); c2 != c || ok2 != ok {
				t.Fatalf("parseCategory(%q) = %v, %v; parseCategory(%q) = %v, %v", s, c, ok, v, c2, ok2)
			}
		}
	})
}

// asciiCase changes the case of the ASCII letters of s only.
func asciiCase(s string, upper bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case upper && r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case !upper && r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

// FuzzParseTime: --since and --until are a time, a date or a duration ago
// (never in the future), or a usage error naming the flag.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-05-01T08:00:00+08:00", "2024-05-01", "2024-05-01 08:00:00", "24h", "7d", "1.5d", "7d ago",
		"-1h", "-1d", "NaNd", "Infd", "1e300d", "", "90m ago"} {
		f.Add(s)
	}
	now := time.Date(2014, 10, 8, 9, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime("--since", s, now)
		if err != nil {
			wantUsage(t, err, "--since")
			return
		}
		if _, derr := parseDuration(strings.TrimSuffix(strings.TrimSpace(s), " ago")); derr == nil && got.After(now) {
			t.Fatalf("parseTime(%q) = %v, after now %v", s, got, now)
		}
	})
}

// FuzzParseDuration: --expires (and a duration ago) is a Go duration or a
// number of days; whatever is accepted is never negative for a
// non-negative number, on any platform (a float too large for a Duration
// is refused, not converted).
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"720h", "90d", "1.5d", "0d", "-1d", "1e300d", "+Infd", "NaNd", "106751d", "106752d", "d", "30", "1h30m", "0x10d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		if err != nil {
			return
		}
		if days, ok := strings.CutSuffix(s, "d"); ok {
			if d < 0 {
				t.Fatalf("parseDuration(%q) = %v: negative", s, d)
			}
			n, perr := strconv.ParseFloat(days, 64)
			if want := n * float64(24*time.Hour); perr != nil || math.Abs(float64(d)-want) > 1+want*1e-9 {
				t.Fatalf("parseDuration(%q) = %v, want %v days", s, d, n)
			}
			return
		}
		if want, werr := time.ParseDuration(s); werr != nil || want != d {
			t.Fatalf("parseDuration(%q) = %v; time.ParseDuration says %v, %v", s, d, want, werr)
		}
	})
}
