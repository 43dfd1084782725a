package main

import (
	"sync"
	"time"
)

// clock is the program's time. A real clock sleeps; a simulated one
// (the in-process server's) jumps forward instead, so the demo shows
// expiries and the grace window without making anyone wait. It is safe for
// concurrent use.
type clock struct {
	simulated bool

	mu     sync.Mutex
	offset time.Duration // how far the simulated clock is ahead of the real one
}

// Now is the real time, plus the jumps a simulated clock has made.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Sleep waits d: for real, or by moving a simulated clock forward.
func (c *clock) Sleep(d time.Duration) {
	if !c.simulated {
		time.Sleep(d)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}
