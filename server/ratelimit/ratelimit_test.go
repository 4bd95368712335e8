package ratelimit

import (
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBucketPerKey(t *testing.T) {
	c := &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(Limit{Rate: 2, Burst: 3}, c.now)
	for i := range 3 {
		if ok, _ := l.Allow("alice"); !ok {
			t.Fatalf("call %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("alice")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("fourth call: allowed %v, wait %v; want refused, 500ms", ok, wait)
	}
	if ok, _ := l.Allow("bob"); !ok {
		t.Fatal("another key shares alice's bucket")
	}
	// A refused call takes no token: half a second later one is there.
	c.t = c.t.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("alice"); !ok {
		t.Fatal("a token did not come back after 1/rate")
	}
	if ok, _ := l.Allow("alice"); ok {
		t.Fatal("two tokens after 1/rate")
	}
}

func TestSweepForgetsFullBuckets(t *testing.T) {
	c := &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(Limit{Rate: 1, Burst: 1}, c.now)
	l.Allow("a")
	l.Allow("b")
	c.t = c.t.Add(2 * sweepEvery)
	l.Allow("c")
	if n := l.Keys(); n != 1 {
		t.Fatalf("%d buckets after a sweep, want 1 (c's)", n)
	}
}

func TestUnlimited(t *testing.T) {
	l := New(Limit{}, nil)
	for range 1000 {
		if ok, _ := l.Allow("x"); !ok {
			t.Fatal("a zero limit refused a call")
		}
	}
	if l.Keys() != 0 {
		t.Fatal("an unlimited limiter keeps buckets")
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2} {
		if got := RetryAfterSeconds(d); got != want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}
