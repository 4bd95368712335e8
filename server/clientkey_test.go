package server

import "testing"

// TestClientKey: the per-address limits (connections, watches, the
// anonymous rate) count an IPv6 client by its /64, which one host or one
// customer is commonly given whole: counted by address, one such client
// has 2^64 of them and no per-address limit holds. IPv4 addresses, mapped
// or not, count one by one.
func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"2001:db8:1:2::1":        "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::abc": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":        "2001:db8:1:3::/64",
		"::1":                    "::/64",
		"192.0.2.7":              "192.0.2.7",
		"::ffff:192.0.2.7":       "192.0.2.7",
		"unknown":                "unknown",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
