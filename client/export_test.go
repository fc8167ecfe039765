package client

import (
	"context"
	"time"
)

// SetTaskSleep replaces the waits between the task polls of s (tests count them instead of waiting).
func SetTaskSleep(s *Session, f func(ctx context.Context, d time.Duration, wake <-chan struct{}) error) {
	s.sleep = f
}
