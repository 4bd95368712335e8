// Package ratelimit keeps one token bucket per key (a principal, or an
// anonymous caller's address) and forgets the buckets nobody uses.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a sustained rate with a burst: Rate requests per second on
// average, up to Burst at once. A Rate of 0 (or less) means no limit.
type Limit struct {
	Rate  float64
	Burst int
}

// Unlimited reports whether the limit lets everything through.
func (l Limit) Unlimited() bool { return l.Rate <= 0 }

// Limiter holds the buckets of one Limit, by key.
type Limiter struct {
	limit Limit
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]*rate.Limiter
	lastSweep time.Time
}

// sweepEvery is how often idle buckets are dropped: a bucket left alone
// long enough to be full again is the same as a new one, so forgetting it
// changes nothing but memory.
const sweepEvery = time.Minute

// New returns a Limiter; now is the clock (time.Now when nil).
func New(l Limit, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	if l.Burst < 1 {
		l.Burst = 1
	}
	return &Limiter{limit: l, now: now, buckets: map[string]*rate.Limiter{}}
}

// Limit returns the limit the Limiter applies.
func (l *Limiter) Limit() Limit { return l.limit }

// Allow takes one token from key's bucket. When the bucket is empty it
// takes nothing and returns how long until a token is there.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	if l == nil || l.limit.Unlimited() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Limit(l.limit.Rate), l.limit.Burst)
		l.buckets[key] = b
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	r := b.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return false, wait
}

// sweep drops the buckets that are full again. l.mu is held.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepEvery {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.limit.Burst) {
			delete(l.buckets, k)
		}
	}
}

// Keys is the number of buckets held, for tests and metrics.
func (l *Limiter) Keys() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// RetryAfterSeconds rounds a wait up to whole seconds, at least one, as
// HTTP's Retry-After wants them.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
